import TepatCheck
import TepatModel

/// What would change a rejection: the rules that block the subject and, for each, the nearest
/// values that would make it pass. Every suggested change is true by construction: a change with
/// an `edit` makes its check pass when the edit is applied to the data (`EvalInput.applying`).
public struct Counterfactual: Sendable {
    /// The failing top-level rules, in order: the smallest set of rules that blocks the subject
    /// (each must pass for the subject to be eligible).
    public var blocking: [Int]
    /// Top-level rules that could not be assessed because a value they read is missing; they are
    /// decided once the blocking rules pass.
    public var notAssessed: [Int]
    /// Failing top-level rules that read only values of a linked record that does not exist
    /// (`deceased.household.desil` when the deceased is not in the member data): they are decided
    /// again once a blocking rule brings the record.
    public var unreadable: [Int]
    /// The link whose record is missing for the `unreadable` rules (`deceased`).
    public var missingRecord: String?
    /// One per blocking rule, in the same order.
    public var remedies: [Remedy]

    /// True when a single rule blocks the subject and nothing else is left undecided
    /// ("hanya terhalang aturan desil").
    public var isSingleBlocker: Bool { blocking.count == 1 && notAssessed.isEmpty && unreadable.isEmpty }
}

/// The ways to make one rule pass.
public struct Remedy: Sendable {
    /// A top-level rule (index into `CheckedPolicy.rules`).
    public var rule: Int
    /// Alternatives, best first; every change of one alternative is needed. For an `any` group,
    /// one alternative per branch.
    public var options: [[SuggestedChange]]
}

/// One value that must change for one check to pass.
public struct SuggestedChange: Sendable {
    /// The `require` rule and the index of the check in its `RuleTrace.checks`.
    public var rule: Int
    public var check: Int
    /// The value that must change (`household.desil`, `age_on(as_of)`, `occupation`).
    public var target: TraceOperand
    public var need: Need
    /// The passing value nearest to the current one (`4` for `desil <= 4`; `18` for an age of 17).
    public var nearest: DisplayValue?
    /// For an age that is too low: the day from which the age check passes (the birthday).
    public var qualifiesFrom: Day?
    /// True when the value can never reach what is needed by itself (an age above the maximum).
    public var never: Bool
    /// A change of one stored cell that makes the check pass, when there is one.
    public var edit: CellEdit?
    /// Set when the value is read through a link whose record does not exist (`deceased`): the
    /// link's text.
    public var missingRecord: String?
    /// Who can correct the value, or that it cannot be changed.
    public var correction: Correction
}

/// What a value must be for a check to pass.
public enum Need: Sendable, Hashable {
    /// `target op value` (`≤ 4`, `== bpu`).
    case compare(CompareOperator, DisplayValue)
    /// Between the two values, inclusive (when the current value is missing).
    case within(DisplayValue, DisplayValue)
    case oneOf([DisplayValue])
    case noneOf([DisplayValue])
    /// The value must be filled in.
    case present
    /// The value must be empty.
    case absent
    case truth(Bool)
    /// The expression must become true (no simpler form is known).
    case holds
}

/// A new value for one stored cell: `input.tables[entity].columns[field][row] = cell`.
public struct CellEdit: Sendable, Hashable {
    public var entity: Int
    public var field: Int
    public var row: Int
    public var cell: Cell
}

/// Where a value is kept and whether the resident can get it changed.
public struct Correction: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The resident can have the value updated where it is kept (`source`).
        case correctable
        /// A fact that does not change (an age, a date that has passed): only a record that is
        /// wrong can be corrected, at `source`.
        case fixed
    }

    public var kind: Kind
    /// The schema's `source:` of the first field read (`dtks`, `dukcapil`, `bpjs`, `permohonan`).
    public var source: String?
    /// The stored fields behind the value (`birth_date` for an age).
    public var fields: [String]
    /// The `source:` of each of `fields`.
    public var sources: [String?]
}

extension EvalInput {
    /// A copy with the edits applied (columns a table does not keep are left alone).
    public func applying(_ edits: [CellEdit]) -> EvalInput {
        var copy = self
        for edit in edits where edit.entity >= 0 && edit.entity < copy.tables.count {
            let f = edit.field
            guard f >= 0, f < copy.tables[edit.entity].columns.count, edit.row >= 0,
                edit.row < copy.tables[edit.entity].columns[f].count
            else { continue }
            copy.tables[edit.entity].columns[f][edit.row] = edit.cell
        }
        return copy
    }
}

extension CompiledPolicy {
    /// The counterfactual for a traced subject (`trace(input, row:)`): empty `blocking` when no
    /// rule fails.
    public func counterfactual(_ trace: SubjectTrace, _ input: EvalInput, row: Int) -> Counterfactual {
        let builder = CounterfactualBuilder(policy: self, trace: trace, input: input, row: row)
        var blocking: [Int] = [], notAssessed: [Int] = [], unreadable: [Int] = [], remedies: [Remedy] = []
        var missing: String?
        for t in checked.topLevel where t < trace.rules.count {
            switch trace.rules[t].outcome {
            case .fail:
                let options = builder.options(rule: t)
                if !options.isEmpty, options.allSatisfy({ $0.allSatisfy { $0.missingRecord != nil } }) {
                    unreadable.append(t)
                    missing = missing ?? options.first?.first?.missingRecord
                } else {
                    blocking.append(t)
                    remedies.append(Remedy(rule: t, options: options))
                }
            case .unknown: notAssessed.append(t)
            case .pass: break
            }
        }
        // Never leave nothing to change: if every failing rule reads a missing record, they all block.
        if blocking.isEmpty, !unreadable.isEmpty {
            blocking = unreadable
            remedies = unreadable.map { Remedy(rule: $0, options: builder.options(rule: $0)) }
            unreadable = []
            missing = nil
        }
        return Counterfactual(
            blocking: blocking, notAssessed: notAssessed, unreadable: unreadable, missingRecord: missing, remedies: remedies)
    }
}

struct CounterfactualBuilder {
    let policy: CompiledPolicy
    let trace: SubjectTrace
    let input: EvalInput
    let row: Int
    static let maxOptions = 6

    var compiler: Compiler { policy.compiler }
    var schema: Schema { policy.checked.schema }

    /// The alternatives that make rule `r` pass, as changes, best first.
    func options(rule r: Int) -> [[SuggestedChange]] {
        let raw = checkOptions(rule: r)
        var built: [[SuggestedChange]] = []
        for option in raw {
            let all = option.map { change(rule: $0.rule, check: $0.check) }
            // `present(x)` is implied by another change of the same value (`x <= 4`).
            let changes = all.filter { c in
                !(c.need == .present && all.contains { $0.need != .present && $0.target.fields == c.target.fields && !c.target.fields.isEmpty })
            }
            if !changes.isEmpty { built.append(changes) }
        }
        let ranked = built.enumerated().sorted { a, b in
            let x = Self.rank(a.element), y = Self.rank(b.element)
            return x != y ? x.lexicographicallyPrecedes(y) : a.offset < b.offset
        }
        return ranked.map { $0.element }
    }

    /// Never-passing options last, then fewer changes, then fewer fixed facts, then fewer "make it empty".
    static func rank(_ option: [SuggestedChange]) -> [Int] {
        [
            option.contains { $0.never } ? 1 : 0, option.count, option.filter { $0.correction.kind == .fixed }.count,
            option.filter { $0.need == .absent }.count,
        ]
    }

    struct CheckRef: Hashable {
        var rule: Int
        var check: Int
    }

    /// Alternatives as sets of checks that must change.
    func checkOptions(rule r: Int) -> [[CheckRef]] {
        let rule = trace.rules[r]
        if rule.outcome == .pass { return [[]] }
        switch policy.checked.rules[r].kind {
        case .require:
            guard let tree = rule.condition else { return [] }
            return repair(tree, rule: r)
        case .all(let children):
            var acc: [[CheckRef]] = [[]]
            for c in children where trace.rules[c].outcome != .pass {
                acc = Self.product(acc, checkOptions(rule: c))
            }
            return acc
        case .any(let children):
            var out: [[CheckRef]] = []
            for c in children { out += checkOptions(rule: c).filter { !$0.isEmpty } }
            return Self.limit(out)
        }
    }

    func repair(_ tree: CheckTree, rule r: Int) -> [[CheckRef]] {
        switch tree {
        case .check(let i):
            return trace.rules[r].checks[i].outcome == .pass ? [[]] : [[CheckRef(rule: r, check: i)]]
        case .all(let parts):
            var acc: [[CheckRef]] = [[]]
            for part in parts { acc = Self.product(acc, repair(part, rule: r)) }
            return acc
        case .any(let parts):
            let options = parts.map { repair($0, rule: r) }
            if options.contains(where: { $0.contains { $0.isEmpty } }) { return [[]] }
            return Self.limit(options.flatMap { $0 })
        }
    }

    static func product(_ a: [[CheckRef]], _ b: [[CheckRef]]) -> [[CheckRef]] {
        var out: [[CheckRef]] = []
        for x in a {
            for y in b { out.append(x + y.filter { !x.contains($0) }) }
        }
        return limit(out)
    }

    static func limit(_ options: [[CheckRef]]) -> [[CheckRef]] {
        var seen: [[CheckRef]] = []
        for o in options.sorted(by: { $0.count < $1.count }) where !seen.contains(o) { seen.append(o) }
        return Array(seen.prefix(maxOptions))
    }

    // MARK: one check

    func cell(_ e: TypedExpr) -> Cell? {
        let f = compiler.cell(e)
        do throws(EvalFault) {
            let c = try f(input, row)
            return c == .null ? nil : c
        } catch {
            return nil
        }
    }

    func change(rule r: Int, check i: Int) -> SuggestedChange {
        let check = trace.rules[r].checks[i]
        let ops = check.operands
        var target = ops.first ?? TraceOperand(text: check.text, value: .null, role: .computed, fields: [], expression: check.expression)
        var need = Need.holds
        var nearest: Cell?
        var qualifiesFrom: Day?
        var never = false
        switch check.kind {
        case .compare(var op) where ops.count == 2:
            var other = ops[1]
            if !target.isData, other.isData {
                swap(&target, &other)
                op = op.flipped
            }
            guard target.isData else { break }
            need = .compare(op, other.value)
            nearest = cell(other.expression).flatMap { Self.nearest(op, $0, target.expression.type) }
        case .between where ops.count == 3 && !check.negated:
            let (lo, hi) = (ops[1], ops[2])
            if let x = cell(target.expression), let l = cell(lo.expression), let h = cell(hi.expression) {
                if x < l {
                    need = .compare(.greaterEqual, lo.value)
                    nearest = l
                } else {
                    need = .compare(.lessEqual, hi.value)
                    nearest = h
                }
            } else {
                need = .within(lo.value, hi.value)
                nearest = cell(lo.expression)
            }
        case .membership where ops.count == 2:
            let items: [DisplayValue] = if case .list(let values) = ops[1].value { values } else { [ops[1].value] }
            need = check.negated ? .noneOf(items) : .oneOf(items)
            nearest = membershipNearest(target.expression, ops[1].expression, inList: !check.negated)
        case .present:
            need = check.negated ? .absent : .present
            nearest = check.negated ? .null : filledValue(target.expression)
        case .truth:
            need = .truth(!check.negated)
            nearest = check.negated ? 0 : 1
        default:
            break
        }
        // Ages: the birthday from which the age is reached, or never when it is past the maximum.
        var edit: CellEdit?
        if case .call(.ageOn, let args) = target.expression.kind, args.count == 2, let birth = cell(args[0]), let on = cell(args[1]),
            let wanted = nearest
        {
            let born = Day(ordinal: Int(birth)), day = Day(ordinal: Int(on))
            let age = Int64(born.completedYears(on: day))
            if wanted > age {
                if args[1].isConstant { qualifiesFrom = Self.birthday(of: born, years: Int(wanted)) }
            } else if wanted < age {
                never = true
            }
            if case .field(let path) = args[0].kind, let newBirth = Self.birthDate(age: Int(wanted), on: day),
                newBirth.completedYears(on: day) == Int(wanted)
            {
                edit = cellEdit(path, Cell(newBirth.ordinal))
            }
        } else if case .field(let path) = target.expression.kind, let value = nearest {
            edit = cellEdit(path, value)
        }
        if let e = edit, !verify(e, check: check) { edit = nil }
        let shown = nearest.map { displayed($0, target.expression) }
        let missing = target.fields.first { !$0.links.steps.isEmpty && Compiler.rows($0.links)(input, row) < 0 }
        return SuggestedChange(
            rule: r, check: i, target: target, need: need, nearest: shown == .null && need != .absent ? nil : shown,
            qualifiesFrom: qualifiesFrom, never: never, edit: edit, missingRecord: missing.map { Self.missingLink($0, input: input, row: row) },
            correction: correction(target, need: need))
    }

    /// A value that fills an empty field (for `present(x)`): the smallest the field allows.
    func filledValue(_ e: TypedExpr) -> Cell? {
        guard case .field(let path) = e.kind, path.entity < schema.entities.count else { return nil }
        switch schema.entities[path.entity].fields[path.field].type {
        case .integer(let min, _): return min ?? 0
        case .money, .boolean, .enumeration: return 0
        case .date: return Cell(policy.checked.asOf.ordinal)
        case .month:
            let c = policy.checked.asOf.civil
            return Month(year: c.year, month: c.month).map { Cell($0.ordinal) }
        case .string, .digits: return nil
        }
    }

    /// The passing value nearest to any value, for `x op c`.
    static func nearest(_ op: CompareOperator, _ c: Cell, _ type: ValueType) -> Cell? {
        let stepped: Bool
        switch type {
        case .integer, .money, .date, .month: stepped = true
        case .decimal: return nil
        default: stepped = false
        }
        switch op {
        case .equal: return c
        case .notEqual: return nil
        case .lessEqual, .greaterEqual: return stepped ? c : nil
        case .less: return stepped && c > .min + 1 ? c - 1 : nil
        case .greater: return stepped && c < .max ? c + 1 : nil
        }
    }

    /// The first value of the list (`in`), or the first code of the enum outside it (`not in`).
    func membershipNearest(_ x: TypedExpr, _ list: TypedExpr, inList: Bool) -> Cell? {
        switch list.kind {
        case .list(let cells):
            if inList { return cells.first }
            if case .enumeration(let domain) = x.type {
                return domain.values.indices.map { Cell($0) }.first { !cells.contains($0) }
            }
            return nil
        case .textList(let items):
            guard inList, let first = items.first, case .field(let path) = x.kind else { return nil }
            return input.tables[path.entity].strings.id(of: first)
        default:
            return nil
        }
    }

    func cellEdit(_ path: FieldPath, _ value: Cell) -> CellEdit? {
        let r = Compiler.rows(path.links)(input, row)
        guard r >= 0, path.entity < input.tables.count, path.field < input.tables[path.entity].columns.count,
            r < input.tables[path.entity].columns[path.field].count
        else { return nil }
        return CellEdit(entity: path.entity, field: path.field, row: r, cell: value)
    }

    /// Whether the edit really makes the check pass (it always should; this keeps the promise).
    func verify(_ edit: CellEdit, check: CheckTrace) -> Bool {
        let edited = input.applying([edit])
        let f = compiler.cell(check.expression)
        do throws(EvalFault) {
            return try f(edited, row) == 1
        } catch {
            return false
        }
    }

    func displayed(_ c: Cell, _ e: TypedExpr) -> DisplayValue {
        if c == .null { return .null }
        if e.type == .string, case .field(let path) = e.kind { return .text(input.tables[path.entity].strings[c]) }
        if case .call(.ageOn, _) = e.kind { return .integer(c) }
        return Compiler.displayCell(c, e.type, strings: nil)
    }

    /// The text of the first link on `path` whose record is missing (`deceased` in `deceased.household.desil`).
    static func missingLink(_ path: FieldPath, input: EvalInput, row: Int) -> String {
        let names = path.text.split(separator: ".").map(String.init)
        for k in 1...max(1, path.links.steps.count) {
            let prefix = LinkPath(root: path.links.root, steps: Array(path.links.steps.prefix(k)), entity: path.links.entity, text: "")
            if Compiler.rows(prefix)(input, row) < 0 { return names.prefix(k).joined(separator: ".") }
        }
        return path.links.text
    }

    func correction(_ target: TraceOperand, need: Need) -> Correction {
        var sources: [String?] = []
        var names: [String] = []
        var dated = false
        for path in target.fields where path.entity < schema.entities.count {
            let field = schema.entities[path.entity].fields[path.field]
            sources.append(field.source)
            names.append(field.name)
            if case .date = field.type { dated = true }
        }
        var fixed = false
        switch target.expression.kind {
        case .call(.ageOn, _), .call(.workingDaysBetween, _), .call(.daysBetween, _): fixed = target.value != .null
        // A date that is recorded is a fact; an empty one can be recorded (a death registered).
        case .field: fixed = dated && need != .present && target.value != .null
        default: fixed = target.role == .computed && dated && target.value != .null
        }
        return Correction(kind: fixed ? .fixed : .correctable, source: sources.compactMap { $0 }.first, fields: names, sources: sources)
    }

    /// The day someone born on `born` completes `years` years (29 February: 1 March in common years).
    static func birthday(of born: Day, years: Int) -> Day? {
        let b = born.civil
        return Day(year: b.year + years, month: b.month, day: b.day) ?? Day(year: b.year + years, month: 3, day: 1)
    }

    /// A birth date that gives exactly `age` completed years on `day`.
    static func birthDate(age: Int, on day: Day) -> Day? {
        let d = day.civil
        return Day(year: d.year - age, month: d.month, day: d.day) ?? Day(year: d.year - age, month: d.month, day: d.day - 1)
    }
}
