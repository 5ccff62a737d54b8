import Foundation
import Tepat
import Testing

/// `extends` (docs/policy-language.md §8): parameters, rules (replace, remove, insert before/after,
/// nested in groups), allocation key by key; overrides that name nothing; date-effective periods
/// that overlap or leave gaps; and the bundled 2026 drafts.
@Suite struct InheritanceTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let jkk2025 = repo.appendingPathComponent("policies/tangerang/2025/jkk-jkm-pekerja-rentan.yaml").path
    static let santunan2025 = repo.appendingPathComponent("policies/tangerang/2025/santunan-kematian.yaml").path
    static let schema = repo.appendingPathComponent("policies/schema/dtks.yaml").path

    /// Writes `text` as a policy in a fresh folder and loads it.
    static func load(_ text: String, name: String = "child.yaml", options: CheckOptions = CheckOptions()) throws -> Workspace {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-inheritance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return Workspace.load(paths: [path], options: options)
    }

    static func child(_ body: String) -> String {
        // English reasons are not repeated in these small examples.
        "extends: \(jkk2025)\npolicy: jkk-child\nlanguages: [id]\n" + body
    }

    static func codes(_ workspace: Workspace) -> [String] { workspace.diagnostics.sorted.map(\.code) }

    static func topLevelIds(_ policy: CheckedPolicy) -> [String] { policy.topLevel.map { policy.rules[$0].id } }

    /// A folded integer or money parameter.
    static func constant(_ policy: CheckedPolicy, _ name: String) -> Int64? {
        guard case .constant(let cell) = policy.parameters.first(where: { $0.name == name })?.value.kind else { return nil }
        return Int64(cell)
    }

    static let baseOrder = ["domisili", "terdaftar_dtks", "desil", "usia", "hidup", "pekerjaan", "status_bpu", "belum_terdaftar"]

    // MARK: The bundled drafts

    @Test func theBundledPoliciesFolderChecksWithoutErrors() {
        let workspace = Workspace.load(paths: [Self.repo.appendingPathComponent("policies").path])
        #expect(!workspace.diagnostics.containsErrors, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        #expect(Set(workspace.policies.map(\.id)) == ["jkk-jkm-pekerja-rentan", "santunan-kematian", "jkk-jkm-pekerja-rentan-2026", "santunan-kematian-2026"])
    }

    @Test func the2026JkkDraftInheritsEverythingAndChangesDesilMonthsQuotaAndDates() throws {
        let workspace = Workspace.load(paths: [Self.repo.appendingPathComponent("policies/tangerang/2026/jkk-jkm-pekerja-rentan.yaml").path])
        let policy = try #require(workspace.policies.first)
        #expect(!workspace.diagnostics.containsErrors)
        #expect(policy.id == "jkk-jkm-pekerja-rentan-2026")
        #expect(policy.budgetYear == 2026)
        #expect(policy.asOf.iso == "2026-01-01")
        #expect(policy.valid.map { "\($0.from.iso)..\($0.to.iso)" } == "2026-01-01..2026-12-31")
        #expect(Self.constant(policy, "desil_maks") == 5)
        #expect(Self.constant(policy, "bulan") == 12)
        #expect(Self.constant(policy, "kuota") == 10_000)
        #expect(Self.constant(policy, "iuran_jkk") == 10_000, "inherited")
        #expect(Self.topLevelIds(policy) == Self.baseOrder)
        #expect(policy.allocation?.quota?.max == 10_000)
        #expect(policy.allocation?.limits.map(\.id) == ["satu_per_kk"])
        #expect(policy.files.count == 2, "the draft and the 2025 policy it extends")
    }

    @Test func the2026SantunanDraftUsesThe2026Calendar() throws {
        let workspace = Workspace.load(paths: [Self.repo.appendingPathComponent("policies/tangerang/2026/santunan-kematian.yaml").path])
        let policy = try #require(workspace.policies.first)
        #expect(!workspace.diagnostics.containsErrors)
        #expect(policy.calendars.map(\.name) == ["indonesia-2026"])
        #expect(policy.asOf.iso == "2026-03-15")
        #expect(policy.allocation?.budget?.max == 294_000_000)
    }

    // MARK: Rules

    @Test func removeDeletesARule() throws {
        let workspace = try Self.load(Self.child("remove: [belum_terdaftar]\n"))
        let policy = try #require(workspace.policies.first)
        #expect(Self.topLevelIds(policy) == Array(Self.baseOrder.dropLast()))
    }

    @Test func aRuleWithAnExistingIdReplacesItInPlace() throws {
        let workspace = try Self.load(Self.child("""
            rules:
              - id: usia
                require: between(age_on(as_of), 18, 60)
                reject: "Usia {age_on(as_of)} tahun, di luar 18–60 tahun"
            parameters:
              usia_maks: 60
            """))
        let policy = try #require(workspace.policies.first, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        #expect(Self.topLevelIds(policy) == Self.baseOrder)
        let usia = try #require(policy.rule(named: "usia"))
        guard case .require(let condition) = policy.rules[usia].kind else {
            Issue.record("usia is not a require rule")
            return
        }
        #expect(condition.text.contains("60"))
    }

    @Test func insertBeforeAndAfterPlaceNewRules() throws {
        let workspace = try Self.load(Self.child("""
            rules:
              - id: ktp_kota
                insert_before: domisili
                require: household.city_code == kode_kota
                reject: "KTP bukan Kota Tangerang"
              - id: bukan_pns
                insert_after: status_bpu
                require: occupation != pns
                reject: "PNS tidak termasuk"
            """))
        let policy = try #require(workspace.policies.first, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        var expected = Self.baseOrder
        expected.insert("ktp_kota", at: 0)
        expected.insert("bukan_pns", at: expected.firstIndex(of: "status_bpu")! + 1)
        #expect(Self.topLevelIds(policy) == expected)
    }

    @Test func rulesInsideGroupsAreFoundByIdToo() throws {
        let workspace = try Self.load(Self.child("""
            rules:
              - id: juru_parkir
                insert_after: disabilitas
                require: occupation == buruh_harian_lepas
                accept: "Juru parkir (buruh harian lepas)"
              - id: disabilitas
                require: disability and employment_status == bpu
                accept: "Pekerja penyandang disabilitas (BPU)"
            """))
        let policy = try #require(workspace.policies.first, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        #expect(Self.topLevelIds(policy) == Self.baseOrder)
        let group = try #require(policy.rule(named: "pekerjaan"))
        #expect(policy.rules[group].children.map { policy.rules[$0].id } == ["pekerjaan_rentan", "disabilitas", "juru_parkir"])
        let disabilitas = try #require(policy.rule(named: "disabilitas"))
        guard case .require(let condition) = policy.rules[disabilitas].kind else {
            Issue.record("disabilitas is not a require rule")
            return
        }
        #expect(condition.text.contains("employment_status"))
    }

    @Test func anExistingRuleWithAnAnchorIsMoved() throws {
        let workspace = try Self.load(Self.child("""
            rules:
              - id: belum_terdaftar
                insert_before: domisili
                require: not bpjs_tk_active
                reject: "Sudah terdaftar"
            """))
        let policy = try #require(workspace.policies.first, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        #expect(Self.topLevelIds(policy) == ["belum_terdaftar"] + Self.baseOrder.dropLast())
    }

    @Test(arguments: [
        ("remove: [domisli]\n", "`remove` names no rule: `domisli`"),
        ("rules:\n  - id: x\n    insert_before: usai\n    require: true\n    reject: x\n", "`insert_before` names no rule: `usai`"),
        ("rules:\n  - id: x\n    insert_after: hidupp\n    require: true\n    reject: x\n", "`insert_after` names no rule: `hidupp`"),
    ])
    func overridesThatNameNoRuleAreErrors(_ body: String, _ message: String) throws {
        let workspace = try Self.load(Self.child(body))
        let diagnostic = try #require(workspace.diagnostics.sorted.first { $0.code == "extends.unknown-rule" })
        #expect(diagnostic.message == message)
        #expect(diagnostic.help?.hasPrefix("did you mean") == true)
        #expect(workspace.policies.isEmpty)
    }

    /// An error in a parent's rule is checked again with every policy that inherits the rule:
    /// it is still one error, printed once, at its place in the parent.
    @Test func anErrorInAnInheritedRuleIsReportedOnce() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-inherited-error-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let parent = try String(contentsOfFile: Self.jkk2025, encoding: .utf8)
            .replacingOccurrences(of: "require: household.desil <= desil_maks", with: "require: household.desil <= desil_max")
            .replacingOccurrences(of: "schema: ../../schema/dtks.yaml", with: "schema: \(Self.schema)")
        let parentPath = folder.appendingPathComponent("parent.yaml").path
        try parent.write(toFile: parentPath, atomically: true, encoding: .utf8)
        let childPath = folder.appendingPathComponent("child.yaml").path
        try "extends: \(parentPath)\npolicy: jkk-child\nlanguages: [id]\n".write(toFile: childPath, atomically: true, encoding: .utf8)
        let workspace = Workspace.load(paths: [parentPath, childPath])
        let unknown = workspace.diagnostics.sorted.filter { $0.message.contains("`desil_max`") }
        #expect(unknown.count == 1, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        #expect(unknown.first?.range?.path == parentPath)
    }

    @Test func aNewRuleWhoseIdIsCloseToAnExistingOneIsAWarning() throws {
        let workspace = try Self.load(Self.child("""
            rules:
              - id: desill
                require: household.desil <= 3
                reject: "Desil lebih dari 3"
            """))
        #expect(Self.codes(workspace).contains("extends.new-rule"))
        #expect(!workspace.diagnostics.containsErrors)
        #expect(workspace.policies.first.map(Self.topLevelIds)?.last == "desill")
    }

    // MARK: Parameters

    @Test func aParameterThatOverridesNothingAndIsUnusedIsAnError() throws {
        let workspace = try Self.load(Self.child("parameters:\n  desil_max: 5\n"))
        let diagnostic = try #require(workspace.diagnostics.sorted.first { $0.code == "extends.unknown-parameter" })
        #expect(diagnostic.help == "did you mean `desil_maks`?")
        #expect(diagnostic.range?.start.line == 5)
    }

    @Test func aNewParameterUsedByANewRuleIsFine() throws {
        let workspace = try Self.load(Self.child("""
            parameters:
              usia_pensiun: 58
            rules:
              - id: belum_pensiun
                require: age_on(as_of) < usia_pensiun
                reject: "Sudah usia pensiun"
            """))
        #expect(!workspace.diagnostics.containsErrors, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
    }

    // MARK: Allocation

    @Test func allocationIsOverriddenKeyByKey() throws {
        let workspace = try Self.load(Self.child("""
            allocation:
              quota: {max: 100}
              limits:
                - {id: satu_per_kk, max: 2}
            """))
        let policy = try #require(workspace.policies.first, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        let allocation = try #require(policy.allocation)
        #expect(allocation.quota?.id == "kuota")
        #expect(allocation.quota?.max == 100)
        #expect(allocation.quota?.waitlist != nil, "the base's waiting-list text is kept")
        #expect(allocation.limits.map(\.id) == ["satu_per_kk"])
        #expect(allocation.limits.first?.max == 2)
        #expect(allocation.order.count == 3, "the order is inherited")
    }

    @Test func allocationOrderAndBudgetCanBeReplaced() throws {
        let workspace = try Self.load(Self.child("""
            allocation:
              order: [person_id asc]
              budget: {id: anggaran, max: Rp1.680.000}
            """))
        let policy = try #require(workspace.policies.first, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        #expect(policy.allocation?.order.count == 1)
        #expect(policy.allocation?.budget?.max == 1_680_000)
        #expect(policy.allocation?.quota?.max == 5952)
    }

    @Test func aNewPartialCapIsAnErrorOnceMerged() throws {
        let workspace = try Self.load(Self.child("allocation:\n  budget: {max: Rp1.000.000}\n"))
        #expect(workspace.diagnostics.sorted.contains { $0.code == "syntax.missing-key" && $0.message.contains("`budget` needs `id`") })
    }

    // MARK: Date-effective parameters

    static func dated(_ values: String, valid: String = "{from: 2025-03-01, to: 2025-12-31}", asOf: String = "2025-03-01") -> String {
        """
        policy: dated
        title: Dated
        budget_year: 2025
        subject: member
        as_of: \(asOf)
        valid: \(valid)
        schema: \(schema)
        parameters:
          desil_maks:
            values:
        \(values)
        rules:
          - id: dtks
            require: present(household.desil) and household.desil <= desil_maks
            reject: "Desil {household.desil}"
        """
    }

    @Test func twoValuesStartingOnTheSameDayAreAnError() throws {
        // In YAML the same start written twice is a duplicate key; either way it is an error.
        let workspace = try Self.load(Self.dated("      2025-01-01: 4\n      \"2025-01-01\": 5"))
        #expect(workspace.diagnostics.containsErrors)
        #expect(!Set(Self.codes(workspace)).isDisjoint(with: ["check.parameter-period", "yaml.duplicate-key"]))
    }

    @Test func aValidityPeriodStartingBeforeTheFirstValueIsAGap() throws {
        let workspace = try Self.load(Self.dated("      2025-04-01: 4\n      2026-01-01: 5", asOf: "2025-06-01"))
        let gap = try #require(workspace.diagnostics.sorted.first { $0.code == "check.parameter-gap" })
        #expect(gap.message.contains("no value from 2025-03-01"))
        #expect(gap.message.contains("until 2025-04-01"))
    }

    @Test func aValueThatStartsAfterTheValidityPeriodIsAWarning() throws {
        let workspace = try Self.load(Self.dated("      2025-01-01: 4\n      2026-01-01: 5"))
        #expect(!workspace.diagnostics.containsErrors)
        #expect(workspace.diagnostics.sorted.contains { $0.severity == .warning && $0.message.contains("never in force") })
    }

    @Test func theValueInForceFollowsAsOf() throws {
        let text = Self.dated("      2025-01-01: 4\n      2025-07-01: 5")
        let march = try #require(try Self.load(text).policies.first)
        #expect(march.parameters.first?.effectiveFrom?.iso == "2025-01-01")
        let august = try #require(try Self.load(text, options: CheckOptions(asOf: Day(iso: "2025-08-01"))).policies.first)
        #expect(august.parameters.first?.effectiveFrom?.iso == "2025-07-01")
    }

    @Test func aChildCanReplaceAValueByADateEffectiveOne() throws {
        let workspace = try Self.load(Self.child("""
            as_of: 2025-09-01
            parameters:
              desil_maks:
                values: {2025-03-01: 4, 2025-09-01: 5}
            """))
        let policy = try #require(workspace.policies.first, "\(workspace.renderer.render(workspace.diagnostics.sorted))")
        #expect(policy.parameters.first { $0.name == "desil_maks" }?.effectiveFrom?.iso == "2025-09-01")
    }
}
