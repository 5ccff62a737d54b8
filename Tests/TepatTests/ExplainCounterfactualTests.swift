import Foundation
import Tepat
import Testing

/// The counterfactual must be true: changing the named value to the suggested one makes the check
/// pass. These tests do exactly that — mutate the table cell, evaluate again — for every rejected
/// subject of the golden-test population and of a generated dirty population.
@Suite struct ExplainCounterfactualTests {
    /// Loads every file of a population, linked, as whole tables.
    static func load(_ path: String, workspace: Workspace) throws -> (input: EvalInput, valid: [[Int]], compiled: [CompiledPolicy]) {
        let schema = try #require(workspace.policies.first?.schema)
        let strings = Array(Set(workspace.policies.flatMap(\.stringConstants))).sorted()
        let folder = try PopulationFolder(path: path, schema: schema)
        var linker = Linker(schema: schema)
        var tables = schema.entities.enumerated().map { Table(entity: $0.offset, fieldCount: $0.element.fields.count, linkCount: $0.element.links.count) }
        var valid = [[Int]](repeating: [], count: schema.entities.count)
        let order = ["household", "member", "application"].compactMap { schema.entityIndex(named: $0) }
        for e in order {
            let loaded = try folder.load(e, linker: &linker, stringSeed: strings, parallelism: 1)
            tables[e] = loaded.table
            valid[e] = loaded.rows.compactMap { if case .valid(let r) = $0 { Int(r) } else { nil } }
        }
        return (EvalInput(tables: tables), valid, workspace.policies.map { CompiledPolicy($0, strings: strings) })
    }

    struct Tally {
        var rejected = 0
        var edits = 0
        var rulesRepaired = 0
    }

    /// Applies every suggested edit and checks that its check then passes; applies the whole first
    /// alternative of each blocking rule and checks that the rule then passes.
    static func verify(_ path: String) throws -> Tally {
        let workspace = Workspace.load(paths: [ExplainGoldenTests.bundled])
        let (input, valid, compiled) = try load(path, workspace: workspace)
        var tally = Tally()
        for policy in compiled {
            let subjectInput = EvalInput(
                tables: input.tables, aggregates: policy.aggregates.map { $0.values(input, hostCount: input.tables[$0.host].count) })
            for row in valid[policy.subject] {
                let trace = policy.trace(subjectInput, row: row)
                guard trace.evaluation.fault == nil, !trace.evaluation.eligible else { continue }
                tally.rejected += 1
                let cf = policy.counterfactual(trace, subjectInput, row: row)
                #expect(!cf.blocking.isEmpty && cf.remedies.count == cf.blocking.count)
                #expect(cf.blocking.first == topLevel(of: trace.evaluation.decisive, in: policy.checked), "the decisive rule blocks first")
                for remedy in cf.remedies {
                    #expect(!remedy.options.isEmpty, "\(policy.id) row \(row): no way to pass \(policy.checked.rules[remedy.rule].id)")
                    for option in remedy.options {
                        for change in option {
                            guard let edit = change.edit else { continue }
                            let after = policy.trace(subjectInput.applying([edit]), row: row)
                            let check = after.rules[change.rule].checks[change.check]
                            #expect(check.outcome == .pass, "\(policy.id) row \(row): setting \(change.target.text) does not pass `\(check.text)`")
                            tally.edits += 1
                        }
                    }
                    // The whole suggested alternative repairs the blocking rule.
                    guard let first = remedy.options.first else { continue }
                    let edits = first.compactMap(\.edit)
                    guard edits.count == first.count else { continue }
                    let after = policy.trace(subjectInput.applying(edits), row: row)
                    #expect(after.rules[remedy.rule].outcome == .pass, "\(policy.id) row \(row): rule \(policy.checked.rules[remedy.rule].id) still fails")
                    tally.rulesRepaired += 1
                }
            }
        }
        return tally
    }

    static func topLevel(of rule: Int, in policy: CheckedPolicy) -> Int {
        var r = rule
        while r >= 0, r < policy.rules.count, let parent = policy.rules[r].parent { r = parent }
        return r
    }

    @Test func suggestedChangesAreTrueOnTheGoldenPopulation() throws {
        let tally = try Self.verify(ExplainGoldenTests.population)
        #expect(tally.rejected >= 25)
        #expect(tally.edits >= 25)
        #expect(tally.rulesRepaired >= 20)
    }

    @Test func suggestedChangesAreTrueOnAGeneratedDirtyPopulation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-explain-cf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try PopulationGenerator.generate(GeneratorOptions(households: 400, seed: 5, dirty: true), to: folder, calendar: nil)
        let tally = try Self.verify(folder)
        #expect(tally.rejected > 1000)
        #expect(tally.edits > 1000)
    }

    /// "Memenuhi syarat usia mulai 14-08-2025": evaluated on that day the age check passes, the day
    /// before it does not.
    @Test func theAgeQualifiesOnTheDayGiven() throws {
        let nik = "3671011408070001"
        let x = try Explainer.explain(nik, workspace: Workspace.load(paths: [ExplainGoldenTests.bundled]), options: ExplainOptions(population: ExplainGoldenTests.population, jobs: 2)).get()
        let change = try #require(x.programs.first?.subjects.first?.counterfactual?.remedies.first?.options.first?.first)
        let day = try #require(change.qualifiesFrom.flatMap { Day(iso: $0) })
        #expect(day.iso == "2025-08-14")
        func usia(on date: Day) throws -> RuleOutcome {
            var options = CheckOptions()
            options.asOf = date
            let workspace = Workspace.load(paths: [ExplainGoldenTests.bundled], options: options)
            let (input, valid, compiled) = try Self.load(ExplainGoldenTests.population, workspace: workspace)
            let policy = try #require(compiled.first { $0.id == "jkk-jkm-pekerja-rentan" })
            let member = policy.subject
            let key = policy.checked.schema.entities[member].key
            let row = try #require(valid[member].first { input.tables[member].columns[key][$0] == Int64(nik) })
            let rule = try #require(policy.checked.rule(named: "usia"))
            return policy.trace(input, row: row).rules[rule].outcome
        }
        #expect(try usia(on: day) == .pass)
        #expect(try usia(on: day.adding(days: -1)) == .fail)
    }
}
