import ArgumentParser
import Foundation
import Tepat

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two versions of the policies over one population: who flips, why, what it costs (docs/diff.md).",
        discussion: """
            Both versions decide the same population in one run. Per program: the transition matrix, the rule \
            behind every flip (the base's rule when a subject gains, the candidate's when it loses), the top causes, \
            the change in cost and in quota/budget use, and the same per kecamatan.
            Exit codes: 0 the comparison ran (with --fail-on-change: and no decision flipped); 1 the policies have \
            errors, or --fail-on-change and a decision flipped; 2 the input could not be used.
            """)

    @Option(help: "The current policies: files or folders (repeatable).")
    var base: [String] = []

    @Option(help: "The proposed policies: files or folders (repeatable).")
    var candidate: [String] = []

    @Option(help: "The population folder.")
    var population: String = Workspace.defaultPopulationPath

    @Option(name: .customLong("set"), help: "Try a parameter value in the candidate only: NAME=VALUE, as written in YAML (repeatable).")
    var overrides: [String] = []

    @Option(help: "Output: text (a terminal table), markdown (for a budget memo) or json.")
    var format: DiffOutputFormat = .text

    @Option(help: "Language of the text and Markdown output: id (Bahasa Indonesia) or en.")
    var lang: Language = .id

    @Flag(name: .customLong("fail-on-change"), help: "Exit 1 when any subject's decision flipped (for CI).")
    var failOnChange = false

    @Option(help: "Write every flipped subject to this CSV file.")
    var flips: String?

    @Option(help: "Flipped subjects listed per program (text and Markdown; JSON lists them all).")
    var show: Int = 10

    @Option(help: "Threads to use (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Argument(help: "BASE and CANDIDATE, as an alternative to --base and --candidate: `tepat diff A B`.")
    var positional: [String] = []

    func validate() throws {
        if show < 0 { throw ValidationError("--show needs a number ≥ 0") }
        let (b, c) = sides
        if b.isEmpty || c.isEmpty {
            throw ValidationError("give the two versions: --base PATH --candidate PATH (or `tepat diff BASE CANDIDATE`)")
        }
        if positional.count > 2 || (!positional.isEmpty && (!base.isEmpty || !candidate.isEmpty)) {
            throw ValidationError("give the versions either as --base/--candidate or as two arguments, not both")
        }
    }

    var sides: ([String], [String]) {
        if positional.count == 2 { return ([positional[0]], [positional[1]]) }
        return (base, candidate)
    }

    func run() throws {
        let (b, c) = sides
        let options = DiffOptions(
            base: b, candidate: c, population: population, candidateOverrides: try ParameterOverride.parse(overrides), jobs: jobs,
            flipLimit: format == .json ? nil : show, flipsFile: flips)
        let report: DiffReport
        do {
            report = try PolicyDiff.run(options)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.exitCode)
        }
        switch format {
        case .text: print(DiffFormat.text(report, language: lang, flipLimit: show), terminator: "")
        case .markdown: print(DiffFormat.markdown(report, language: lang, flipLimit: show), terminator: "")
        case .json: print(try DiffFormat.json(report), terminator: "")
        }
        if failOnChange && report.anyFlip { throw ExitCode(1) }
    }
}

enum DiffOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}
