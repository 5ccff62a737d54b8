import Foundation
import Tepat
import Testing

/// Golden tests of rendered diagnostics: one small policy per kind of problem in
/// `Fixtures/diagnostics/NAME.yaml`, and the exact text `tepat check` prints for it in
/// `NAME.expected`.
///
/// Re-record with `TEPAT_RECORD=1 swift test --filter DiagnosticGoldenTests`; the recorded
/// tests then fail, as a reminder to read every recorded file (is each caret under the right
/// text?) before committing.
@Suite struct DiagnosticGoldenTests {
    /// `Tests/TepatTests/Fixtures`, found from this file so that no bundle lookup is needed.
    static let fixturesRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").standardizedFileURL
    static let folder = fixturesRoot.appendingPathComponent("diagnostics")

    /// Files in the folder that policies refer to, rather than fixtures of their own.
    static let supportFiles: Set<String> = ["schema.yaml", "calendar.yaml", "extends-base.yaml"]

    /// Every fixture (file name without `.yaml`).
    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") && !supportFiles.contains($0) }
            .map { String($0.dropLast(".yaml".count)) }
            .sorted()
    }()

    /// Fixtures whose `.expected` file holds the output Tepat *should* print (written by hand),
    /// while Tepat still prints something else. Recording leaves these files alone; the
    /// comparison runs as a known issue, and starts failing — as a reminder to remove the entry
    /// here — once the bug is fixed.
    static let knownBugs: [String: Comment] = [:]

    static var recording: Bool { ProcessInfo.processInfo.environment["TEPAT_RECORD"] == "1" }

    /// Loads one fixture as `tepat check` would and renders its diagnostics. Paths are made
    /// relative to `Fixtures/`, so the output reads `diagnostics/NAME.yaml:7:24` on every machine.
    static func render(_ name: String) -> (text: String, diagnostics: [Diagnostic]) {
        let path = folder.appendingPathComponent("\(name).yaml").path
        let workspace = Workspace.load(paths: [path])
        let sorted = workspace.diagnostics.sorted
        let rendered = DiagnosticRenderer(sources: workspace.sources).render(sorted)
        return (rendered.replacingOccurrences(of: fixturesRoot.path + "/", with: ""), sorted)
    }

    @Test(arguments: fixtures)
    func renderedDiagnosticsMatchTheGoldenFile(_ name: String) throws {
        let (actual, _) = Self.render(name)
        #expect(!actual.isEmpty, "fixture `\(name)` produces no diagnostic")
        #expect(!actual.contains(Self.fixturesRoot.path), "absolute path left in the output")
        let expectedURL = Self.folder.appendingPathComponent("\(name).expected")
        let knownBug = Self.knownBugs[name]
        if Self.recording, knownBug == nil {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            Issue.record("recorded \(name).expected; review it, then run again without TEPAT_RECORD")
            return
        }
        guard let expected = try? String(contentsOf: expectedURL, encoding: .utf8) else {
            Issue.record("no \(name).expected; run with TEPAT_RECORD=1 to record it. Output:\n\(actual)")
            return
        }
        if let knownBug {
            withKnownIssue(knownBug) {
                #expect(actual == expected, "rendered diagnostics of \(name).yaml differ from \(name).expected")
            }
        } else {
            #expect(actual == expected, "rendered diagnostics of \(name).yaml differ from \(name).expected")
        }
    }

    /// The diagnostic each fixture exists for.
    static let kinds: [(fixture: String, code: String, severity: Diagnostic.Severity)] = [
        ("yaml-syntax-error", "yaml.syntax", Diagnostic.Severity.error),
        ("duplicate-yaml-key", "yaml.duplicate-key", .error),
        ("unknown-top-level-key", "syntax.unknown-key", .error),
        ("unknown-rule-key", "syntax.unknown-key", .error),
        ("missing-required-key", "syntax.missing-key", .error),
        ("duplicate-rule-id", "check.duplicate-rule", .error),
        ("unknown-field", "check.unknown-name", .error),
        ("unknown-field-through-link", "check.unknown-name", .error),
        ("unknown-parameter", "check.unknown-name", .error),
        ("type-mismatch-string-integer", "check.type", .error),
        ("birth-date-compared-with-number", "check.type", .error),
        ("nullable-without-guard", "check.null", .error),
        ("bad-date-in-expression", "syntax.expression", .error),
        ("bad-date-in-as-of", "syntax.date", .error),
        ("template-unknown-field", "check.unknown-name", .error),
        ("enum-value-in-expression", "check.enum-value", .error),
        ("enum-value-in-list-parameter", "check.enum-value", .error),
        ("unused-parameter", "check.unused-parameter", .warning),
        ("always-true", "check.always-true", .warning),
        ("always-false", "check.always-false", .warning),
        ("never-decisive", "check.never-decisive", .warning),
        ("unbalanced-open-paren", "syntax.expression", .error),
        ("unbalanced-close-paren", "syntax.expression", .error),
        ("unexpected-token", "syntax.expression", .error),
        ("single-equals", "syntax.expression", .error),
        ("c-style-and", "syntax.expression", .error),
        ("chained-comparison", "syntax.expression", .error),
        ("money-overflow", "check.overflow", .error),
        ("benefit-fraction", "check.type", .error),
        ("missing-translation", "check.missing-translation", .error),
        ("unknown-calendar", "check.unknown-calendar", .error),
        ("unknown-function", "check.unknown-function", .error),
        ("wrong-arity", "check.arity", .error),
        ("comparing-record", "check.type", .error),
        ("as-of-outside-valid", "check.as-of", .error),
        ("parameter-not-in-force", "check.parameter-period", .error),
        ("parameter-wrong-declared-type", "check.type", .error),
        ("extends-remove-unknown-rule", "extends.unknown-rule", .error),
        ("comparing-optional-record", "check.type", .error),
        ("comparing-unguarded-optional-record", "check.type", .error),
        ("schema-field-with-bad-type", "schema.type", .error),
        ("caret-in-folded-scalar", "check.unknown-name", .error),
        ("caret-in-literal-scalar", "check.unknown-name", .error),
        ("caret-in-plain-multiline-scalar", "check.unknown-name", .error),
        ("caret-in-quoted-scalar", "check.unknown-name", .error),
    ]

    /// Each fixture produces the diagnostic it exists for (by code and severity), so that a
    /// re-recording cannot silently turn a fixture into a test of something else.
    @Test(arguments: kinds)
    func fixtureProducesItsDiagnostic(_ name: String, _ code: String, _ severity: Diagnostic.Severity) {
        #expect(Self.fixtures.contains(name), "missing fixture \(name).yaml")
        let (_, diagnostics) = Self.render(name)
        #expect(
            diagnostics.contains { $0.code == code && $0.severity == severity },
            "\(name).yaml should produce a \(severity) `\(code)`; it produced \(diagnostics.map { "\($0.severity) \($0.code)" })")
    }

    @Test func everyFixtureIsListedWithItsDiagnostic() {
        let listed = Set(Self.kinds.map(\.fixture))
        for name in Self.fixtures {
            #expect(listed.contains(name), "add \(name) to DiagnosticGoldenTests.kinds")
        }
    }

    @Test func everyGoldenFileHasAFixture() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
        for file in names where file.hasSuffix(".expected") {
            let name = String(file.dropLast(".expected".count))
            #expect(Self.fixtures.contains(name), "\(file) has no \(name).yaml")
        }
    }
}
