import ArgumentParser
import Foundation
import Tepat

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run regression cases written in YAML (docs/testing.md).",
        discussion: """
            Each case gives households, members and applications inline, the policies to apply and the \
            decisions expected. Every case is run through the same pipeline as `tepat run`, allocation included. \
            Prints each failure as expected vs actual with the file and line of the case, then `N passed, M failed`.
            Exit codes: 0 every case passed, 1 a case failed, 2 no suite could be read.
            """)

    @Argument(help: "Suite files or folders (default: \(TestRunner.defaultPath)).")
    var paths: [String] = []

    @Option(help: "Also write the results as JUnit XML to this file (for CI systems).")
    var junit: String?

    @Flag(help: "Report, per policy, which rules, `any` branches and allocation limits the cases exercised.")
    var coverage = false

    @Option(help: "Run only the cases whose name or file contains this text.")
    var filter: String?

    @Option(name: .customLong("set"), help: "Change a parameter in every case whose policies declare it: NAME=VALUE (repeatable). A good suite then fails.")
    var overrides: [String] = []

    @Flag(name: .shortAndLong, help: "Print passing cases too.")
    var verbose = false

    @Flag(name: .customLong("keep-files"), help: "Keep each case's generated population and run outputs (the folder is printed with failures).")
    var keepFiles = false

    func run() throws {
        let verbose = self.verbose
        let options = TestOptions(filter: filter, keepFiles: keepFiles, overrides: try ParameterOverride.parse(overrides)) { result in
            if !result.passed {
                print(TestReportFormat.failure(result))
            } else if verbose {
                print(TestReportFormat.passLine(result), terminator: "")
            }
        }
        let report = TestRunner.run(paths: paths.isEmpty ? [TestRunner.defaultPath] : paths, options: options)
        for problem in report.problems { FileHandle.standardError.write(Data("error: \(problem)\n".utf8)) }
        if coverage { print(report.coverage.render()) }
        if let junit {
            do { try TestReportFormat.junit(report).write(toFile: junit, atomically: true, encoding: .utf8) } catch {
                FileHandle.standardError.write(Data("error: cannot write \(junit): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        print(report.totalLine)
        if report.results.isEmpty && !report.problems.isEmpty { throw ExitCode(2) }
        if report.failed > 0 || !report.problems.isEmpty { throw ExitCode(1) }
    }
}
