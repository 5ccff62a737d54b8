import ArgumentParser
import Foundation
import Tepat

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain the decisions about one household (No. KK) or person (NIK): every program, every rule, the values read, and what would change them.",
        discussion: """
            Reads only the records about the ID. When a decision depends on allocation (quota, budget, one per \
            household), the whole population is run, unless --run names a previous run's output folder; that run's \
            manifest must list the same policy and population files (SHA-256).
            Exit codes: 0 explained, 1 the ID is malformed, unknown or only on invalid rows (or the policies have \
            errors), 2 the input could not be used.
            """)

    @Option(name: .customLong("policy"), help: "Policy files or folders (repeatable).")
    var policies: [String] = []

    @Option(help: "The population folder.")
    var population: String = Workspace.defaultPopulationPath

    @Option(name: .customLong("run"), help: "A previous `tepat run` output folder to read allocation results from.")
    var runFolder: String?

    @Option(help: "Language: id (Bahasa Indonesia) or en.")
    var lang: Language = .id

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Threads for a whole-population run, when allocation needs one.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("as-of"), help: "Evaluate as of this date (YYYY-MM-DD) instead of each policy's as_of.")
    var asOf: String?

    @Option(name: .customLong("set"), help: "Try a parameter value without editing files: NAME=VALUE, as written in YAML (repeatable).")
    var overrides: [String] = []

    @Option(name: .customLong("as"), help: "Read the ID as a household (No. KK) or a person (NIK), when the same 16 digits are both.")
    var kind: Explanation.Kind?

    @Argument(help: "A No. KK or NIK (16 digits).")
    var id: String

    func run() throws {
        var checkOptions = CheckOptions()
        if let asOf {
            guard let day = Day(iso: asOf) else { throw ValidationError("--as-of needs a date that exists, as YYYY-MM-DD") }
            checkOptions.asOf = day
        }
        checkOptions.parameterOverrides = try ParameterOverride.parse(overrides)
        // The same defaults as `tepat run`: over the bundled sample, the caps scaled to it.
        if policies.isEmpty && population == Workspace.defaultPopulationPath {
            for o in Workspace.sampleOverrides where !checkOptions.parameterOverrides.contains(where: { $0.name == o.name }) {
                checkOptions.parameterOverrides.append(o)
            }
            let note = lang == .en
                ? "Note: bundled sample (2,500 households); caps scaled to it: --set kuota=1200 --set anggaran=Rp15.000.000 (as `tepat run`)\n"
                : "Catatan: sampel bawaan (2.500 KK); batas diskalakan: --set kuota=1200 --set anggaran=Rp15.000.000 (seperti `tepat run`)\n"
            FileHandle.standardError.write(Data(note.utf8))
        }
        let workspace = Workspace.load(paths: policies.isEmpty ? [Workspace.defaultPolicyPath] : policies, options: checkOptions)
        if workspace.diagnostics.containsErrors {
            FileHandle.standardError.write(Data(workspace.renderer.render(workspace.diagnostics.sorted).utf8))
            throw ExitCode(1)
        }
        let options = ExplainOptions(population: population, run: runFolder, language: lang, jobs: jobs, kind: kind)
        switch Explainer.explain(id, workspace: workspace, options: options) {
        case .success(let explanation):
            switch format {
            case .text: print(ExplanationText.render(explanation), terminator: "")
            case .json: print(try ExplanationJSON.encode(explanation), terminator: "")
            }
        case .failure(let failure):
            switch format {
            case .text: FileHandle.standardError.write(Data(("error: " + ExplanationText.render(failure, language: lang)).utf8))
            case .json: print(try ExplanationJSON.encode(failure), terminator: "")
            }
            throw ExitCode(failure.exitCode)
        }
    }
}

extension Explanation.Kind: ExpressibleByArgument {}
