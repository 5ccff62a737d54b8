import Foundation
import Tepat
import Testing

/// `tepat test` (suites, coverage, JUnit) and `tepat run --expect` (golden decisions).
@Suite struct RegressionTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let suites = repo.appendingPathComponent("fixtures/tests").path
    static let jkk2025 = repo.appendingPathComponent("policies/tangerang/2025/jkk-jkm-pekerja-rentan.yaml").path
    static let santunan2025 = repo.appendingPathComponent("policies/tangerang/2025/santunan-kematian.yaml").path

    static func temporaryFolder(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a suite file whose `policies` are the bundled 2025 ones, and returns its path.
    static func suite(_ body: String, policies: [String] = [jkk2025]) throws -> String {
        let folder = try temporaryFolder("suite")
        let path = folder + "/suite.yaml"
        let text = "suite: test\npolicies: [" + policies.joined(separator: ", ") + "]\n" + body
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func failureText(_ report: TestReport) -> String {
        report.results.filter { !$0.passed }.map(TestReportFormat.failure).joined(separator: "\n")
    }

    // MARK: The bundled suites

    static let bundled = TestRunner.run(paths: [suites])

    @Test func theBundledSuitesPass() {
        let report = Self.bundled
        #expect(report.problems.isEmpty)
        #expect(report.results.count >= 60)
        #expect(report.failed == 0, "\(Self.failureText(report))")
        #expect(report.totalLine == "\(report.results.count) passed, 0 failed")
    }

    @Test func theBundledSuitesExerciseEveryRuleBranchAndLimitOfBoth2025Policies() throws {
        for program in ["jkk-jkm-pekerja-rentan", "santunan-kematian"] {
            let coverage = try #require(Self.bundled.coverage.programs.first { $0.id == program })
            #expect(coverage.neverExercised.isEmpty, "\(program): \(coverage.neverExercised.map(\.id))")
            // Every rule is decisive somewhere (not only failing alongside another).
            let neverDecisive = coverage.items.filter { $0.decisive == 0 && $0.kind != .all }.map(\.id)
            #expect(neverDecisive.isEmpty, "\(program): never decisive: \(neverDecisive)")
        }
        let rendered = Self.bundled.coverage.render()
        #expect(rendered.contains("every rule, branch and allocation limit was exercised (12 of 12)"))
        #expect(rendered.contains("every rule, branch and allocation limit was exercised (11 of 11)"))
    }

    /// A threshold changed by one in a copy of the policy makes the suites fail, naming the cases.
    @Test func aPolicyWithAThresholdChangedByOneFailsTheSuitesNamingTheCase() throws {
        let root = try Self.temporaryFolder("broken")
        for item in ["policies", "fixtures/tests"] {
            try FileManager.default.createDirectory(atPath: root + "/" + item, withIntermediateDirectories: true)
            try FileManager.default.removeItem(atPath: root + "/" + item)
            try FileManager.default.copyItem(atPath: Self.repo.appendingPathComponent(item).path, toPath: root + "/" + item)
        }
        let policy = root + "/policies/tangerang/2025/jkk-jkm-pekerja-rentan.yaml"
        let text = try String(contentsOfFile: policy, encoding: .utf8)
        let broken = text.replacingOccurrences(of: "  usia_maks:\n    value: 64", with: "  usia_maks:\n    value: 65")
        #expect(broken != text)
        try broken.write(toFile: policy, atomically: true, encoding: .utf8)
        let report = TestRunner.run(paths: [root + "/fixtures/tests/tangerang-2025"])
        let failed = report.results.filter { !$0.passed }
        #expect(failed.map(\.name).contains("tepat 65 tahun pada tanggal acuan ditolak"))
        #expect(failed.map(\.name).contains("lahir 29 Februari 1960 — genap 65 tahun pada 1 Maret 2025 (tahun biasa) ditolak"))
        #expect(report.totalLine == "\(report.results.count - failed.count) passed, \(failed.count) failed")
        let text65 = try #require(failed.first { $0.name == "tepat 65 tahun pada tanggal acuan ditolak" }.map(TestReportFormat.failure))
        #expect(text65.contains("jkk-jkm-pekerja-rentan.yaml:"))
        #expect(text65.contains("decision  expected rejected"))
        #expect(text65.contains("actual   accepted"))
    }

    @Test(arguments: [
        ("desil_maks", "3", "desil 4 (batas atas) diterima"),
        ("desil_maks", "5", "desil — desil 5 ditolak"),
        ("usia_min", "19", "tepat 18 tahun pada tanggal acuan diterima"),
        ("usia_min", "17", "usia — 17 tahun pada tanggal acuan ditolak"),
        ("batas_hari_kerja", "39", "tepat 40 hari kerja melintasi libur Isra Mikraj dan Imlek diterima"),
        ("batas_hari_kerja", "41", "batas_waktu — 41 hari kerja melintasi libur Isra Mikraj dan Imlek"),
        ("tahap_selesai", "2025-03-14", "diajukan pada hari terakhir tahap I (Sabtu 15 Maret 2025) diterima"),
        ("tahap_mulai", "2025-01-02", "diajukan pada hari pertama tahap I (1 Januari 2025, hari libur) diterima"),
    ])
    func everyThresholdChangedByOneIsCaught(_ name: String, _ value: String, _ failingCase: String) {
        let report = TestRunner.run(paths: [Self.suites + "/tangerang-2025"], options: TestOptions(overrides: [(name, value)]))
        #expect(report.problems.isEmpty)
        #expect(report.results.contains { $0.name == failingCase && !$0.passed }, "--set \(name)=\(value) should fail “\(failingCase)”")
    }

    @Test func aListOverrideIsReadAsInYaml() {
        // `--set sebab_dikecualikan=[…]` without `bencana_alam`: only the cases about it fail.
        let report = TestRunner.run(
            paths: [Self.suites + "/tangerang-2025/santunan-kematian.yaml"],
            options: TestOptions(overrides: [("sebab_dikecualikan", "[bunuh_diri, narkoba, hukuman_mati]")]))
        #expect(report.problems.isEmpty)
        let failed = Set(report.results.filter { !$0.passed }.map(\.name))
        #expect(failed == ["sebab kematian bencana alam dikecualikan", "sebab_kematian — bunuh diri dikecualikan"], "\(Self.failureText(report))")
    }

    @Test func aSetNamingNoParameterIsAProblem() {
        let report = TestRunner.run(paths: [Self.suites + "/tangerang-2025"], options: TestOptions(overrides: [("desil_max", "3")]))
        #expect(report.problems.contains { $0.contains("desil_max") })
    }

    // MARK: Output

    @Test func failuresShowExpectedAndActualWithFileAndLineAndTheTotal() throws {
        let path = try Self.suite("""
            cases:
              - name: passes
                expect: accepted pekerjaan_rentan
              - name: fails on purpose
                household: {desil: 5}
                expect: {decision: accepted, amount: Rp168.000}
            """)
        let report = TestRunner.run(paths: [path])
        #expect(report.totalLine == "1 passed, 1 failed")
        let failed = try #require(report.results.first { !$0.passed })
        #expect(failed.location == "\(path):6")
        let text = TestReportFormat.failure(failed)
        #expect(text.hasPrefix("FAIL \(path):6  fails on purpose\n"))
        #expect(text.contains("    decision  expected accepted\n              actual   rejected\n"))
        #expect(text.contains("    amount    expected Rp168.000\n              actual   Rp0\n"))
        #expect(text.contains("reason    actual   Desil 5 melebihi batas desil 4"))
        #expect(text.contains("· \(path):8\n"), "the line of the expectation")
    }

    @Test func junitXmlHasOneTestcasePerCaseWithFileLineAndFailure() throws {
        let path = try Self.suite("""
            cases:
              - name: passes <ok> & "quoted"
                expect: accepted
              - name: fails
                household: {desil: 9}
                expect: accepted
              - name: broken case
                householdz: {}
            """)
        let xml = TestReportFormat.junit(TestRunner.run(paths: [path]))
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tepat test\" tests=\"3\" failures=\"1\" errors=\"1\""))
        #expect(xml.contains("name=\"passes &lt;ok&gt; &amp; &quot;quoted&quot;\" file=\"\(path)\" line=\"4\""))
        #expect(xml.contains("<failure message=\"1 difference at \(path):6\" type=\"mismatch\">"))
        #expect(xml.contains("<error message="))
        #expect(xml.hasSuffix("</testsuites>\n"))
    }

    // MARK: Reading cases

    @Test func mistakesInACaseAreReportedAtTheirLineWithDidYouMean() throws {
        let path = try Self.suite("""
            cases:
              - name: unknown key
                housholds: []
              - name: unknown field
                member: {ocupation: ojek}
              - name: unknown reference
                policies: [\(Self.santunan2025)]
                member: {name: SITI}
                application: {deceased: SITY}
              - name: which one
                members: [{}, {}]
                expect: accepted
              - name: bad expect
                expect: diterima
            """)
        let report = TestRunner.run(paths: [path])
        #expect(report.failed == 5)
        let errors = report.results.map { $0.errors.joined() }
        #expect(errors[0].contains("unknown key `housholds` in a case") && errors[0].contains("did you mean `households`?"))
        #expect(errors[1].contains("`ocupation` is not a field of member") && errors[1].contains("did you mean `occupation`?"))
        #expect(errors[2].contains("no member in this case is called `SITY`") && errors[2].contains("did you mean `SITI`?"))
        #expect(errors[3].contains("`expect` on the case needs exactly one subject, but the case has 2"))
        #expect(errors[4].contains("expected `<decision>` or `<decision> <rule>`"))
        #expect(errors[0].contains("\(path):5:5: error: unknown key `housholds`"))
    }

    @Test func twoPoliciesDecidingMembersNeedTheProgramNamed() throws {
        let jkk2026 = Self.repo.appendingPathComponent("policies/tangerang/2026/jkk-jkm-pekerja-rentan.yaml").path
        let path = try Self.suite("""
            cases:
              - name: ambiguous
                expect: accepted
              - name: named
                expect: [{program: jkk-jkm-pekerja-rentan, decision: accepted, amount: 168000}, {program: jkk-jkm-pekerja-rentan-2026, amount: 201600}]
            """, policies: [Self.jkk2025, jkk2026])
        let report = TestRunner.run(paths: [path])
        #expect(report.results.map(\.passed) == [false, true], "\(Self.failureText(report))")
        #expect(report.results[0].failures.first?.mismatches.first?.actual.contains("add `program:`") == true)
    }

    @Test func duplicateKeysAreMatchedInOrderAndInvalidRowsExpectInvalid() throws {
        let path = try Self.suite("""
            cases:
              - name: duplicate NIK
                household:
                  members:
                    - {person_id: "3671011111110001", expect: accepted}
                    - {person_id: "3671011111110001", relationship: anak, expect: invalid}
              - name: impossible birth date
                member: {birth_date: 1990-02-30}
                expect: invalid
            """)
        let report = TestRunner.run(paths: [path])
        #expect(report.failed == 0, "\(Self.failureText(report))")
    }

    @Test func allocatedSubjectsCarryTheirRuleTraceInDecisionsJsonl() throws {
        // Accepted through the `disabilitas` branch after allocation: the failing branch is listed.
        let path = try Self.suite("""
            cases:
              - name: disabilitas
                member: {occupation: wiraswasta, disability: true}
                expect: {decision: accepted, rule: disabilitas, failing: [pekerjaan_rentan], not_assessed: []}
            """)
        let report = TestRunner.run(paths: [path])
        #expect(report.failed == 0, "\(Self.failureText(report))")
    }

    // MARK: Golden decisions

    static func write(_ rows: [String], to folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/decisions.csv"
        try ("program,household_id,person_id,decision,rule,reason,amount,application_id\n" + rows.map { $0 + "\n" }.joined())
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func goldenComparisonFindsChangedMissingAndNewSubjects() throws {
        let root = try Self.temporaryFolder("golden")
        let expected = try Self.write([
            "p,H1,P1,accepted,pekerjaan_rentan,\"Pekerja rentan, ojek\",168000,",
            "p,H1,P2,rejected,desil,Desil 5,0,",
            "p,H2,P3,rejected,usia,Usia 17,0,",
            "p,H3,P4,accepted,,ok,168000,",
            "q,H1,P1,accepted,,ok,3000000,A1",
        ], to: root + "/expected")
        let actual = try Self.write([
            "p,H1,P1,accepted,pekerjaan_rentan,\"Reason reworded, still the same\",168000,",
            "p,H1,P2,accepted,pekerjaan_rentan,ok,201600,",
            "p,H2,P3,rejected,hidup,Meninggal,0,",
            "p,H4,P5,waitlisted,kuota,Kuota,0,",
            "q,H1,P1,accepted,,ok,3000001,A1",
        ], to: root + "/actual")
        let c = try GoldenDecisions.compare(expected: expected, actual: actual)
        #expect(c.compared == 4)
        #expect(c.changed.map(\.actual.personId) == ["P2", "P3", "P1"])
        #expect(c.changed.map(\.fields) == [["decision", "rule", "amount"], ["rule"], ["amount"]])
        #expect(c.missing.map(\.personId) == ["P4"])
        #expect(c.added.map(\.personId) == ["P5"])
        #expect(!c.isSame)
        let text = GoldenDecisions.render(c, limit: 2)
        #expect(text.hasPrefix("expected decisions: 3 changed, 1 missing, 1 new, of 4 subjects compared with \(expected)\n"))
        #expect(text.contains("1  p: rejected → accepted"))
        #expect(text.contains("… and 3 more"))
        #expect(try GoldenDecisions.compare(expected: expected, actual: expected).isSame)
    }

    @Test func goldenRunsOnAGeneratedPopulation() throws {
        let root = try Self.temporaryFolder("golden-run")
        let population = root + "/population"
        _ = try PopulationGenerator.generate(GeneratorOptions(households: 400, seed: 5, dirty: true), to: population, calendar: nil)
        func run(_ overrides: [(name: String, value: String)], into out: String) throws -> String {
            let workspace = Workspace.load(
                paths: [Self.repo.appendingPathComponent("policies/tangerang/2025").path], options: CheckOptions(parameterOverrides: overrides))
            _ = try PopulationRun.run(workspace, options: RunOptions(population: population, output: out, jobs: 2))
            return out
        }
        let first = try run([], into: root + "/first")
        let golden = try GoldenDecisions.update(from: first, to: root + "/expected")
        #expect(golden == root + "/expected/decisions.csv")
        let same = try run([], into: root + "/second")
        #expect(try GoldenDecisions.compare(expected: golden, actual: same + "/decisions.csv").isSame)
        let changed = try run([("desil_maks", "5")], into: root + "/third")
        let c = try GoldenDecisions.compare(expected: golden, actual: changed + "/decisions.csv")
        #expect(!c.isSame)
        #expect(c.missing.isEmpty && c.added.isEmpty)
        #expect(c.changed.allSatisfy { $0.expected.program == "jkk-jkm-pekerja-rentan" || $0.expected.program == "santunan-kematian" })
        #expect(c.changed.contains { $0.expected.rule == "desil" && $0.actual.decision == "accepted" })
    }
}
