import PropertyBased
import Testing
@testable import TepatCheck
@testable import TepatEval
import TepatModel

/// Differential tests (issue 2, item 9): random well-typed expressions and random records,
/// evaluated by the compiled evaluator and by `ReferenceInterpreter`, must agree on the value of
/// every node; random rule lists must get the same decision from `CompiledPolicy.evaluate` and
/// from a decision procedure written from docs/policy-language.md §5.
///
/// Each case is one `UInt64` seed: the records and the expressions are built from it by
/// `SplitMix`, so a failure message's seed replays the whole case — add it to `expressionSeeds` or
/// `policySeeds` (or use the `.fixedSeed(…)` PropertyBased prints).
@Suite struct DifferentialTests {
    /// Expression cases that once failed, replayed on every run: 1 (decimal-widened whole numbers
    /// were null; aggregates read at the subject's row), 7 (negating -9223372036854775807),
    /// 168 (rounding to -2^63 gave null), 1097, 51, 173 (lazy comparison / decimal comparison /
    /// decimal arithmetic hid an overflow), 1135 (string ids of two pools through `??`),
    /// 128 (`date + days` beyond year 9999).
    static let expressionSeeds: [UInt64] = [1, 7, 168, 1097, 51, 173, 1135, 128]
    /// Policy cases likewise (same faults, seen as decisions).
    static let policySeeds: [UInt64] = [2, 4, 1493, 151, 603, 425, 709, 2937, 154]

    static let caseSeed = Generator<UInt64, Shrink.None<UInt64>>(run: { rng in rng.next() })

    // MARK: Expressions

    @Test func compiledExpressionsAgreeWithTheReference() async {
        await propertyCheck(count: 3_000, input: Self.caseSeed) { seed in
            let failure = ExpressionCase(seed: seed).firstDisagreement()
            #expect(failure == nil, "\(failure ?? "")")
        }
    }

    @Test(arguments: expressionSeeds)
    func replayExpressionCase(seed: UInt64) {
        let failure = ExpressionCase(seed: seed).firstDisagreement()
        #expect(failure == nil, "\(failure ?? "")")
    }

    // MARK: Decisions

    @Test func compiledDecisionsAgreeWithTheReference() async {
        await propertyCheck(count: 2_500, input: Self.caseSeed) { seed in
            let failure = PolicyCase(seed: seed).firstDisagreement()
            #expect(failure == nil, "\(failure ?? "")")
        }
    }

    @Test(arguments: policySeeds)
    func replayPolicyCase(seed: UInt64) {
        let failure = PolicyCase(seed: seed).firstDisagreement()
        #expect(failure == nil, "\(failure ?? "")")
    }

    /// The generators reach what they are meant to: every kind of node, faults, nulls, both
    /// truth values, and every decision shape — so that agreement means something.
    @Test func generatorsCoverTheLanguage() {
        var kinds = Set<String>()
        var values = Set<String>()
        for seed in UInt64(0)..<400 {
            let c = ExpressionCase(seed: seed)
            for (root, tree, _) in c.trees {
                let tables = c.records.tables
                let reference = ReferenceInterpreter(calendars: World.calendars, aggregates: c.aggregates[root] ?? [])
                for node in tree.nodes {
                    kinds.insert(node.kindName)
                    for row in 0..<tables[root].count {
                        switch reference.evaluate(node, tables, row: row) {
                        case .null: values.insert("null")
                        case .overflow: values.insert("overflow")
                        case .bool(let b): values.insert("\(b)")
                        case .rational: values.insert("rational")
                        case .text: values.insert("text")
                        case .int: values.insert("int")
                        }
                    }
                }
            }
        }
        let expectedKinds: Set<String> = [
            "constant", "rational", "text", "field", "linkPresent", "isPresent", "not", "negate", "and", "or", "compare", "membership",
            "arithmetic", "coalesce", "aggregate", "age_on", "working_days_between", "days_between", "round", "floor", "ceil", "min",
            "max", "year", "month",
        ]
        #expect(expectedKinds.subtracting(kinds).isEmpty, "never generated: \(expectedKinds.subtracting(kinds).sorted())")
        #expect(values == ["null", "overflow", "true", "false", "rational", "text", "int"], "values seen: \(values.sorted())")

        var outcomes = Set<String>()
        for seed in UInt64(0)..<300 {
            for d in PolicyCase(seed: seed).referenceDecisions() {
                outcomes.insert(d.invalid ? "invalid" : d.eligible ? (d.acceptedBy >= 0 ? "eligible-by-any" : "eligible") : "rejected")
                if !d.unknown.isEmpty { outcomes.insert("unknown") }
                if d.decisive >= 0, d.decisive != d.failingTopLevel { outcomes.insert("decided-by-child") }
            }
        }
        #expect(outcomes == ["invalid", "eligible", "eligible-by-any", "rejected", "unknown", "decided-by-child"], "\(outcomes.sorted())")
    }
}

// MARK: - One expression case

struct ExpressionCase {
    let seed: UInt64
    let records: RecordSet
    /// (root entity, expression, its aggregates)
    let trees: [(Int, TypedExpr, [CheckedAggregate])]
    var aggregates: [Int: [CheckedAggregate]] { Dictionary(trees.map { ($0.0, $0.2) }, uniquingKeysWith: { a, _ in a }) }

    init(seed: UInt64) {
        self.seed = seed
        var rng = SplitMix(seed: seed)
        records = RandomRecords.make(&rng)
        var trees: [(Int, TypedExpr, [CheckedAggregate])] = []
        for root in [World.member, World.application, World.household] {
            var gen = ExpressionGenerator(root: root, rng: rng)
            let kind = gen.rng.chance(0.5) ? ExpressionGenerator.Kind.boolean : gen.rng.pick(ExpressionGenerator.Kind.allCases)
            let tree = gen.expr(kind, 4)
            rng = gen.rng
            trees.append((root, tree, gen.aggregates))
        }
        self.trees = trees
    }

    /// The first node (children before parents) on which the two evaluators differ, described.
    func firstDisagreement() -> String? {
        let tables = records.tables
        for (root, tree, aggregates) in trees {
            let runner = CompiledRunner(aggregates: aggregates)
            let reference = ReferenceInterpreter(calendars: World.calendars, aggregates: aggregates)
            let values = aggregates.map {
                CompiledAggregate($0, compiler: runner.compiler).values(EvalInput(tables: tables), hostCount: tables[$0.host.entity].count)
            }
            let input = EvalInput(tables: tables, aggregates: values)
            for node in tree.nodes {
                for row in 0..<tables[root].count {
                    guard let compiled = runner.value(node, input, row: row) else { continue }
                    let expected = reference.evaluate(node, tables, row: row)
                    if compiled != expected {
                        return """
                            seed \(seed) (0x\(String(seed, radix: 16))): \(World.schema.entities[root].name) row \(row)
                              node      \(node.text)  [\(node.type)]
                              compiled  \(compiled)
                              reference \(expected)
                              in        \(tree.text)
                            \(records.dump(tables))
                            """
                    }
                }
            }
        }
        return nil
    }
}

extension RecordSet {
    /// The records, for failure messages.
    func dump(_ tables: [Table]) -> String {
        var lines: [String] = []
        for (e, entity) in World.schema.entities.enumerated() {
            let t = tables[e]
            for r in 0..<t.count {
                var cells: [String] = []
                for (f, field) in entity.fields.enumerated() {
                    let c = t.columns[f][r]
                    let shown: String
                    if c == .null { shown = "null" } else {
                        switch field.type {
                        case .string: shown = "\"\(t.strings[c])\"#\(c)"
                        case .date: shown = Day(ordinal: Int(c)).iso
                        case .month: shown = Month(ordinal: Int(c)).iso
                        case .boolean: shown = c == 0 ? "false" : "true"
                        case .enumeration(let values): shown = c >= 0 && c < values.count ? values[Int(c)] : "#\(c)"
                        default: shown = "\(c)"
                        }
                    }
                    cells.append("\(field.name)=\(shown)")
                }
                let links = entity.links.enumerated().map { "\($0.element.name)→\(t.links[$0.offset][r])" }
                lines.append("  \(entity.name)[\(r)] " + (cells + links).joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension TypedExpr {
    var kindName: String {
        switch kind {
        case .constant: "constant"
        case .rational: "rational"
        case .text: "text"
        case .null: "null"
        case .list, .textList: "list"
        case .field: "field"
        case .linkPresent: "linkPresent"
        case .isPresent: "isPresent"
        case .not: "not"
        case .negate: "negate"
        case .and: "and"
        case .or: "or"
        case .compare: "compare"
        case .membership: "membership"
        case .arithmetic: "arithmetic"
        case .coalesce: "coalesce"
        case .call(let b, _): b.rawValue
        case .aggregate: "aggregate"
        case .allocationValue: "allocationValue"
        }
    }
}

// MARK: - One policy case

/// A decision as docs/policy-language.md §5 describes it.
struct ReferenceDecision: Equatable, CustomStringConvertible {
    var invalid = false
    var eligible = false
    var decisive = -1
    var acceptedBy = -1
    var failing: [Int] = []
    var unknown: [Int] = []
    var amount: Int64 = 0
    /// The first failing top-level rule (before descending into `all` groups); not compared.
    var failingTopLevel = -1

    static func == (a: ReferenceDecision, b: ReferenceDecision) -> Bool {
        a.invalid == b.invalid && a.eligible == b.eligible && a.decisive == b.decisive && a.acceptedBy == b.acceptedBy
            && a.failing == b.failing && a.unknown == b.unknown && a.amount == b.amount
    }

    var description: String {
        invalid
            ? "invalid"
            : "\(eligible ? "eligible" : "rejected") decisive=\(decisive) acceptedBy=\(acceptedBy) failing=\(failing) unknown=\(unknown) amount=\(amount)"
    }

    init() {}

    /// The compiled evaluator's result in the same terms (when invalid, only that is compared).
    init(_ e: Evaluation, ruleCount: Int) {
        if e.fault != nil {
            invalid = true
            eligible = e.eligible
            decisive = e.decisive
            acceptedBy = e.acceptedBy
            return
        }
        eligible = e.eligible
        decisive = e.decisive
        acceptedBy = e.acceptedBy
        failing = (0..<ruleCount).filter(e.failing.contains)
        unknown = (0..<ruleCount).filter(e.unknown.contains)
        amount = e.amount
    }
}

struct PolicyCase {
    let seed: UInt64
    let records: RecordSet
    let policy: CheckedPolicy

    init(seed: UInt64) {
        self.seed = seed
        var rng = SplitMix(seed: seed)
        records = RandomRecords.make(&rng)
        let root = rng.pick([World.member, World.member, World.application, World.household])
        var gen = ExpressionGenerator(root: root, rng: rng)
        var rules: [CheckedRule] = []
        let range = X.range

        func add(parent: Int?, level: Int) -> Int {
            let index = rules.count
            rules.append(CheckedRule(id: "r\(index)", kind: .all([]), parent: parent, range: range, reads: []))
            if level < 2, gen.rng.chance(level == 0 ? 0.4 : 0.3) {
                let isAll = gen.rng.chance(0.5)
                let children = (0..<gen.rng.int(1...3)).map { _ in add(parent: index, level: level + 1) }
                rules[index].kind = isAll ? .all(children) : .any(children)
            } else {
                rules[index].kind = .require(gen.expr(.boolean, 3))
            }
            return index
        }
        let topLevel = (0..<gen.rng.int(1...5)).map { _ in add(parent: nil, level: 0) }
        let benefit: TypedExpr? = gen.rng.chance(0.6) ? gen.expr(.money, 2).retyped(.money) : nil
        policy = CheckedPolicy(
            id: "generated", title: "generated", titleEn: nil, version: nil, budgetYear: 2025, asOf: World.asOf, valid: nil,
            path: "generated.yaml", schema: World.schema, subject: root, languages: [.id], calendars: World.calendars, parameters: [],
            rules: rules, topLevel: topLevel, benefit: benefit, allocation: nil, aggregates: gen.aggregates,
            stringConstants: World.strings, files: [])
    }

    var rulesText: String {
        func show(_ i: Int, _ indent: String) -> String {
            let r = policy.rules[i]
            switch r.kind {
            case .require(let c): return "\(indent)\(r.id): require \(c.text)"
            case .all(let c): return "\(indent)\(r.id): all\n" + c.map { show($0, indent + "  ") }.joined(separator: "\n")
            case .any(let c): return "\(indent)\(r.id): any\n" + c.map { show($0, indent + "  ") }.joined(separator: "\n")
            }
        }
        return policy.topLevel.map { show($0, "  ") }.joined(separator: "\n") + (policy.benefit.map { "\n  benefit: \($0.text)" } ?? "")
    }

    func firstDisagreement() -> String? {
        let tables = records.tables
        let compiled = CompiledPolicy(policy, strings: World.strings)
        let values = compiled.aggregates.map { $0.values(EvalInput(tables: tables), hostCount: tables[$0.host].count) }
        let input = EvalInput(tables: tables, aggregates: values)
        let expected = referenceDecisions()
        for row in 0..<tables[policy.subject].count {
            let actual = ReferenceDecision(compiled.evaluate(input, row: row), ruleCount: policy.rules.count)
            if actual != expected[row] {
                return """
                    seed \(seed) (0x\(String(seed, radix: 16))): \(policy.subjectEntity.name) row \(row)
                      compiled  \(actual)
                      reference \(expected[row])
                    \(rulesText)
                    \(records.dump(tables))
                    """
            }
        }
        return nil
    }

    /// The decision procedure of §5, one subject at a time.
    func referenceDecisions() -> [ReferenceDecision] {
        let tables = records.tables
        let reference = ReferenceInterpreter(calendars: World.calendars, aggregates: policy.aggregates)
        return (0..<tables[policy.subject].count).map { row in decide(row, tables, reference) }
    }

    enum Outcome { case pass, fail, unknown }

    private func decide(_ row: Int, _ tables: [Table], _ reference: ReferenceInterpreter) -> ReferenceDecision {
        var outcomes: [Int: Outcome] = [:]
        var faulted = false
        // Every rule is evaluated, children included ("the explanation lists all failing rules").
        func judge(_ i: Int) -> Outcome {
            let outcome: Outcome
            switch policy.rules[i].kind {
            case .require(let condition):
                switch reference.evaluate(condition, tables, row: row) {
                case .bool(true): outcome = .pass
                case .bool(false): outcome = .fail
                case .overflow:
                    faulted = true
                    outcome = .unknown
                default: outcome = .unknown
                }
            case .all(let children):
                let all = children.map(judge)
                outcome = all.contains(.fail) ? .fail : all.contains(.unknown) ? .unknown : .pass
            case .any(let children):
                let any = children.map(judge)
                outcome = any.contains(.pass) ? .pass : any.contains(.unknown) ? .unknown : .fail
            }
            outcomes[i] = outcome
            return outcome
        }
        let top = policy.topLevel.map(judge)
        var d = ReferenceDecision()
        // An overflow on the subject's data makes it invalid.
        if faulted {
            d.invalid = true
            return d
        }
        d.failing = outcomes.filter { $0.value == .fail }.map(\.key).sorted()
        d.unknown = outcomes.filter { $0.value == .unknown }.map(\.key).sorted()
        if let first = top.firstIndex(of: .fail) {
            // Rejected: the first failing rule in order; for a failing `all` group its first failing child.
            var rule = policy.topLevel[first]
            d.failingTopLevel = rule
            while case .all(let children) = policy.rules[rule].kind, let child = children.first(where: { outcomes[$0] == .fail }) {
                rule = child
            }
            d.decisive = rule
            return d
        }
        d.eligible = true
        // Let in by an `any` group: the first passing branch of the first `any` group.
        if let group = policy.rules.firstIndex(where: { if case .any = $0.kind { true } else { false } }) {
            d.acceptedBy = policy.rules[group].children.first { outcomes[$0] == .pass } ?? -1
        }
        if let benefit = policy.benefit {
            switch reference.evaluate(benefit, tables, row: row) {
            case .int(let v): d.amount = v
            case .overflow:
                return {
                    var invalid = ReferenceDecision()
                    invalid.invalid = true
                    return invalid
                }()
            default: d.amount = 0
            }
        }
        return d
    }
}
