import TepatCheck
import TepatModel

/// A policy ready to evaluate: immutable, `Sendable`, shared lock-free by every thread of a run.
public struct CompiledPolicy: Sendable {
    public let checked: CheckedPolicy
    /// The rules, flat: a kind per rule, the condition of each `require`, and each group's
    /// children as a range of `children` (an enum with closure and array payloads was copied,
    /// and so retained and released, on every rule of every record).
    let kinds: [RuleKind]
    /// The condition of each rule (a constant null for groups), as references an evaluation calls
    /// without retaining (`unowned`; `conditionBoxes` owns them): a closure read from an array or
    /// a pointer is retained and released around every call.
    let conditionRefs: [Unmanaged<Condition>]
    private let conditionBoxes: [Condition]
    let children: [Int]
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

    /// A rule's condition, held by a class so that it can be called through an unowned reference.
    final class Condition: Sendable {
        let run: CellFunction
        init(_ run: @escaping CellFunction) { self.run = run }

        @inline(__always)
        func cell(_ input: EvalInput, _ row: Int) -> Result<Cell, EvalFault> {
            do throws(EvalFault) { return .success(try run(input, row)) } catch { return .failure(error) }
        }
    }

    enum RuleKind: Sendable {
        case require
        /// Children `children[start..<end]`.
        case all(start: Int32, end: Int32)
        case any(start: Int32, end: Int32)
    }

    /// Compiles a checked policy. `strings` is the workspace's string seed (see `Compiler`).
    public init(_ policy: CheckedPolicy, strings: [String]) {
        let compiler = Compiler(strings: strings, calendars: policy.calendars, aggregateHosts: policy.aggregates.map(\.host))
        self.compiler = compiler
        checked = policy
        // The boxes are made straight from the compiled closures: a closure kept in an array (or
        // passed through `map`) is wrapped in reabstraction thunks, two more calls per condition.
        var kinds: [RuleKind] = [], boxes: [Condition] = [], children: [Int] = []
        for rule in policy.rules {
            switch rule.kind {
            case .require(let condition):
                kinds.append(.require)
                boxes.append(Condition(compiler.cell(condition)))
            case .all(let c), .any(let c):
                let start = Int32(children.count)
                children += c
                let end = Int32(children.count)
                if case .all = rule.kind { kinds.append(.all(start: start, end: end)) } else { kinds.append(.any(start: start, end: end)) }
                boxes.append(Condition { _, _ in .null })
            }
        }
        self.kinds = kinds
        conditionBoxes = boxes
        conditionRefs = boxes.map { Unmanaged.passUnretained($0) }
        self.children = children
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
            try kinds.withUnsafeBufferPointer { kinds throws(EvalFault) in
                try conditionRefs.withUnsafeBufferPointer { conditions throws(EvalFault) in
                    try children.withUnsafeBufferPointer { children throws(EvalFault) in
                        let rules = FlatRules(kinds: kinds, conditions: conditions, children: children)
                        for t in topLevel { _ = try rules.outcome(t, input, row, &failing, &unknown) }
                    }
                }
            }
            for t in topLevel {
                if failing.contains(t) {
                    return Evaluation(eligible: false, decisive: decisive(t, failing), acceptedBy: -1, failing: failing, unknown: unknown, amount: 0)
                }
            }
            var acceptedBy = -1
            if let group = anyGroups.first, case .any(let start, let end) = kinds[group] {
                acceptedBy = children[Int(start)..<Int(end)].first { !failing.contains($0) && !unknown.contains($0) } ?? -1
            }
            let amount = try benefit?(input, row) ?? 0
            return Evaluation(eligible: true, decisive: -1, acceptedBy: acceptedBy, failing: failing, unknown: unknown, amount: amount == .null ? 0 : amount)
        } catch {
            return Evaluation(eligible: false, decisive: -1, acceptedBy: -1, failing: failing, unknown: unknown, amount: 0, fault: error)
        }
    }

    /// The rules seen through buffer pointers for one evaluation: reading a closure through a
    /// pointer borrows it, where reading it from an array copies (retains) it.
    private struct FlatRules {
        let kinds: UnsafeBufferPointer<RuleKind>
        let conditions: UnsafeBufferPointer<Unmanaged<Condition>>
        let children: UnsafeBufferPointer<Int>

        func outcome(_ i: Int, _ input: EvalInput, _ row: Int, _ failing: inout RuleSet, _ unknown: inout RuleSet) throws(EvalFault) -> RuleOutcome {
            let result: RuleOutcome
            switch kinds[i] {
            case .require:
                result = RuleOutcome(cell: try conditions[i]._withUnsafeGuaranteedRef { $0.cell(input, row) }.get())
            case .all(let start, let end):
                var r = RuleOutcome.pass
                for c in Int(start)..<Int(end) {
                    switch try outcome(children[c], input, row, &failing, &unknown) {
                    case .fail: r = .fail
                    case .unknown: if r == .pass { r = .unknown }
                    case .pass: break
                    }
                }
                result = r
            case .any(let start, let end):
                var r = RuleOutcome.fail
                for c in Int(start)..<Int(end) {
                    switch try outcome(children[c], input, row, &failing, &unknown) {
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
    }

    /// The rule that decides a failed top-level rule: an `all` group's first failing child (recursively).
    private func decisive(_ i: Int, _ failing: RuleSet) -> Int {
        if case .all(let start, let end) = kinds[i], let child = children[Int(start)..<Int(end)].first(where: { failing.contains($0) }) {
            return decisive(child, failing)
        }
        return i
    }

    /// The id written in `decisions.csv` for an evaluation's decisive rule.
    public func ruleId(_ index: Int) -> String { index >= 0 && index < checked.rules.count ? checked.rules[index].id : "" }
}
