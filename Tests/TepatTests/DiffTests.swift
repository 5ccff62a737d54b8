import Foundation
import Tepat
import Testing

/// `tepat diff`: one run for both versions, joined per program; A vs A is no change; `--set`
/// equals the edited file; 2025 → 2026 agrees with two separate runs joined independently.
@Suite struct DiffTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let p2025 = repo.appendingPathComponent("policies/tangerang/2025").path
    static let p2026 = repo.appendingPathComponent("policies/tangerang/2026").path
    static let jkk2025 = repo.appendingPathComponent("policies/tangerang/2025/jkk-jkm-pekerja-rentan.yaml").path
    static let jkk2026 = repo.appendingPathComponent("policies/tangerang/2026/jkk-jkm-pekerja-rentan.yaml").path

    static func temporaryFolder(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-diff-test-\(label)-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A dirty generated population, made once.
    static let population: String = {
        let folder = temporaryFolder("population")
        _ = try? PopulationGenerator.generate(GeneratorOptions(households: 1500, seed: 21, dirty: true), to: folder, calendar: nil)
        return folder
    }()

    static func diff(_ base: [String], _ candidate: [String], set: [(name: String, value: String)] = [], flips: String? = nil) throws(DiffError) -> DiffReport {
        try PolicyDiff.run(DiffOptions(base: base, candidate: candidate, population: population, candidateOverrides: set, jobs: 2, flipsFile: flips))
    }

    // MARK: No change

    @Test func aPolicyComparedWithItselfReportsNoChange() throws {
        let report = try Self.diff([Self.p2025], [Self.p2025])
        #expect(report.programs.count == 2)
        #expect(report.unpaired.isEmpty)
        #expect(!report.anyFlip && !report.anyChange)
        for program in report.programs {
            #expect(program.flipped == 0 && program.amountChanged == 0 && program.ruleChanged == 0 && program.costChange == 0)
            for d in DiffDecision.allCases { #expect(program.base.count(d) == program.candidate.count(d)) }
            #expect(program.base.amount == program.candidate.amount)
            #expect(program.base.quota == program.candidate.quota && program.base.budget == program.candidate.budget)
            for from in DiffDecision.allCases {
                for to in DiffDecision.allCases where to != from { #expect(program.transition(from, to) == 0) }
                #expect(program.transition(from, from) == program.base.count(from))
            }
            #expect(program.causes.isEmpty && program.flips.isEmpty)
            #expect(program.subjects > 0)
        }
        #expect(DiffFormat.text(report).hasSuffix("Tidak ada perubahan.\n"))
        #expect(DiffFormat.text(report, language: .en).hasSuffix("No change.\n"))
    }

    // MARK: --set

    @Test func setGivesTheSameNumbersAsTheEditedFile() throws {
        let folder = Self.temporaryFolder("edited")
        let text = try String(contentsOfFile: Self.jkk2025, encoding: .utf8)
        let edited = text
            .replacingOccurrences(of: "  desil_maks:\n    value: 4", with: "  desil_maks:\n    value: 5")
            .replacingOccurrences(of: "schema: ../../schema/dtks.yaml", with: "schema: " + Self.repo.appendingPathComponent("policies/schema/dtks.yaml").path)
        #expect(edited != text)
        try edited.write(toFile: folder + "/jkk.yaml", atomically: true, encoding: .utf8)
        let byFile = try Self.diff([Self.jkk2025], [folder + "/jkk.yaml"])
        let bySet = try Self.diff([Self.jkk2025], [Self.jkk2025], set: [("desil_maks", "5")])
        let a = try #require(byFile.programs.first), b = try #require(bySet.programs.first)
        #expect(a.flipped > 0)
        #expect(a.transitions == b.transitions)
        #expect(a.flipped == b.flipped && a.amountChanged == b.amountChanged && a.ruleChanged == b.ruleChanged)
        #expect(a.costChange == b.costChange && a.base == b.base && a.candidate == b.candidate)
        #expect(a.causes == b.causes)
        #expect(a.byKecamatan == b.byKecamatan)
        #expect(a.flips == b.flips)
        #expect(bySet.candidateOverrides == ["desil_maks=5"])
        // Raising the desil limit only lets people in: every flip is rejected → accepted by `desil`,
        // except members of households whose other member was pushed out by `satu_per_kk`.
        #expect(a.causes.allSatisfy { ($0.from, $0.to) == (.rejected, .accepted) && $0.side == "base" })
        #expect(a.causes.first?.rule == "desil")
    }

    @Test func setAppliesToTheCandidateOnly() throws {
        let report = try Self.diff([Self.jkk2025], [Self.jkk2025], set: [("bulan", "12")])
        let program = try #require(report.programs.first)
        #expect(program.flipped == 0)
        #expect(program.amountChanged == program.base.accepted)
        #expect(program.costChange == Int64(program.base.accepted) * 16_800 * 2)
        #expect(report.anyChange && !report.anyFlip)
    }

    // MARK: 2025 → 2026

    /// The same comparison computed another way: two separate runs, joined by subject key.
    @Test func diff2025To2026AgreesWithTwoSeparateRunsJoinedByKey() throws {
        let report = try Self.diff([Self.p2025], [Self.p2026])
        #expect(report.programs.map(\.program) == ["jkk-jkm-pekerja-rentan", "santunan-kematian"])
        #expect(report.programs.map(\.candidateProgram) == ["jkk-jkm-pekerja-rentan-2026", "santunan-kematian-2026"])
        #expect(report.unpaired.isEmpty)
        #expect(report.anyFlip)

        func runAlone(_ path: String) throws -> (rows: [DecisionRow], summary: RunSummary) {
            let out = Self.temporaryFolder("alone")
            let result = try PopulationRun.run(Workspace.load(paths: [path]), options: RunOptions(population: Self.population, output: out, jobs: 1))
            return (try DecisionFile.read(out + "/decisions.csv"), result.summary)
        }
        let (baseRows, baseSummary) = try runAlone(Self.p2025)
        let (candidateRows, candidateSummary) = try runAlone(Self.p2026)
        for (program, candidateProgram) in [("jkk-jkm-pekerja-rentan", "jkk-jkm-pekerja-rentan-2026"), ("santunan-kematian", "santunan-kematian-2026")] {
            var before: [String: [DecisionRow]] = [:]
            for row in baseRows where row.program == program { before[row.subjectKey, default: []].append(row) }
            var used: [String: Int] = [:]
            var flips = 0, gained = 0, lost = 0
            var transitions: [String: [String: Int]] = [:]
            for row in candidateRows where row.program == candidateProgram {
                let k = used[row.subjectKey, default: 0]
                used[row.subjectKey] = k + 1
                let old = try #require(before[row.subjectKey]?[k])
                transitions[old.decision, default: [:]][row.decision, default: 0] += 1
                if old.decision != row.decision {
                    flips += 1
                    if row.decision == "accepted" { gained += 1 }
                    if old.decision == "accepted" { lost += 1 }
                }
            }
            let diff = try #require(report.programs.first { $0.program == program })
            #expect(diff.flipped == flips, "\(program)")
            for (from, row) in transitions {
                for (to, count) in row { #expect(diff.transitions[from]?[to] == count, "\(program) \(from) → \(to)") }
            }
            let baseAmount = try #require(baseSummary.programs.first { $0.program == program }).amount
            let candidateAmount = try #require(candidateSummary.programs.first { $0.program == candidateProgram }).amount
            #expect(diff.costChange == candidateAmount - baseAmount, "\(program)")
            #expect(diff.byKecamatan.reduce(0) { $0 + $1.gained } == gained)
            #expect(diff.byKecamatan.reduce(0) { $0 + $1.lost } == lost)
            #expect(diff.candidate.quota == candidateSummary.programs.first { $0.program == candidateProgram }?.quota)
            #expect(diff.base.budget == baseSummary.programs.first { $0.program == program }?.budget)
        }
    }

    @Test func everyFlipNamesTheRuleOfTheSideThatBlocksTheSubject() throws {
        let report = try Self.diff([Self.p2025], [Self.p2026])
        for program in report.programs {
            #expect(program.flips.count == program.flipped)
            #expect(program.causes.reduce(0) { $0 + $1.count } == program.flipped)
            for flip in program.flips {
                let improved = [DiffDecision.accepted, .waitlisted, .rejected, .invalid].firstIndex(of: flip.to)!
                    < [DiffDecision.accepted, .waitlisted, .rejected, .invalid].firstIndex(of: flip.from)!
                #expect(flip.rule == (improved ? flip.baseRule : flip.candidateRule))
                #expect(!flip.rule.isEmpty)
            }
        }
        let jkk = try #require(report.programs.first)
        #expect(jkk.causes.contains { $0.from == .rejected && $0.to == .accepted && $0.rule == "desil" && $0.side == "base" })
        let santunan = try #require(report.programs.last)
        #expect(santunan.causes.allSatisfy { $0.to != .accepted })
    }

    @Test func perKecamatanFiguresAddUpToTheProgramTotals() throws {
        let report = try Self.diff([Self.p2025], [Self.p2026])
        for program in report.programs {
            #expect(program.byKecamatan.reduce(0) { $0 + $1.baseAccepted } == program.base.accepted)
            #expect(program.byKecamatan.reduce(0) { $0 + $1.candidateAccepted } == program.candidate.accepted)
            #expect(program.byKecamatan.reduce(Int64(0)) { $0 + $1.amountChange } == program.costChange)
            #expect(program.byKecamatan.reduce(0) { $0 + $1.flipped } == program.flipped)
            #expect(program.byKecamatan.map(\.kecamatan) == program.byKecamatan.map(\.kecamatan).sorted())
        }
        // A generated population lives in Kota Tangerang's 13 kecamatan (plus a few outside).
        let names = Set(report.programs[0].byKecamatan.map(\.kecamatan))
        #expect(names.isSuperset(of: ["Ciledug", "Karawaci", "Tangerang"]))
    }

    // MARK: Pairing

    @Test func programsArePairedByIdByExtendsOrReportedUnpaired() throws {
        let report = try Self.diff([Self.p2025], [Self.jkk2026])
        #expect(report.programs.map(\.candidateProgram) == ["jkk-jkm-pekerja-rentan-2026"])
        #expect(report.unpaired.map(\.program) == ["santunan-kematian"])
        #expect(report.unpaired.first?.side == "base")
        #expect(report.unpaired.first.map { $0.totals.accepted + $0.totals.rejected + $0.totals.waitlisted + $0.totals.invalid }! > 0)
    }

    // MARK: Output

    @Test func theThreeFormatsCarryTheFigures() throws {
        let flips = Self.temporaryFolder("flips") + "/flips.csv"
        let report = try Self.diff([Self.p2025], [Self.p2026], flips: flips)
        let jkk = try #require(report.programs.first)
        let text = DiffFormat.text(report, flipLimit: 3)
        #expect(text.contains("jkk-jkm-pekerja-rentan → jkk-jkm-pekerja-rentan-2026"))
        #expect(text.contains("dasar ↓  kandidat →"))
        #expect(text.contains(Rupiah.format(jkk.candidate.amount)))
        #expect(text.contains("penyebab perubahan"))
        #expect(text.contains("per kecamatan"))
        let english = DiffFormat.text(report, language: .en)
        #expect(english.contains("base ↓  candidate →") && english.contains("by kecamatan"))
        let markdown = DiffFormat.markdown(report)
        #expect(markdown.hasPrefix("# Perbandingan kebijakan\n"))
        #expect(markdown.contains("| **Biaya** | \(Rupiah.format(jkk.base.amount)) | \(Rupiah.format(jkk.candidate.amount)) |"))
        #expect(markdown.contains("### Per kecamatan"))
        let json = try DiffFormat.json(report)
        let decoded = try JSONDecoder().decode(DiffReport.self, from: Data(json.utf8))
        #expect(decoded.programs.map(\.flipped) == report.programs.map(\.flipped))
        #expect(decoded.programs.first?.byKecamatan == jkk.byKecamatan)
        #expect(json.contains("\"cost_change\" : \(jkk.costChange)"))
        #expect(json.contains("\"by_kecamatan\""))
        // Every flipped subject is in the CSV file, with a header.
        let lines = try String(contentsOfFile: flips, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "program,candidate_program,household_id,person_id,application_id,kecamatan,from,to,rule,base_rule,candidate_rule,base_amount,candidate_amount")
        #expect(lines.count == 1 + report.programs.reduce(0) { $0 + $1.flipped })
    }

    // MARK: Errors

    @Test func policiesWithErrorsAndMissingPopulationsAreReportedWithTheirExitCodes() throws {
        #expect(throws: DiffError.self) { try Self.diff([Self.p2025], [Self.p2025], set: [("desil_maks", "lima")]) }
        do {
            _ = try Self.diff([Self.p2025], [Self.p2025], set: [("desil_max", "5")])
            Issue.record("an unknown --set name must fail")
        } catch {
            #expect(error.exitCode == 1)
            #expect(error.message.contains("candidate"))
        }
        do {
            _ = try PolicyDiff.run(DiffOptions(base: [Self.p2025], candidate: [Self.p2026], population: "/nonexistent/folder"))
            Issue.record("a missing population must fail")
        } catch {
            #expect(error.exitCode == 2)
        }
    }
}
