import Foundation
import TepatCheck
import TepatModel
import TepatSyntax

/// One difference between what a case expects and what the run decided.
public struct Mismatch: Sendable, Hashable {
    public var field: String
    public var expected: String
    public var actual: String
}

/// A subject whose decision did not match.
public struct SubjectFailure: Sendable {
    public var subject: String
    public var program: String
    public var range: SourceRange
    public var mismatches: [Mismatch]
    /// The actual reason, shown with every failure (it usually says why).
    public var actualReason: String
}

public struct CaseResult: Sendable {
    public var suite: String
    public var suitePath: String
    public var name: String
    public var range: SourceRange
    public var failures: [SubjectFailure] = []
    /// Problems that kept the case from running (bad case, policies with errors), rendered.
    public var errors: [String] = []
    public var seconds: Double = 0
    public var subjectsChecked = 0
    /// With `keepFiles`: the folder holding the case's population and run outputs.
    public var folder: String?

    public var passed: Bool { failures.isEmpty && errors.isEmpty }
    /// `fixtures/tests/x.yaml:42`.
    public var location: String { "\(range.path):\(range.start.line)" }
}

/// What `tepat test` found.
public struct TestReport: Sendable {
    public var results: [CaseResult] = []
    public var coverage = Coverage()
    /// Problems with the paths themselves (missing files, files that are not suites).
    public var problems: [String] = []

    public var passed: Int { results.filter(\.passed).count }
    public var failed: Int { results.count - passed }
    /// `N passed, M failed`.
    public var totalLine: String { "\(passed) passed, \(failed) failed" }
}

public struct TestOptions: Sendable {
    /// Only cases whose name (or file) contains this text.
    public var filter: String?
    /// Keep each case's population and outputs (their folders are printed) instead of deleting them.
    public var keepFiles: Bool
    /// `tepat test --set NAME=VALUE`: applied to every case whose policies declare the parameter,
    /// over the case's own `set` — to see whether the suites notice a changed threshold.
    public var overrides: [(name: String, value: String)]
    /// Called after each case (for progress output).
    public var onResult: (@Sendable (CaseResult) -> Void)?

    public init(
        filter: String? = nil, keepFiles: Bool = false, overrides: [(name: String, value: String)] = [],
        onResult: (@Sendable (CaseResult) -> Void)? = nil
    ) {
        self.filter = filter
        self.keepFiles = keepFiles
        self.overrides = overrides
        self.onResult = onResult
    }
}

/// `tepat test`: runs every case of every suite under the paths. Each case's records are written
/// as a small population folder and decided by `PopulationRun.run` — the same path as
/// `tepat run`, allocation included — then compared with the expectations.
public enum TestRunner {
    public static let defaultPath = "fixtures/tests"

    /// The suite files under `paths` (folders searched recursively; YAML files that are not suites
    /// — policies kept next to them — are skipped).
    public static func suiteFiles(_ paths: [String]) -> (files: [String], problems: [String]) {
        var files: [String] = []
        var problems: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append("no such file or folder: \(path)")
                continue
            }
            if isDirectory.boolValue {
                let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                    .sorted()
                    .map { WorkspaceLoader.join(path, $0) }
                    .filter { file in (try? String(contentsOfFile: file, encoding: .utf8)).map(TestSuiteParser.isSuite) ?? false }
                if found.isEmpty { problems.append("no test suites in \(path)") }
                files += found
            } else if (try? String(contentsOfFile: path, encoding: .utf8)).map(TestSuiteParser.isSuite) ?? false {
                files.append(path)
            } else {
                problems.append("\(path) is not a test suite (its first key should be `suite:`)")
            }
        }
        return (files, problems)
    }

    public static func run(paths: [String], options: TestOptions = TestOptions()) -> TestReport {
        let (files, problems) = suiteFiles(paths)
        var report = TestReport(problems: problems)
        var runner = CaseRunner(options: options)
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                report.problems.append("cannot read \(file)")
                continue
            }
            let suite = TestSuiteParser.parse(SourceFile(path: file, text: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text))
            runner.run(suite, into: &report)
        }
        runner.cleanUp()
        for o in options.overrides where !runner.appliedOverrides.contains(o.name) {
            report.problems.append("`--set \(o.name)` names no parameter of the policies the cases apply")
        }
        return report
    }
}

/// The state of one `tepat test`: workspaces loaded once per (policies, `set`, `as_of`).
struct CaseRunner {
    let options: TestOptions
    var workspaces: [String: Workspace] = [:]
    let root: String
    var caseCounter = 0

    init(options: TestOptions) {
        self.options = options
        root = NSTemporaryDirectory() + "tepat-test-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    }

    func cleanUp() {
        if !options.keepFiles { try? FileManager.default.removeItem(atPath: root) }
    }

    var appliedOverrides: Set<String> = []

    mutating func workspace(for testCase: TestCase) -> Workspace {
        var overrides = testCase.overrides
        if !options.overrides.isEmpty {
            let plain = load(testCase.policies, asOf: testCase.asOf, overrides: testCase.overrides)
            let declared = Set(plain.policies.flatMap { $0.parameters.map(\.name) })
            for o in options.overrides where declared.contains(o.name) {
                overrides.removeAll { $0.name == o.name }
                overrides.append(o)
                appliedOverrides.insert(o.name)
            }
        }
        return load(testCase.policies, asOf: testCase.asOf, overrides: overrides)
    }

    mutating func load(_ policies: [String], asOf: Day?, overrides: [(name: String, value: String)]) -> Workspace {
        let key = policies.joined(separator: "\n") + "\u{1}" + overrides.map { "\($0.name)=\($0.value)" }.joined(separator: "\n") + "\u{1}" + (asOf?.iso ?? "")
        if let cached = workspaces[key] { return cached }
        let workspace = Workspace.load(paths: policies, options: CheckOptions(asOf: asOf, parameterOverrides: overrides))
        workspaces[key] = workspace
        return workspace
    }

    mutating func run(_ suite: TestSuite, into report: inout TestReport) {
        let renderer = DiagnosticRenderer(sources: [suite.source])
        let suiteErrors = suite.diagnostics.filter { $0.severity == .error }
        var defaultsProblems: [Diagnostic]?
        for testCase in suite.cases {
            if let filter = options.filter, !testCase.name.localizedCaseInsensitiveContains(filter), !suite.path.localizedCaseInsensitiveContains(filter) {
                continue
            }
            caseCounter += 1
            let started = Date()
            var result = CaseResult(suite: suite.title, suitePath: suite.path, name: testCase.name, range: testCase.range)
            defer {
                result.seconds = Date().timeIntervalSince(started)
                report.results.append(result)
                options.onResult?(result)
            }
            if !suiteErrors.isEmpty {
                result.errors = [renderer.render(suiteErrors)]
                continue
            }
            if testCase.diagnostics.contains(where: { $0.severity == .error }) {
                result.errors = [renderer.render(testCase.diagnostics)]
                continue
            }
            let workspace = workspace(for: testCase)
            if workspace.diagnostics.containsErrors {
                let errors = workspace.diagnostics.sorted.filter { $0.severity == .error }
                result.errors = ["the policies have errors:\n" + workspace.renderer.render(Array(errors.prefix(5)))]
                continue
            }
            guard let schema = workspace.policies.first?.schema else {
                result.errors = ["no policies to apply"]
                continue
            }
            let problems = defaultsProblems ?? CasePopulation.defaultsDiagnostics(suite, schema: schema)
            defaultsProblems = problems
            if !problems.isEmpty {
                result.errors = ["the suite's `defaults` have errors:\n" + renderer.render(problems)]
                continue
            }
            let population = CasePopulation(
                testCase, suite: suite, caseIndex: caseCounter, schema: schema, subjectEntities: Set(workspace.policies.map(\.subject)))
            if population.hasErrors {
                result.errors = [renderer.render(population.diagnostics)]
                continue
            }
            let folder = root + "/case-\(caseCounter)"
            do {
                try population.write(to: folder + "/population")
            } catch {
                result.errors = ["cannot write the case's population in \(folder): \(error)"]
                continue
            }
            let rows: [DecisionRow]
            do {
                _ = try PopulationRun.run(
                    workspace, options: RunOptions(population: folder + "/population", output: folder + "/out", jobs: 1, format: .jsonl, language: .id))
                rows = try DecisionFile.read(folder + "/out/decisions.jsonl")
            } catch {
                result.errors = ["the run failed: \(error)"]
                continue
            }
            if options.keepFiles { result.folder = folder } else { try? FileManager.default.removeItem(atPath: folder) }
            compare(population, rows: rows, workspace: workspace, result: &result, coverage: &report.coverage)
        }
    }

    func compare(_ population: CasePopulation, rows: [DecisionRow], workspace: Workspace, result: inout CaseResult, coverage: inout Coverage) {
        var byProgramKey: [String: [DecisionRow]] = [:]
        for row in rows { byProgramKey[row.program + "\u{1}" + row.subjectKey, default: []].append(row) }
        for policy in workspace.policies { coverage.register(policy) }
        for subject in population.subjects {
            for expectation in subject.expectations {
                let programs: [String]
                if let program = expectation.program {
                    programs = [program]
                    if !workspace.policies.contains(where: { $0.id == program }) {
                        result.failures.append(SubjectFailure(
                            subject: subject.label, program: program, range: expectation.range,
                            mismatches: [Mismatch(field: "program", expected: program, actual: "no such program; the case applies " + workspace.policies.map(\.id).joined(separator: ", "))],
                            actualReason: ""))
                        continue
                    }
                } else {
                    programs = workspace.policies.filter { $0.subject == subject.entity }.map(\.id)
                }
                guard programs.count == 1, let program = programs.first else {
                    let entity = population.schema.entities[subject.entity].name
                    result.failures.append(SubjectFailure(
                        subject: subject.label, program: "", range: expectation.range,
                        mismatches: [Mismatch(
                            field: "program", expected: "one program deciding \(entity)s",
                            actual: programs.isEmpty ? "none of the case's policies decides \(entity)s" : "several: \(programs.joined(separator: ", ")); add `program:` to `expect`")],
                        actualReason: ""))
                    continue
                }
                result.subjectsChecked += 1
                let candidates = byProgramKey[program + "\u{1}" + subject.key] ?? []
                guard subject.occurrence < candidates.count else {
                    result.failures.append(SubjectFailure(
                        subject: subject.label, program: program, range: expectation.range,
                        mismatches: [Mismatch(field: "decision", expected: expectation.decision ?? "a decision", actual: "no decision for this subject")], actualReason: ""))
                    continue
                }
                let row = candidates[subject.occurrence]
                coverage.record(row)
                let mismatches = Self.mismatches(expectation, row)
                if !mismatches.isEmpty {
                    result.failures.append(SubjectFailure(subject: subject.label, program: program, range: expectation.range, mismatches: mismatches, actualReason: row.reason))
                }
            }
        }
    }

    static func mismatches(_ e: Expectation, _ row: DecisionRow) -> [Mismatch] {
        var out: [Mismatch] = []
        if let decision = e.decision, decision != row.decision { out.append(Mismatch(field: "decision", expected: decision, actual: row.decision)) }
        if let rule = e.rule, rule != row.rule { out.append(Mismatch(field: "rule", expected: rule.isEmpty ? "(none)" : rule, actual: row.rule.isEmpty ? "(none)" : row.rule)) }
        if let amount = e.amount, amount != row.amount {
            out.append(Mismatch(field: "amount", expected: Rupiah.format(amount), actual: Rupiah.format(row.amount)))
        }
        if let reason = e.reason, reason != row.reason { out.append(Mismatch(field: "reason", expected: reason, actual: row.reason)) }
        if let part = e.reasonContains, !row.reason.contains(part) {
            out.append(Mismatch(field: "reason", expected: "a text containing “\(part)”", actual: row.reason))
        }
        if let failing = e.failing, Set(failing) != Set(row.failing) {
            out.append(Mismatch(field: "failing", expected: list(failing), actual: list(row.failing)))
        }
        if let unknown = e.notAssessed, Set(unknown) != Set(row.notAssessed) {
            out.append(Mismatch(field: "not_assessed", expected: list(unknown), actual: list(row.notAssessed)))
        }
        return out
    }

    static func list(_ items: [String]) -> String { items.isEmpty ? "[]" : "[" + items.joined(separator: ", ") + "]" }
}
