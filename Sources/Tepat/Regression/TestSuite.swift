import Foundation
import TepatModel
import TepatSyntax

/// A regression suite file (docs/testing.md): cases of households, members and applications
/// written inline, the policies to apply, and the decisions expected.
///
/// Parsing keeps the record data as YAML nodes: which keys are fields, links or nested records is
/// decided against the policies' schema when a case is built (`CasePopulation`).
public struct TestSuite: Sendable {
    public var path: String
    public var source: SourceFile
    /// `suite:` — a title for people.
    public var title: String
    public var description: String?
    /// Paths of the policies, resolved against the suite's folder.
    public var policies: [String] = []
    public var overrides: [(name: String, value: String)] = []
    public var asOf: Day?
    /// `defaults:` entity name → field values.
    public var defaults: [String: [(key: Located<String>, value: YAMLNode)]] = [:]
    public var cases: [TestCase] = []
    /// Problems in the file outside any one case (a file with errors runs no case).
    public var diagnostics: [Diagnostic] = []
}

public struct TestCase: Sendable {
    public var name: String
    /// The `- name:` entry; failures point here.
    public var range: SourceRange
    public var description: String?
    public var policies: [String]
    public var overrides: [(name: String, value: String)]
    public var asOf: Day?
    /// The case's mapping, for `CasePopulation`.
    public var node: YAMLNode
    /// Problems found while reading the case; a case with problems fails without running.
    public var diagnostics: [Diagnostic] = []
}

/// One expected decision: what `expect:` says about a subject.
public struct Expectation: Sendable {
    public var program: String?
    public var decision: String?
    public var rule: String?
    public var amount: Int64?
    public var reason: String?
    public var reasonContains: String?
    public var failing: [String]?
    public var notAssessed: [String]?
    public var range: SourceRange

    public static let decisions = ["accepted", "rejected", "waitlisted", "invalid"]
}

/// Reads suite files.
public enum TestSuiteParser {
    static let suiteKeys = ["suite", "description", "policies", "set", "as_of", "defaults", "cases"]
    static let caseKeys = ["name", "description", "policies", "set", "as_of", "expect"]
    static let expectKeys = ["program", "decision", "rule", "amount", "reason", "reason_contains", "failing", "not_assessed"]

    /// The first key of a YAML file that marks it as a suite (the workspace loader skips these).
    public static func isSuite(_ text: String) -> Bool {
        let first = text.split(separator: "\n", omittingEmptySubsequences: true).lazy
            .map { $0.drop { $0 == " " || $0 == "\u{FEFF}" } }
            .first { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("---") }
            .map { String($0.prefix { $0 != ":" }) }
        return ["suite", "cases", "defaults", "tests"].contains(first ?? "")
    }

    public static func parse(_ source: SourceFile) -> TestSuite {
        var suite = TestSuite(path: source.path, source: source, title: URL(fileURLWithPath: source.path).deletingPathExtension().lastPathComponent)
        let (root, yamlDiagnostics) = YAMLLoader.load(source)
        suite.diagnostics = yamlDiagnostics
        guard let root else { return suite }
        var d: [Diagnostic] = []
        defer { suite.diagnostics += d }
        guard let map = Reader(root, context: "the suite", allowed: suiteKeys, &d) else { return suite }
        if let n = map["suite"], let text = n.scalar { suite.title = text }
        suite.description = map["description"]?.scalar
        if let n = map["policies"] { suite.policies = paths(n, from: source.path, &d) }
        if let n = map["set"] { suite.overrides = overrides(n, &d) }
        if let n = map["as_of"] { suite.asOf = date(n, "`as_of`", &d) }
        if let n = map["defaults"] {
            if let pairs = n.mapping {
                for (key, value) in pairs {
                    guard let entity = key.scalar else { continue }
                    guard let fields = value.mapping else {
                        d.append(.error("test.shape", "expected a mapping of field values for the defaults of `\(entity)`", at: value.range))
                        continue
                    }
                    suite.defaults[entity] = fields.compactMap { pair in
                        guard let name = pair.key.scalar, !name.hasPrefix(YAMLLoader.duplicateMarker) else { return nil }
                        return (Located(name, pair.key.range), pair.value)
                    }
                }
            } else {
                d.append(.error("test.shape", "expected a mapping of entities (`household`, `member`, …) to field values for `defaults`", at: n.range))
            }
        }
        guard let casesNode = map["cases"] else {
            d.append(.error("test.missing-key", "the suite needs `cases`", at: root.range, help: "a list of cases, each starting with `- name: …`"))
            return suite
        }
        guard let items = casesNode.sequence else {
            d.append(.error("test.shape", "expected a list of cases for `cases`", at: casesNode.range))
            return suite
        }
        for item in items {
            var cd: [Diagnostic] = []
            let entryRange = SourceRange(path: item.range.path, start: item.range.start, length: 1)
            guard let pairs = item.mapping else {
                d.append(.error("test.shape", "a case is a mapping that starts with `name:`", at: item.range))
                continue
            }
            var name = ""
            var testCase = TestCase(
                name: "", range: entryRange, description: nil, policies: suite.policies, overrides: suite.overrides, asOf: suite.asOf, node: item)
            for (key, value) in pairs {
                guard let k = key.scalar else { continue }
                switch k {
                case "name": name = value.scalar ?? ""
                case "description": testCase.description = value.scalar
                case "policies": testCase.policies = paths(value, from: source.path, &cd)
                case "set":
                    // Case overrides add to (and win over) the suite's.
                    let mine = overrides(value, &cd)
                    testCase.overrides = suite.overrides.filter { o in !mine.contains { $0.name == o.name } } + mine
                case "as_of": testCase.asOf = date(value, "`as_of`", &cd)
                default: break
                }
            }
            if name.isEmpty {
                cd.append(.error("test.missing-key", "a case needs a `name`", at: entryRange, help: "e.g. `- name: desil 5 ditolak oleh aturan desil`"))
                name = "(case at line \(entryRange.start.line))"
            }
            if testCase.policies.isEmpty {
                cd.append(.error("test.missing-key", "no policies for case `\(name)`", at: entryRange, help: "add `policies: [path/to/policy.yaml]` to the suite or to the case"))
            }
            testCase.name = name
            testCase.diagnostics = cd
            suite.cases.append(testCase)
        }
        return suite
    }

    // MARK: Parts

    /// A MappingReader-like view: unknown keys reported with "did you mean".
    struct Reader {
        var entries: [(key: Located<String>, value: YAMLNode)] = []

        init?(_ node: YAMLNode, context: String, allowed: [String], _ d: inout [Diagnostic]) {
            guard let pairs = node.mapping else {
                d.append(.error("test.shape", "expected a mapping for \(context), found \(node.kindName)", at: node.range))
                return nil
            }
            for (key, value) in pairs {
                guard let name = key.scalar, !name.hasPrefix(YAMLLoader.duplicateMarker) else { continue }
                if !allowed.contains(name) {
                    let help = name.contains(" ")
                        ? "inside `{…}` a comma ends the value: put a text with a comma in quotes, e.g. `reason: \"…, …\"`"
                        : Suggestion.closest(to: name, in: allowed).map { "did you mean `\($0)`?" }
                            ?? "expected one of: " + allowed.map { "`\($0)`" }.joined(separator: ", ")
                    d.append(.error("test.unknown-key", "unknown key `\(name)` in \(context)", at: key.range, help: help))
                    continue
                }
                entries.append((Located(name, key.range), value))
            }
        }

        subscript(key: String) -> YAMLNode? { entries.first { $0.key.value == key }?.value }
    }

    static func paths(_ node: YAMLNode, from file: String, _ d: inout [Diagnostic]) -> [String] {
        let items = node.sequence ?? [node]
        return items.compactMap { item in
            guard let text = item.scalar, !text.isEmpty else {
                d.append(.error("test.shape", "expected a policy path", at: item.range))
                return nil
            }
            return WorkspaceLoader.resolve(text, from: file)
        }
    }

    /// `set: {kuota: 1, anggaran: Rp3.000.000}` — values as written in YAML, as `--set` takes them.
    static func overrides(_ node: YAMLNode, _ d: inout [Diagnostic]) -> [(name: String, value: String)] {
        guard let pairs = node.mapping else {
            d.append(.error("test.shape", "expected a mapping of parameter names to values for `set`", at: node.range, help: "e.g. `set: {kuota: 1}`"))
            return []
        }
        return pairs.compactMap { pair in
            guard let name = pair.key.scalar else { return nil }
            guard let text = yamlText(pair.value) else {
                d.append(.error("test.shape", "expected a value or a list of values for `\(name)`", at: pair.value.range))
                return nil
            }
            return (name, text)
        }
    }

    /// A value node written back as the YAML text a parameter literal reads.
    static func yamlText(_ node: YAMLNode) -> String? {
        switch node.kind {
        case .scalar(let text, let style):
            return style.isQuoted ? "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : text
        case .sequence(let items):
            var parts: [String] = []
            for item in items {
                guard let t = yamlText(item), item.scalar != nil else { return nil }
                parts.append(t)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .mapping: return nil
        }
    }

    static func date(_ node: YAMLNode, _ what: String, _ d: inout [Diagnostic]) -> Day? {
        guard let text = node.scalar, let day = Day(iso: text) else {
            d.append(.error("test.date", "expected a date that exists (YYYY-MM-DD) for \(what)", at: node.range))
            return nil
        }
        return day
    }

    /// `expect:` — `accepted`, `rejected desil`, a mapping, or a list of those.
    static func expectations(_ node: YAMLNode, _ d: inout [Diagnostic]) -> [Expectation] {
        if let items = node.sequence { return items.flatMap { expectations($0, &d) } }
        if let text = node.scalar {
            let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let decision = words.first, Expectation.decisions.contains(decision), words.count <= 2 else {
                d.append(.error("test.expect", "expected `<decision>` or `<decision> <rule>`, e.g. `rejected desil`", at: node.range,
                    help: "the decision is one of accepted, rejected, waitlisted, invalid"))
                return []
            }
            return [Expectation(decision: decision, rule: words.count > 1 ? words[1] : nil, range: node.range)]
        }
        guard let map = Reader(node, context: "`expect`", allowed: expectKeys, &d) else { return [] }
        var e = Expectation(range: node.range)
        e.program = map["program"]?.scalar
        if let n = map["decision"] {
            if let text = n.scalar, Expectation.decisions.contains(text) {
                e.decision = text
            } else {
                d.append(.error("test.expect", "unknown decision `\(n.scalar ?? "")`", at: n.range, help: "use accepted, rejected, waitlisted or invalid"))
            }
        }
        if let n = map["rule"] { e.rule = n.isNull ? "" : n.scalar }
        if let n = map["amount"] {
            if let amount = amount(n.scalar ?? "") { e.amount = amount } else {
                d.append(.error("test.expect", "expected an amount for `amount`, e.g. `168000` or `Rp168.000`", at: n.range))
            }
        }
        e.reason = map["reason"]?.scalar
        e.reasonContains = map["reason_contains"]?.scalar
        if let n = map["failing"] { e.failing = n.isNull ? [] : (n.sequence ?? [n]).compactMap(\.scalar) }
        if let n = map["not_assessed"] { e.notAssessed = n.isNull ? [] : (n.sequence ?? [n]).compactMap(\.scalar) }
        return [e]
    }

    /// `168000`, `Rp168.000`, `Rp168000`.
    static func amount(_ text: String) -> Int64? {
        var t = Substring(text)
        if t.hasPrefix("Rp") { t = t.dropFirst(2) }
        let digits = t.filter { $0 != "." }
        guard !digits.isEmpty, digits.allSatisfy(\.isNumber) else { return nil }
        return Int64(digits)
    }
}
