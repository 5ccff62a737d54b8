import TepatCheck
import TepatModel

/// A policy ready to evaluate: immutable, `Sendable`, shared lock-free by every thread of a run.
public struct CompiledPolicy: Sendable {
    public let checked: CheckedPolicy
    let rules: [CompiledRule]
    let topLevel: [Int]
    /// Pre-order index of the first `any` group among the top-level rules (and their `all` children).
    let anyGroups: [Int]
    let benefit: CellFunction?
    public let aggregates: [CompiledAggregate]
    public let orderKeys: [OrderKeyFunction]
    public let limitKeys: [CellFunction]
    let templates: TemplateSet
    /// The compiler the policy was compiled with: `trace` compiles sub-expressions on demand with it.
    let compiler: Compiler

    public var id: String { checked.id }
    public var subject: Int { checked.subject }

    enum CompiledRule: Sendable {
        case require(CellFunction)
        case all([Int])
        case any([Int])
    }

    /// Compiles a checked policy. `strings` is the workspace's string seed (see `Compiler`).
    public init(_ policy: CheckedPolicy, strings: [String]) {
        let compiler = Compiler(strings: strings, calendars: policy.calendars, aggregateHosts: policy.aggregates.map(\.host))
        self.compiler = compiler
        checked = policy
        rules = policy.rules.map { rule in
            switch rule.kind {
            case .require(let condition): .require(compiler.cell(condition))
            case .all(let c): .all(c)
            case .any(let c): .any(c)
            }
        }
        topLevel = policy.topLevel
        var anyGroups: [Int] = []
        func collect(_ i: Int) {
            switch policy.rules[i].kind {
            case .any: anyGroups.append(i)
            case .all(let children): children.forEach(collect)
            case .require: break
            }
        }
        policy.topLevel.forEach(collect)
        self.anyGroups = anyGroups
        benefit = policy.benefit.map(compiler.cell)
        aggregates = policy.aggregates.map { CompiledAggregate($0, compiler: compiler) }
        orderKeys = policy.allocation?.order.map { OrderKeyFunction($0, compiler: compiler) } ?? []
        limitKeys = policy.allocation?.limits.map { compiler.cell($0.per) } ?? []
        templates = TemplateSet(policy, compiler: compiler)
    }

    /// Decides one subject (the row `row` of the subject's table in `input`): every rule is
    /// evaluated, so the result lists all failing rules, not just the first.
    public func evaluate(_ input: EvalInput, row: Int) -> Evaluation {
        var failing = RuleSet(), unknown = RuleSet()
        do throws(EvalFault) {
            for t in topLevel { _ = try outcome(t, input, row, &failing, &unknown) }
            for t in topLevel {
                if failing.contains(t) {
                    return Evaluation(eligible: false, decisive: decisive(t, failing), acceptedBy: -1, failing: failing, unknown: unknown, amount: 0)
                }
            }
            var acceptedBy = -1
            if let group = anyGroups.first, case .any(let children) = rules[group] {
                acceptedBy = children.first { !failing.contains($0) && !unknown.contains($0) } ?? -1
            }
            let amount = try benefit?(input, row) ?? 0
            return Evaluation(eligible: true, decisive: -1, acceptedBy: acceptedBy, failing: failing, unknown: unknown, amount: amount == .null ? 0 : amount)
        } catch {
            return Evaluation(eligible: false, decisive: -1, acceptedBy: -1, failing: failing, unknown: unknown, amount: 0, fault: error)
        }
    }

    private func outcome(_ i: Int, _ input: EvalInput, _ row: Int, _ failing: inout RuleSet, _ unknown: inout RuleSet) throws(EvalFault) -> RuleOutcome {
        let result: RuleOutcome
        switch rules[i] {
        case .require(let f):
            result = RuleOutcome(cell: try f(input, row))
        case .all(let children):
            var r = RuleOutcome.pass
            for c in children {
                switch try outcome(c, input, row, &failing, &unknown) {
                case .fail: r = .fail
                case .unknown: if r == .pass { r = .unknown }
                case .pass: break
                }
            }
            result = r
        case .any(let children):
            var r = RuleOutcome.fail
            for c in children {
                switch try outcome(c, input, row, &failing, &unknown) {
                case .pass: r = .pass
                case .unknown: if r == .fail { r = .unknown }
                case .fail: break
                }
            }
            result = r
        }
        if result == .fail { failing.insert(i) } else if result == .unknown { unknown.insert(i) }
        return result
    }

    /// The rule that decides a failed top-level rule: an `all` group's first failing child (recursively).
    private func decisive(_ i: Int, _ failing: RuleSet) -> Int {
        if case .all(let children) = rules[i], let child = children.first(where: { failing.contains($0) }) {
            return decisive(child, failing)
        }
        return i
    }

    /// The id written in `decisions.csv` for an evaluation's decisive rule.
    public func ruleId(_ index: Int) -> String { index >= 0 && index < checked.rules.count ? checked.rules[index].id : "" }
}
