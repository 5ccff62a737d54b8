import Foundation
import Tepat
import Testing

/// `tepat explain` reads a few records and evaluates only those; `tepat run` evaluates everyone.
/// They must agree on every decision, rule, reason and amount, on a dirty population (duplicate
/// NIKs, broken rows, members of missing households) — and `--run` must refuse a run made from
/// other files.
@Suite struct ExplainRunAgreementTests {
    /// A small RFC 4180 reader for `decisions.csv`.
    static func csv(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if quoted {
                if c == "\"" {
                    let next = text.index(after: i)
                    if next < text.endIndex, text[next] == "\"" {
                        field.append("\"")
                        i = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
            i = text.index(after: i)
        }
        if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
        return rows
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tepat-\(name)-\(UUID().uuidString)").path
    }

    @Test func explanationsAgreeWithTheRun() throws {
        let population = Self.temporary("explain-pop"), out = Self.temporary("explain-run")
        defer {
            try? FileManager.default.removeItem(atPath: population)
            try? FileManager.default.removeItem(atPath: out)
        }
        _ = try PopulationGenerator.generate(GeneratorOptions(households: 300, seed: 9, dirty: true), to: population, calendar: nil)
        let workspace = Workspace.load(paths: [ExplainGoldenTests.bundled])
        _ = try PopulationRun.run(workspace, options: RunOptions(population: population, output: out, jobs: 2))
        let lines = Self.csv(try String(contentsOfFile: out + "/decisions.csv", encoding: .utf8)).dropFirst()
        // program, household_id, person_id, decision, rule, reason, amount, application_id
        var byHousehold: [String: [[String]]] = [:]
        for line in lines where line.count >= 8 { byHousehold[line[1], default: []].append(line) }

        let households = Self.csv(try String(contentsOfFile: population + "/households.csv", encoding: .utf8)).dropFirst()
            .compactMap(\.first).filter(Explainer.isWellFormed)
        var explained = 0, compared = 0
        for (k, kk) in households.enumerated() where k % 7 == 0 {
            let options = ExplainOptions(population: population, run: out, jobs: 2)
            switch Explainer.explain(kk, workspace: workspace, options: options) {
            case .failure(let f):
                #expect(f.error == .onlyInvalid, "\(kk): \(f.message)")
                #expect(byHousehold[kk, default: []].allSatisfy { $0[3] == "invalid" }, "\(kk) has valid decisions in the run")
            case .success(let x):
                explained += 1
                var seen = 0
                for program in x.programs {
                    for s in program.subjects {
                        let line = byHousehold[kk, default: []].first { l in
                            l[0] == program.program && (s.applicationId.map { l[7] == $0 } ?? (l[2] == s.personId && l[7].isEmpty))
                        } ?? lines.first { l in l[0] == program.program && s.applicationId != nil && l[7] == s.applicationId }
                        guard let line else {
                            Issue.record("\(kk): no run decision for \(program.program) \(s.key)")
                            continue
                        }
                        #expect(s.decision.rawValue == line[3], "\(kk) \(s.key): \(s.decision.rawValue) vs \(line[3])")
                        #expect(s.rule == line[4], "\(kk) \(s.key): rule \(s.rule) vs \(line[4])")
                        #expect(s.reason == line[5], "\(kk) \(s.key): reason differs")
                        #expect(String(s.amount) == line[6], "\(kk) \(s.key): amount")
                        if s.decision == .rejected, s.allocation == nil { #expect(s.counterfactual?.blocking.isEmpty == false) }
                        seen += 1
                        compared += 1
                    }
                }
                // Every member decision of the household is explained.
                let members = byHousehold[kk, default: []].filter { $0[0] == "jkk-jkm-pekerja-rentan" }.count
                #expect(x.programs.first { $0.program == "jkk-jkm-pekerja-rentan" }?.subjects.count == members, "\(kk): members")
                _ = seen
            }
        }
        #expect(explained > 30)
        #expect(compared > 100)
    }

    @Test func aRunMadeFromOtherFilesIsRefused() throws {
        let population = Self.temporary("explain-pop"), out = Self.temporary("explain-run")
        defer {
            try? FileManager.default.removeItem(atPath: population)
            try? FileManager.default.removeItem(atPath: out)
        }
        try FileManager.default.copyItem(atPath: ExplainGoldenTests.population, toPath: population)
        let workspace = Workspace.load(paths: [ExplainGoldenTests.bundled])
        _ = try PopulationRun.run(workspace, options: RunOptions(population: population, output: out, jobs: 2))
        let nik = "3671011604920001"
        let computed = try Explainer.explain(nik, workspace: workspace, options: ExplainOptions(population: population, jobs: 2)).get()
        let fromRun = try Explainer.explain(nik, workspace: workspace, options: ExplainOptions(population: population, run: out, jobs: 2)).get()
        #expect(fromRun.allocationSource == AllocationSource(kind: .run, run: out))
        #expect(computed.programs == fromRun.programs)

        // One changed byte in members.csv: the run no longer matches.
        let members = population + "/members.csv"
        var text = try String(contentsOfFile: members, encoding: .utf8)
        text = text.replacingOccurrences(of: "SITI AMINAH", with: "SITI AMINA ")
        try text.write(toFile: members, atomically: true, encoding: .utf8)
        guard case .failure(let f) = Explainer.explain(nik, workspace: workspace, options: ExplainOptions(population: population, run: out, jobs: 2)) else {
            Issue.record("a run made from other files was used")
            return
        }
        #expect(f.error == .runMismatch && f.exitCode == 2)
        #expect(f.message.contains("members.csv"))
    }
}
