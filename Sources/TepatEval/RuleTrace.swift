import TepatCheck
import TepatModel

/// Everything one subject's evaluation read, rule by rule: the evaluator-API form of "the values
/// each rule saw". Built on demand by `CompiledPolicy.trace`, which compiles the checks' operands
/// when it is called, so tracing costs nothing on a run's hot path.
public struct SubjectTrace: Sendable {
    /// The subject's decision before allocation (the same value `evaluate` returns).
    public var evaluation: Evaluation
    /// One per rule of the policy, in `CheckedPolicy.rules` order (groups before their children).
    public var rules: [RuleTrace]

    /// The trace of rule `index` (an index into `CheckedPolicy.rules`).
    public subscript(rule index: Int) -> RuleTrace { rules[index] }
}

/// One rule's outcome for one subject, and for a `require` rule the checks of its condition.
public struct RuleTrace: Sendable {
    /// Index in `CheckedPolicy.rules`.
    public var rule: Int
    /// 0 for a top-level rule, 1 for a child of a group, …
    public var depth: Int
    public var outcome: RuleOutcome
    /// The leaf checks of a `require` condition, in source order; empty for groups.
    public var checks: [CheckTrace]
    /// How the checks combine (`and`/`or`, with `not` pushed down to the checks); nil for groups.
    public var condition: CheckTree?
}

/// The shape of a condition over its checks: indices into `RuleTrace.checks`.
public indirect enum CheckTree: Sendable, Hashable {
    case check(Int)
    /// Every part must pass (`and`).
    case all([CheckTree])
    /// At least one part must pass (`or`).
    case any([CheckTree])
}

/// One leaf of a condition: a comparison, `between`, `in`, `present`, a boolean value, or
/// (for anything else) the whole boolean expression.
public struct CheckTrace: Sendable {
    public enum Kind: Sendable, Hashable {
        /// `operands[0] op operands[1]` (a negated comparison is stored with the negated operator).
        case compare(CompareOperator)
        /// `between(x, lo, hi)`: operands `[x, lo, hi]`.
        case between
        /// `x in list` (`negated`: `x not in list`): operands `[x, list]`.
        case membership
        /// `present(x)` (`negated`: `not present(x)`, `x == null`): operands `[x]`; for a link
        /// (`present(deceased)`) the field that holds the link's key.
        case present
        /// A boolean value (`disability`; `negated`: `not bpjs_tk_active`): operands `[x]`.
        case truth
        /// Any other boolean expression; operands: the expression itself.
        case other
    }

    /// The check as written (`household.desil <= desil_maks`, `not bpjs_tk_active`).
    public var text: String
    public var range: SourceRange
    public var kind: Kind
    /// For `between`, `membership`, `present` and `truth`: the check passes when the test is false.
    public var negated: Bool
    public var operands: [TraceOperand]
    public var outcome: RuleOutcome
    /// The check as a checked expression (negation included): what re-evaluation compiles.
    public var expression: TypedExpr
}

/// A value a check read, as people read it.
public struct TraceOperand: Sendable {
    public enum Role: String, Sendable, Hashable, Codable {
        /// A stored field (`household.desil`).
        case data
        /// Computed from stored fields (`age_on(as_of)`, `working_days_between(…)`).
        case computed
        /// A policy parameter (`desil_maks`).
        case parameter
        /// `as_of` or `budget_year`.
        case builtin
        /// A literal or an enum code written in the rule (`bpu`, `18`).
        case constant
    }

    /// The operand as written (`household.desil`, `desil_maks`, `age_on(as_of)`).
    public var text: String
    public var value: DisplayValue
    public var role: Role
    /// The stored fields the value comes from (one for a field; the birth date for `age_on`).
    public var fields: [FieldPath]
    public var expression: TypedExpr

    /// True for values read from the subject's data (stored or computed from it).
    public var isData: Bool { role == .data || role == .computed }
}

extension CompiledPolicy {
    /// The full trace of one subject: every rule in order with its outcome and, for `require`
    /// rules, each check with the values it compared. Sub-expressions are compiled here, on
    /// demand, with the policy's own compiler, so the values are exactly those the run saw.
    public func trace(_ input: EvalInput, row: Int) -> SubjectTrace {
        let evaluation = evaluate(input, row: row)
        let tracer = Tracer(policy: self, input: input, row: row)
        var traces: [RuleTrace] = []
        traces.reserveCapacity(checked.rules.count)
        var depths = [Int](repeating: 0, count: checked.rules.count)
        for (i, rule) in checked.rules.enumerated() {
            if let parent = rule.parent, parent < depths.count { depths[i] = depths[parent] + 1 }
            var trace = RuleTrace(rule: i, depth: depths[i], outcome: evaluation.outcome(of: i), checks: [], condition: nil)
            if case .require(let condition) = rule.kind {
                var checks: [CheckTrace] = []
                trace.condition = tracer.tree(condition, negated: false, into: &checks)
                trace.checks = checks
            }
            traces.append(trace)
        }
        // A subject whose evaluation faulted has no failing set to speak of: report what the checks saw.
        if evaluation.fault != nil {
            for i in traces.indices where !traces[i].checks.isEmpty {
                traces[i].outcome = tracer.combine(traces[i].condition, traces[i].checks)
            }
        }
        return SubjectTrace(evaluation: evaluation, rules: traces)
    }
}

/// Splits conditions into checks and reads their values for one subject.
struct Tracer {
    let policy: CompiledPolicy
    let input: EvalInput
    let row: Int
    let parameterNames: Set<String>

    init(policy: CompiledPolicy, input: EvalInput, row: Int) {
        self.policy = policy
        self.input = input
        self.row = row
        parameterNames = Set(policy.checked.parameters.map(\.name))
    }

    var compiler: Compiler { policy.compiler }
    var schema: Schema { policy.checked.schema }

    /// The tree of `e` with `not` pushed down to the leaves; appends the leaves to `checks`.
    func tree(_ e: TypedExpr, negated: Bool, into checks: inout [CheckTrace]) -> CheckTree {
        switch e.kind {
        case .and(let a, let b) where !Self.isBetween(e):
            let parts = [tree(a, negated: negated, into: &checks), tree(b, negated: negated, into: &checks)]
            return negated ? Self.flatten(any: parts) : Self.flatten(all: parts)
        case .or(let a, let b):
            let parts = [tree(a, negated: negated, into: &checks), tree(b, negated: negated, into: &checks)]
            return negated ? Self.flatten(all: parts) : Self.flatten(any: parts)
        case .not(let x):
            if Self.isConnective(x) { return tree(x, negated: !negated, into: &checks) }
            checks.append(leaf(x, negated: !negated, written: negated ? x : e))
            return .check(checks.count - 1)
        default:
            checks.append(leaf(e, negated: negated, written: negated ? Self.not(e) : e))
            return .check(checks.count - 1)
        }
    }

    static func isConnective(_ e: TypedExpr) -> Bool {
        switch e.kind {
        case .and: return !isBetween(e)
        case .or, .not: return true
        default: return false
        }
    }

    /// `between(x, lo, hi)`, which the checker writes as `lo <= x and x <= hi`.
    static func isBetween(_ e: TypedExpr) -> Bool {
        guard case .and(let a, let b) = e.kind, e.text.hasPrefix("between("),
            case .compare(.lessEqual, _, let x1) = a.kind, case .compare(.lessEqual, let x2, _) = b.kind
        else { return false }
        return x1.text == x2.text
    }

    static func flatten(all parts: [CheckTree]) -> CheckTree {
        .all(parts.flatMap { if case .all(let inner) = $0 { inner } else { [$0] } })
    }

    static func flatten(any parts: [CheckTree]) -> CheckTree {
        .any(parts.flatMap { if case .any(let inner) = $0 { inner } else { [$0] } })
    }

    static func not(_ e: TypedExpr) -> TypedExpr {
        TypedExpr(.not(e), .boolean, nullable: e.nullable, range: e.range, text: "not (\(e.text))")
    }

    /// One check: `e` is the test, `negated` whether it must be false, `written` the check as an expression.
    func leaf(_ e: TypedExpr, negated: Bool, written: TypedExpr) -> CheckTrace {
        var kind = CheckTrace.Kind.other
        var operands: [TypedExpr] = []
        var isNegated = negated
        switch e.kind {
        case .compare(let op, let a, let b):
            kind = .compare(negated ? op.negated : op)
            operands = [a, b]
            isNegated = false
        case .and(let lo, let hi) where Self.isBetween(e):
            if case .compare(_, let l, let x) = lo.kind, case .compare(_, _, let h) = hi.kind {
                kind = .between
                operands = [x, l, h]
            }
        case .membership(let x, let list, let inverted):
            kind = .membership
            operands = [x, list]
            isNegated = negated != inverted
        case .isPresent(let x):
            kind = .present
            operands = [x]
        case .linkPresent(let path):
            kind = .present
            operands = [linkKey(path, at: e.range) ?? e]
        case .field:
            kind = .truth
            operands = [e]
        default:
            operands = [e]
        }
        return CheckTrace(
            text: written.text, range: written.range, kind: kind, negated: isNegated, operands: operands.map(operand),
            outcome: outcome(written), expression: written)
    }

    /// The field of the root record that holds the first link's key (`deceased_person_id` for `deceased`).
    func linkKey(_ path: LinkPath, at range: SourceRange) -> TypedExpr? {
        guard let step = path.steps.first, step.entity < schema.entities.count else { return nil }
        let entity = schema.entities[step.entity]
        guard step.link < entity.links.count else { return nil }
        let via = entity.links[step.link].via
        let field = entity.fields[via]
        let fieldPath = FieldPath(links: LinkPath(root: path.root, steps: [], entity: step.entity, text: ""), field: via, text: field.name)
        return TypedExpr(.field(fieldPath), ValueType(field.type, name: field.name), nullable: field.optional, range: range, text: field.name)
    }

    func outcome(_ e: TypedExpr) -> RuleOutcome {
        let f = compiler.cell(e)
        do throws(EvalFault) {
            return RuleOutcome(cell: try f(input, row))
        } catch {
            return .unknown
        }
    }

    func operand(_ e: TypedExpr) -> TraceOperand {
        let value = compiler.display(e)(input, row, nil)
        let fields = e.fieldsRead
        let role: TraceOperand.Role
        switch e.kind {
        case .field: role = .data
        case .constant, .rational, .text, .list, .textList, .null:
            if parameterNames.contains(e.text) || parameterNames.contains(String(e.text.prefix { $0 != "." })) {
                role = .parameter
            } else if e.text == "as_of" || e.text == "budget_year" {
                role = .builtin
            } else {
                role = .constant
            }
        default: role = fields.isEmpty ? .constant : .computed
        }
        return TraceOperand(text: e.text, value: value, role: role, fields: fields, expression: e)
    }


    /// A `require` rule's outcome from its checks (used when the evaluation itself faulted).
    func combine(_ tree: CheckTree?, _ checks: [CheckTrace]) -> RuleOutcome {
        guard let tree else { return .unknown }
        switch tree {
        case .check(let i): return i < checks.count ? checks[i].outcome : .unknown
        case .all(let parts):
            let outcomes = parts.map { combine($0, checks) }
            if outcomes.contains(.fail) { return .fail }
            return outcomes.contains(.unknown) ? .unknown : .pass
        case .any(let parts):
            let outcomes = parts.map { combine($0, checks) }
            if outcomes.contains(.pass) { return .pass }
            return outcomes.contains(.unknown) ? .unknown : .fail
        }
    }
}
