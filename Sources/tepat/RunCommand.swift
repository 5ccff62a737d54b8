import ArgumentParser
import Foundation
import Tepat

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Decide every subject of a population and write decisions, households, summary, report and manifest.",
        discussion: """
            With no options, runs the bundled Kota Tangerang 2025 policies (\(Workspace.defaultPolicyPath)) over the \
            bundled sample population (\(Workspace.defaultPopulationPath)) into out/.
            Exit codes: 0 success, 1 the policies have errors, 2 the input could not be used.
            """)

    @Option(name: .customLong("policy"), help: "Policy files or folders (repeatable).")
    var policies: [String] = []

    @Option(help: "The population folder (households.csv, members.csv, santunan_applications.csv, or .jsonl).")
    var population: String = Workspace.defaultPopulationPath

    @Option(help: "The output folder.")
    var out: String = "out"

    @Option(help: "Threads to use (default: all cores). The output is identical whatever the count.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("on-error"), help: "What to do with an invalid input row: report (mark it invalid and go on) or fail (stop, exit 2).")
    var onError: OnError = .report

    @Option(help: "Decisions as csv (decisions.csv) or jsonl (decisions.jsonl, with the rule trace).")
    var format: RunOptions.Format = .csv

    @Option(help: "Language of reasons: id (Bahasa Indonesia) or en.")
    var lang: Language = .id

    @Option(name: .customLong("as-of"), help: "Evaluate as of this date (YYYY-MM-DD) instead of each policy's as_of.")
    var asOf: String?

    @Option(name: .customLong("set"), help: "Try a parameter value without editing files: NAME=VALUE, as written in YAML (repeatable).")
    var overrides: [String] = []

    @Flag(help: "No progress on standard error.")
    var quiet = false

    @Option(help: ArgumentHelp("Compare the decisions with a previous run's DIR/decisions.csv; exit 1 listing the subjects whose decision, rule or amount differ.", valueName: "DIR"))
    var expect: String?

    @Flag(name: .customLong("update-expected"), help: "With --expect: copy this run's decisions into DIR instead of comparing (re-baseline on purpose).")
    var updateExpected = false

    @Option(name: .customLong("expect-limit"), help: "With --expect: how many differing subjects to list.")
    var expectLimit = 20

    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Records per chunk read at once.", visibility: .hidden))
    var batchSize = 32_768

    @Flag(name: .customLong("load-households-whole"), help: ArgumentHelp("Load every household before the members instead of streaming them (for comparisons).", visibility: .hidden))
    var loadHouseholdsWhole = false

    func validate() throws {
        if updateExpected && expect == nil { throw ValidationError("--update-expected needs --expect DIR: the folder to write the expected decisions to") }
        if expectLimit < 0 { throw ValidationError("--expect-limit needs a number ≥ 0") }
    }

    func run() throws {
        if let expect, !updateExpected, GoldenDecisions.decisionsFile(in: expect) == nil {
            FileHandle.standardError.write(Data("error: no expected decisions in \(expect) (decisions.csv); create them with --expect \(expect) --update-expected\n".utf8))
            throw ExitCode(2)
        }
        var checkOptions = CheckOptions()
        if let asOf {
            guard let day = Day(iso: asOf) else { throw ValidationError("--as-of needs a date that exists, as YYYY-MM-DD") }
            checkOptions.asOf = day
        }
        checkOptions.parameterOverrides = try ParameterOverride.parse(overrides)
        // The bundled default: the city's caps scaled to the small bundled sample, said out loud.
        let bundledDefault = policies.isEmpty && population == Workspace.defaultPopulationPath
        if bundledDefault {
            for o in Workspace.sampleOverrides where !checkOptions.parameterOverrides.contains(where: { $0.name == o.name }) {
                checkOptions.parameterOverrides.append(o)
            }
            let note = lang == .en
                ? "Note: bundled sample (2,500 households); caps scaled to it: --set kuota=1200 --set anggaran=Rp15.000.000 (the city's: 5,952 persons, Rp294.000.000)\n"
                : "Catatan: sampel bawaan (2.500 KK); batas diskalakan: --set kuota=1200 --set anggaran=Rp15.000.000 (angka kota: 5.952 orang, Rp294.000.000)\n"
            FileHandle.standardError.write(Data(note.utf8))
        }
        let workspace = Workspace.load(paths: policies.isEmpty ? [Workspace.defaultPolicyPath] : policies, options: checkOptions)
        if workspace.diagnostics.containsErrors {
            FileHandle.standardError.write(Data(workspace.renderer.render(workspace.diagnostics.sorted).utf8))
            throw ExitCode(1)
        }
        var options = RunOptions(
            population: population, output: out, jobs: jobs, failOnError: onError == .fail, format: format, language: lang, batchSize: batchSize)
        options.loadWhole = loadHouseholdsWhole
        let showProgress = !quiet && isatty(2) != 0
        let reporter = ProgressReporter(enabled: showProgress)
        do {
            var callback: (@Sendable (RunProgress) -> Void)?
            if showProgress { callback = { @Sendable progress in reporter.report(progress) } }
            let result = try PopulationRun.run(workspace, options: options, progress: callback)
            reporter.finish()
            print(SummaryTable.render(result.summary, language: lang, colored: Terminal.isColorTerminal(stderr: false)), terminator: "")
            print((lang == .en ? "Outputs in " : "Keluaran di ") + out + "/: " + result.outputs.joined(separator: ", "))
        } catch {
            reporter.finish()
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.exitCode)
        }
        if let expect { try compareWithExpected(expect) }
    }

    /// `--expect DIR` / `--update-expected`: golden population runs (docs/testing.md).
    func compareWithExpected(_ folder: String) throws {
        do {
            if updateExpected {
                let written = try GoldenDecisions.update(from: out, to: folder)
                print("expected decisions updated: \(written)")
                return
            }
            guard let expected = GoldenDecisions.decisionsFile(in: folder), let actual = GoldenDecisions.decisionsFile(in: out) else {
                throw DecisionFileError("no decisions file to compare in \(folder) or \(out)")
            }
            let comparison = try GoldenDecisions.compare(expected: expected, actual: actual)
            print(GoldenDecisions.render(comparison, limit: expectLimit), terminator: "")
            if !comparison.isSame { throw ExitCode(1) }
        } catch let error as DecisionFileError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }
}

enum OnError: String, ExpressibleByArgument, CaseIterable {
    case report, fail
}

extension RunOptions.Format: ExpressibleByArgument {}
extension Language: ExpressibleByArgument {}

/// Rows read, rows per second and elapsed time on standard error, redrawn in place.
final class ProgressReporter: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var last = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func report(_ progress: RunProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) > 0.2 else { return }
        last = now
        let rate = progress.elapsed > 0 ? Double(progress.rowsRead) / progress.elapsed : 0
        var line = "\r\u{1B}[K\(progress.rowsRead) rows · \(Int(rate)) rows/s · \(String(format: "%.1f", progress.elapsed)) s"
        if progress.bytesTotal > 0, progress.bytesRead > 0, rate > 0 {
            let fraction = Double(progress.bytesRead) / Double(progress.bytesTotal)
            if fraction > 0 { line += String(format: " · ~%.0f s left", progress.elapsed / fraction - progress.elapsed) }
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
