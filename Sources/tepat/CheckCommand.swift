import ArgumentParser
import Foundation
import Tepat

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate policies, schemas and calendars.",
        discussion: "Exits 0 when there are no errors (warnings allowed), 1 when there are errors, 2 when the input cannot be read.")

    @Argument(help: "Policy files or folders (default: policies).")
    var paths: [String] = []

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "Treat warnings as errors.")
    var warningsAsErrors = false

    func run() throws {
        let workspace = Workspace.load(paths: paths.isEmpty ? ["policies"] : paths)
        let diagnostics = workspace.diagnostics.sorted
        switch format {
        case .json:
            print(String(decoding: try JSONCoding.encode(CheckReport(workspace: workspace)), as: UTF8.self))
        case .text:
            FileHandle.standardError.write(Data(DiagnosticRenderer(sources: workspace.sources, colored: Terminal.isColorTerminal(stderr: true)).render(diagnostics).utf8))
            let errors = workspace.diagnostics.errorCount, warnings = workspace.diagnostics.warningCount
            print("\(workspace.policies.count) \(workspace.policies.count == 1 ? "policy" : "policies") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
            for policy in workspace.policies {
                print("  \(policy.id)  \(policy.title)  (\(policy.rules.count) rules, subject \(policy.subjectEntity.name), as of \(policy.asOf.iso))")
            }
        }
        if workspace.diagnostics.containsErrors || (warningsAsErrors && workspace.diagnostics.warningCount > 0) {
            throw ExitCode(1)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
