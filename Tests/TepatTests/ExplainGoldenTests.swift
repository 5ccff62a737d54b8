import Foundation
import Tepat
import Testing

/// Golden tests of `tepat explain`: for every case, the Indonesian text, the English text and the
/// JSON object in `Fixtures/explain/NAME.id.txt`, `NAME.en.txt` and `NAME.json`.
///
/// The population is `Fixtures/explain/population`: a handful of households built so that each
/// rule of both bundled policies rejects someone, each `pekerjaan` branch accepts someone, a
/// household has two eligible members (`satu_per_kk`), and a member row is invalid. The
/// waitlisting case uses `Fixtures/explain/policies/jkk-kuota-1.yaml`, which extends the bundled
/// policy with a quota of one person.
///
/// Re-record with `TEPAT_RECORD=1 swift test --filter ExplainGoldenTests`; the recorded tests then
/// fail, as a reminder to read every recorded file before committing.
@Suite struct ExplainGoldenTests {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixturesRoot = testsFolder.appendingPathComponent("Fixtures").standardizedFileURL
    static let folder = fixturesRoot.appendingPathComponent("explain")
    static let packageRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent().standardizedFileURL
    static let population = folder.appendingPathComponent("population").path
    static let bundled = packageRoot.appendingPathComponent(Workspace.defaultPolicyPath).path
    static let kuotaPolicy = folder.appendingPathComponent("policies/jkk-kuota-1.yaml").path

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var id: String
        var policies: [String]
        var testDescription: String { name }
    }

    static func person(_ name: String, _ id: String) -> Case { Case(name: name, id: id, policies: [bundled]) }

    static let cases: [Case] = [
        // A rejection by each rule of the JKK/JKM policy.
        person("jkk-domisili", "3603011010900001"),
        person("jkk-terdaftar-dtks", "3671011212850001"),
        person("jkk-desil", "3671011402880001"),
        person("jkk-usia", "3671011408070001"),
        person("jkk-hidup", "3671010303600001"),
        person("jkk-pekerjaan", "3671015005800001"),
        person("jkk-status-bpu", "3671010101700001"),
        person("jkk-belum-terdaftar", "3671010202750001"),
        // An acceptance through each `pekerjaan` branch.
        person("accept-pekerjaan-rentan", "3671011604920001"),
        person("accept-disabilitas", "3671011705930001"),
        // Allocation: one per household, and a quota of one.
        Case(name: "satu-per-kk", id: "3671010101250007", policies: [bundled]),
        Case(name: "kuota-waitlist", id: "3671011604920001", policies: [kuotaPolicy]),
        // A rejection by each rule of the santunan kematian policy (explained by the deceased's NIK).
        person("santunan-almarhum-terdata", "3671019999990001"),
        person("santunan-domisili", "3603011111500001"),
        person("santunan-terdaftar-dtks", "3671011301450001"),
        person("santunan-desil", "3671011503400001"),
        person("santunan-meninggal", "3671014404550001"),
        person("santunan-tahap", "3671010505650001"),
        person("santunan-sebab-kematian", "3671010606660001"),
        person("santunan-batas-waktu", "3671010707670001"),
        person("santunan-berkas-lengkap", "3671010808680001"),
        // IDs that cannot be explained.
        person("invalid-row", "3671014909010001"),
        person("unknown-id", "3671000000000000"),
        person("malformed-id", "36710101012500"),
    ]

    static var recording: Bool { ProcessInfo.processInfo.environment["TEPAT_RECORD"] == "1" }

    /// Paths are made relative, so the files read the same on every machine.
    static func normalized(_ text: String) -> String {
        text.replacingOccurrences(of: fixturesRoot.path + "/", with: "")
            .replacingOccurrences(of: packageRoot.path + "/", with: "")
    }

    static func render(_ c: Case, language: Language, json: Bool) throws -> String {
        let workspace = Workspace.load(paths: c.policies)
        let options = ExplainOptions(population: population, language: language, jobs: 2)
        switch Explainer.explain(c.id, workspace: workspace, options: options) {
        case .success(let x): return normalized(json ? try ExplanationJSON.encode(x) : ExplanationText.render(x))
        case .failure(let f):
            return normalized(json ? try ExplanationJSON.encode(f) : "exit \(f.exitCode)\n" + ExplanationText.render(f, language: language))
        }
    }

    @Test(arguments: cases)
    func explanationMatchesTheGoldenFiles(_ c: Case) throws {
        let outputs = [
            ("id.txt", try Self.render(c, language: .id, json: false)),
            ("en.txt", try Self.render(c, language: .en, json: false)),
            ("json", try Self.render(c, language: .id, json: true)),
        ]
        for (suffix, actual) in outputs {
            #expect(!actual.contains(Self.packageRoot.path), "absolute path left in \(c.name).\(suffix)")
            let url = Self.folder.appendingPathComponent("\(c.name).\(suffix)")
            if Self.recording {
                try actual.write(to: url, atomically: true, encoding: .utf8)
                Issue.record("recorded \(c.name).\(suffix); review it, then run again without TEPAT_RECORD")
                continue
            }
            guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
                Issue.record("no \(c.name).\(suffix); run with TEPAT_RECORD=1 to record it. Output:\n\(actual)")
                continue
            }
            #expect(actual == expected, "\(c.name).\(suffix) differs from the golden file")
        }
    }

    /// What each case is there for, checked on the data rather than the text.
    @Test func eachCaseShowsWhatItIsFor() throws {
        let workspace = Workspace.load(paths: [Self.bundled])
        let options = ExplainOptions(population: Self.population, jobs: 2)
        func explain(_ id: String, _ ws: Workspace = workspace) throws -> Explanation {
            try Explainer.explain(id, workspace: ws, options: options).get()
        }
        let rejections: [(case: String, program: String, rule: String)] = [
            ("jkk-domisili", "jkk-jkm-pekerja-rentan", "domisili"), ("jkk-terdaftar-dtks", "jkk-jkm-pekerja-rentan", "terdaftar_dtks"),
            ("jkk-desil", "jkk-jkm-pekerja-rentan", "desil"), ("jkk-usia", "jkk-jkm-pekerja-rentan", "usia"),
            ("jkk-hidup", "jkk-jkm-pekerja-rentan", "hidup"), ("jkk-pekerjaan", "jkk-jkm-pekerja-rentan", "pekerjaan"),
            ("jkk-status-bpu", "jkk-jkm-pekerja-rentan", "status_bpu"), ("jkk-belum-terdaftar", "jkk-jkm-pekerja-rentan", "belum_terdaftar"),
            ("santunan-almarhum-terdata", "santunan-kematian", "almarhum_terdata"), ("santunan-domisili", "santunan-kematian", "domisili"),
            ("santunan-terdaftar-dtks", "santunan-kematian", "terdaftar_dtks"), ("santunan-desil", "santunan-kematian", "desil"),
            ("santunan-meninggal", "santunan-kematian", "meninggal"), ("santunan-tahap", "santunan-kematian", "tahap"),
            ("santunan-sebab-kematian", "santunan-kematian", "sebab_kematian"), ("santunan-batas-waktu", "santunan-kematian", "batas_waktu"),
            ("santunan-berkas-lengkap", "santunan-kematian", "berkas_lengkap"),
        ]
        for r in rejections {
            guard let c = Self.cases.first(where: { $0.name == r.case }) else { continue }
            let x = try explain(c.id)
            let subject = x.programs.first { $0.program == r.program }?.subjects.first
            #expect(subject?.decision == .rejected && subject?.rule == r.rule, "\(r.case): \(subject?.decision.rawValue ?? "-") by \(subject?.rule ?? "-")")
            #expect(subject?.counterfactual?.blocking.contains(r.rule) == true, "\(r.case): counterfactual names the rule")
        }
        let rentan = try explain("3671011604920001").programs[0].subjects[0]
        #expect(rentan.decision == .accepted && rentan.acceptedBy == "pekerjaan_rentan" && rentan.amount == 168_000)
        let disabilitas = try explain("3671011705930001").programs[0].subjects[0]
        #expect(disabilitas.decision == .accepted && disabilitas.acceptedBy == "disabilitas")

        let satu = try explain("3671010101250007")
        #expect(satu.kind == .household)
        let members = satu.programs[0].subjects
        #expect(members.map(\.decision) == [.accepted, .rejected])
        #expect(members.last?.rule == "satu_per_kk")
        #expect(members.last?.allocation?.kept.map(\.key) == ["3671011806940001"])

        let kuota = try explain("3671011604920001", Workspace.load(paths: [Self.kuotaPolicy]))
        let waiting = kuota.programs[0].subjects[0]
        #expect(waiting.decision == .waitlisted && waiting.rule == "kuota")
        #expect(waiting.allocation?.rank == 2 && waiting.allocation?.cutoff == 1 && waiting.allocation?.quota == 1)

        let usia = try explain("3671011408070001").programs[0].subjects[0]
        let change = usia.counterfactual?.remedies.first?.options.first?.first
        #expect(change?.qualifiesFrom == "2025-08-14" && change?.correction == "fixed" && change?.source == "dukcapil")
        #expect(usia.counterfactual?.singleBlocker == true)

        let desil = try explain("3671011402880001").programs[0].subjects[0]
        #expect(desil.reason == "Desil 6 melebihi batas desil 4")
        #expect(desil.counterfactual?.remedies.first?.options.first?.first?.text == "desil perlu ≤ 4, saat ini 6")
        #expect(desil.counterfactual?.text == "Hanya terhalang aturan desil (Desil DTKS).")
    }

    /// No. KK and NIK are both 16 digits, and can be equal: the household by default, a note, and `--as person`.
    @Test func aNumberThatIsBothAKKAndANIK() throws {
        let workspace = Workspace.load(paths: [Self.bundled])
        let id = "3671010101250007"
        let household = try Explainer.explain(id, workspace: workspace, options: ExplainOptions(population: Self.population, jobs: 2)).get()
        #expect(household.kind == .household && household.alsoKind == .person)
        #expect(household.programs[0].subjects.map(\.personId) == ["3671011806940001", "3671015807950001"])
        #expect(household.alsoText?.contains("ZAHRA") == true)
        let person = try Explainer.explain(id, workspace: workspace, options: ExplainOptions(population: Self.population, jobs: 2, kind: .person)).get()
        #expect(person.kind == .person && person.alsoKind == .household)
        #expect(person.programs[0].subjects.map(\.name) == ["ZAHRA"])
        #expect(person.programs[0].subjects.first?.householdId == "3671010101250005")
        #expect(person.household?.householdId == "3671010101250005")
    }

    @Test func idsThatCannotBeExplainedFailWithExitCodeOne() {
        let workspace = Workspace.load(paths: [Self.bundled])
        let options = ExplainOptions(population: Self.population, jobs: 2)
        for (id, kind) in [("12345", ExplanationFailure.Kind.malformedId), ("367101010125000x", .malformedId), ("", .malformedId),
            ("3671000000000000", .unknownId), ("3671014909010001", .onlyInvalid)]
        {
            guard case .failure(let f) = Explainer.explain(id, workspace: workspace, options: options) else {
                Issue.record("`\(id)` was explained")
                continue
            }
            #expect(f.error == kind && f.exitCode == 1, "`\(id)`: \(f.error)")
            if kind == .onlyInvalid {
                #expect(f.dataErrors.map(\.text) == [#"Data tidak valid: members.csv baris 12, kolom birth_date = "2001-02-30": tanggal tidak ada"#])
            }
        }
    }
}
