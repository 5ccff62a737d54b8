import TepatCheck
import TepatModel

/// A compiled expression: reads cells by column and row, never by name.
public typealias CellFunction = @Sendable (EvalInput, Int) throws(EvalFault) -> Cell
/// A compiled exact-fraction expression; nil is null.
typealias RationalFunction = @Sendable (EvalInput, Int) throws(EvalFault) -> Rational?
/// Follows a link path from the root row; -1 when a link is absent.
typealias RowFunction = @Sendable (EvalInput, Int) -> Int

/// Compiles checked expressions into closures over column slots. Field names were resolved to
/// (entity, column) by the checker; parameters were folded to constants; here the remaining
/// tree becomes nested closures, so evaluation does no look-ups at all.
public struct Compiler: Sendable {
    /// The string constants every table's pool is seeded with, in this order: a constant's cell
    /// is its index here.
    public let strings: [String]
    let stringIds: [String: Int64]
    let calendars: [WorkCalendar]
    /// Per aggregate of the policy: the links from the subject to the record owning the
    /// collection (`EvalInput.aggregates` holds one value per such host record).
    let aggregateHosts: [LinkPath]

    public init(strings: [String], calendars: [WorkCalendar], aggregateHosts: [LinkPath] = []) {
        self.strings = strings
        var ids: [String: Int64] = [:]
        for (i, s) in strings.enumerated() where ids[s] == nil { ids[s] = Int64(i) }
        self.stringIds = ids
        self.calendars = calendars
        self.aggregateHosts = aggregateHosts
    }

    func stringId(_ s: String) -> Int64 { stringIds[s] ?? -2 }  // -2 never matches a pooled id

    /// The ordinals of 0001-01-01 … 9999-12-31: the dates there are.
    static let days = Int64(Day(year: 1, month: 1, day: 1)!.ordinal)...Int64(Day(year: 9999, month: 12, day: 31)!.ordinal)

    static func rows(_ path: LinkPath) -> RowFunction {
        let steps = path.steps.map { ($0.entity, $0.link) }
        switch steps.count {
        case 0: return { _, row in row }
        case 1:
            let (e, l) = steps[0]
            return { input, row in Int(input.tables[e].links[l][row]) }
        default:
            return { input, row in
                var r = row
                for (e, l) in steps {
                    r = Int(input.tables[e].links[l][r])
                    if r < 0 { return -1 }
                }
                return r
            }
        }
    }

    /// Compiles an expression whose value is a cell (everything but decimals and text).
    public func cell(_ e: TypedExpr) -> CellFunction {
        if e.type == .decimal {
            // Only comparisons and rounding consume decimals; reaching here is a checker bug.
            let r = rational(e)
            return { input, row throws(EvalFault) in (try r(input, row)) == nil ? .null : 0 }
        }
        switch e.kind {
        case .constant(let c): return { _, _ in c }
        case .null: return { _, _ in .null }
        case .text(let s):
            let id = stringId(s)
            return { _, _ in id }
        case .rational, .list, .textList:
            return { _, _ in .null }
        case .field(let path):
            let entity = path.entity, field = path.field
            if path.links.steps.isEmpty {
                return { input, row in input.tables[entity].columns[field][row] }
            }
            let rows = Self.rows(path.links)
            return { input, row in
                let r = rows(input, row)
                return r < 0 ? .null : input.tables[entity].columns[field][r]
            }
        case .linkPresent(let path):
            let rows = Self.rows(path)
            return { input, row in rows(input, row) >= 0 ? 1 : 0 }
        case .isPresent(let x):
            if let r = FieldRead(x) { return isPresent(r) }
            return isPresent(CompiledRead(function: cell(x)))
        case .not(let x):
            if let r = FieldRead(x) { return not(r) }
            return not(CompiledRead(function: cell(x)))
        case .negate(let x):
            // Every cell but the null one (Int64.min) has a negation.
            let f = cell(x)
            return { input, row throws(EvalFault) in
                let v = try f(input, row)
                return v == .null ? .null : -v
            }
        case .and(let a, let b):
            if let between = within(a, b) { return between }
            let fa = cell(a), fb = cell(b)
            return { input, row throws(EvalFault) in
                let x = try fa(input, row)
                if x == 0 { return 0 }
                let y = try fb(input, row)
                if y == 0 { return 0 }
                return x == .null || y == .null ? .null : 1
            }
        case .or(let a, let b):
            let fa = cell(a), fb = cell(b)
            return { input, row throws(EvalFault) in
                let x = try fa(input, row)
                if x == 1 { return 1 }
                let y = try fb(input, row)
                if y == 1 { return 1 }
                return x == .null || y == .null ? .null : 0
            }
        case .compare(let op, let a, let b):
            return compare(op, a, b)
        case .membership(let x, let list, let negated):
            return membership(x, list, negated)
        case .arithmetic(let op, let a, let b):
            return arithmetic(op, a, b, e)
        case .coalesce(let a, let b):
            let fa = cell(a), fb = cell(b)
            return { input, row throws(EvalFault) in
                let v = try fa(input, row)
                return v == .null ? try fb(input, row) : v
            }
        case .call(let builtin, let args):
            return call(builtin, args, e)
        case .aggregate(let index):
            // The values are per host record: follow the links from the subject to it.
            let host = index < aggregateHosts.count ? Self.rows(aggregateHosts[index]) : nil
            return { input, row in
                let h = host?(input, row) ?? row
                guard h >= 0, index < input.aggregates.count, h < input.aggregates[index].count else { return .null }
                return input.aggregates[index][h]
            }
        case .allocationValue:
            return { _, _ in .null }
        }
    }

    private func compare(_ op: CompareOperator, _ a: TypedExpr, _ b: TypedExpr) -> CellFunction {
        if a.type == .decimal || b.type == .decimal {
            let fa = rational(a), fb = rational(b)
            return { input, row throws(EvalFault) in
                let p = try fa(input, row), q = try fb(input, row)
                guard let x = p, let y = q else { return .null }
                let result: Bool =
                    switch op {
                    case .equal: x == y
                    case .notEqual: x != y
                    case .less: x < y
                    case .lessEqual: !(y < x)
                    case .greater: y < x
                    case .greaterEqual: !(x < y)
                    }
                return result ? 1 : 0
            }
        }
        // Strings read from tables with different pools (`deceased.household.city_code` vs an
        // application's, directly or through `??`) have unrelated ids: compare their text.
        if a.type == .string, b.type == .string, Self.stringTables(a).union(Self.stringTables(b)).count > 1 {
            let fa = text(a), fb = text(b)
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                guard let x, let y else { return .null }
                return (x == y) == (op == .equal) ? 1 : 0
            }
        }
        // The common shape `field op constant` (either way round) gets one closure, with the
        // constant inlined and the field read in place.
        if let k = constantCell(b) {
            if let r = FieldRead(a) { return compare(op, r, k) }
            return compare(op, CompiledRead(function: cell(a)), k)
        }
        if let k = constantCell(a) {
            if let r = FieldRead(b) { return compare(op.flipped, r, k) }
            return compare(op.flipped, CompiledRead(function: cell(b)), k)
        }
        let fa = cell(a), fb = cell(b)
        return { input, row throws(EvalFault) in
            let x = try fa(input, row), y = try fb(input, row)
            if x == .null || y == .null { return .null }
            return op.holds(x, y) ? 1 : 0
        }
    }

    /// The cell of a constant operand (a string constant's id), or nil; never the null cell.
    private func constantCell(_ e: TypedExpr) -> Cell? {
        switch e.kind {
        case .constant(let c): c == .null ? nil : c
        case .text(let s): stringId(s)
        default: nil
        }
    }

    /// `low <= x and x <= high` with constant bounds and one operand `x` (what `between(x, low,
    /// high)` is checked into): one closure reading `x` once, where the `and` of two comparisons
    /// would work `x` out twice (`age_on(as_of)` for every member).
    private func within(_ a: TypedExpr, _ b: TypedExpr) -> CellFunction? {
        guard case .compare(.lessEqual, let low, let x) = a.kind, case .compare(.lessEqual, let same, let high) = b.kind,
            case .constant(let lo) = low.kind, case .constant(let hi) = high.kind, lo != .null, hi != .null,
            x.text == same.text, x.range == same.range, x.type == same.type, !x.isConstant
        else { return nil }
        switch x.type {
        case .integer, .money, .date, .month: break
        default: return nil
        }
        if let r = FieldRead(x) { return within(r, lo, hi) }
        return within(CompiledRead(function: cell(x)), lo, hi)
    }

    /// The tables whose string pools a string expression's ids may come from (constants are
    /// seeded into every pool with the same id, so they add none).
    static func stringTables(_ e: TypedExpr) -> Set<Int> {
        switch e.kind {
        case .field(let path): [path.entity]
        case .coalesce(let a, let b): stringTables(a).union(stringTables(b))
        default: []
        }
    }

    /// The text of a string expression; nil is null.
    private func text(_ e: TypedExpr) -> @Sendable (EvalInput, Int) throws(EvalFault) -> String? {
        switch e.kind {
        case .field(let path):
            let f = cell(e)
            let entity = path.entity
            return { input, row throws(EvalFault) in
                let c = try f(input, row)
                return c == .null ? nil : input.tables[entity].strings[c]
            }
        case .text(let s): return { _, _ in s }
        case .coalesce(let a, let b):
            let fa = text(a), fb = text(b)
            return { input, row throws(EvalFault) in
                if let v = try fa(input, row) { return v }
                return try fb(input, row)
            }
        default: return { _, _ in nil }
        }
    }

    private func membership(_ x: TypedExpr, _ list: TypedExpr, _ negated: Bool) -> CellFunction {
        let fx = cell(x)
        var members: [Cell] = []
        switch list.kind {
        case .list(let cells): members = cells
        case .textList(let items): members = items.map(stringId)
        default: break
        }
        if x.type == .decimal {
            let rx = rational(x)
            let set = members.map { Rational($0) }
            return { input, row throws(EvalFault) in
                guard let v = try rx(input, row) else { return .null }
                return set.contains(v) != negated ? 1 : 0
            }
        }
        // Enum codes below 64 become a bit mask; anything else a sorted array.
        if case .enumeration = x.type, members.allSatisfy({ $0 >= 0 && $0 < 64 }) {
            let mask = members.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
            if let r = FieldRead(x) { return member(r, mask: mask, negated: negated) }
            return member(CompiledRead(function: fx), mask: mask, negated: negated)
        }
        let sorted = members.sorted()
        if let r = FieldRead(x) { return member(r, sorted: sorted, negated: negated) }
        return member(CompiledRead(function: fx), sorted: sorted, negated: negated)
    }

    private func arithmetic(_ op: ArithmeticOperator, _ a: TypedExpr, _ b: TypedExpr, _ e: TypedExpr) -> CellFunction {
        let fa = cell(a), fb = cell(b)
        let text = e.text
        // A result must not be the null cell; a date must stay a calendar date (`date ± days`).
        let valid = e.type == .date ? Self.days : (Int64.min + 1)...Int64.max
        switch op {
        case .add:
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                if x == .null || y == .null { return .null }
                let (v, o) = x.addingReportingOverflow(y)
                if o || !valid.contains(v) { throw EvalFault(message: "overflows", expression: text) }
                return v
            }
        case .subtract:
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                if x == .null || y == .null { return .null }
                let (v, o) = x.subtractingReportingOverflow(y)
                if o || !valid.contains(v) { throw EvalFault(message: "overflows", expression: text) }
                return v
            }
        case .multiply:
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                if x == .null || y == .null { return .null }
                let (v, o) = x.multipliedReportingOverflow(by: y)
                if o || !valid.contains(v) { throw EvalFault(message: "overflows", expression: text) }
                return v
            }
        case .divide:
            return { _, _ in .null }  // division is always decimal-typed
        }
    }

    private func call(_ builtin: Builtin, _ args: [TypedExpr], _ e: TypedExpr) -> CellFunction {
        let text = e.text
        switch builtin {
        case .ageOn:
            let fb = cell(args[0]), fd = cell(args[1])
            if case .constant(let d) = args[1].kind, d != .null, Self.days.contains(d) {
                // The usual case, `age_on(as_of)`: the reference date is known now.
                if let r = FieldRead(args[0]) { return ageOn(r, Day(ordinal: Int(d))) }
                return ageOn(CompiledRead(function: fb), Day(ordinal: Int(d)))
            }
            return { input, row throws(EvalFault) in
                let b = try fb(input, row), d = try fd(input, row)
                if b == .null || d == .null { return .null }
                return Int64(Day(ordinal: Int(b)).completedYears(on: Day(ordinal: Int(d))))
            }
        case .workingDaysBetween:
            let fa = cell(args[0]), fb = cell(args[1])
            guard case .constant(let c) = args[2].kind, Int(c) < calendars.count else { return { _, _ in .null } }
            let calendar = calendars[Int(c)]
            return { input, row throws(EvalFault) in
                let a = try fa(input, row), b = try fb(input, row)
                if a == .null || b == .null { return .null }
                return Int64(calendar.workingDays(from: Day(ordinal: Int(a)), to: Day(ordinal: Int(b))))
            }
        case .daysBetween:
            let fa = cell(args[0]), fb = cell(args[1])
            return { input, row throws(EvalFault) in
                let a = try fa(input, row), b = try fb(input, row)
                return a == .null || b == .null ? .null : b - a
            }
        case .round, .floor, .ceil:
            let fx = rational(args[0])
            let fs: CellFunction? = args.count == 2 ? cell(args[1]) : nil
            let mode: Rational.Rounding = builtin == .round ? .halfAwayFromZero : builtin == .floor ? .down : .up
            return { input, row throws(EvalFault) in
                let value = try fx(input, row)
                let step = try fs?(input, row) ?? 1
                guard let x = value, step != .null else { return .null }
                guard let v = x.rounded(mode, step: step), v != .null else { throw EvalFault(message: "overflows", expression: text) }
                return v
            }
        case .min, .max:
            let fa = cell(args[0]), fb = cell(args[1])
            let isMin = builtin == .min
            return { input, row throws(EvalFault) in
                let a = try fa(input, row), b = try fb(input, row)
                if a == .null || b == .null { return .null }
                return isMin ? Swift.min(a, b) : Swift.max(a, b)
            }
        case .year, .month:
            let fd = cell(args[0])
            let isYear = builtin == .year
            return { input, row throws(EvalFault) in
                let d = try fd(input, row)
                if d == .null { return .null }
                let c = Day(ordinal: Int(d)).civil
                return Int64(isYear ? c.year : c.month)
            }
        }
    }

    /// Compiles a decimal-valued expression (or widens an integer/money one).
    func rational(_ e: TypedExpr) -> RationalFunction {
        if e.type != .decimal {
            let f = cell(e)
            return { input, row throws(EvalFault) in
                let v = try f(input, row)
                return v == .null ? nil : Rational(v)
            }
        }
        let text = e.text
        switch e.kind {
        case .rational(let r): return { _, _ in r }
        case .constant(let c): return { _, _ in Rational(c) }
        case .negate(let x):
            let f = rational(x)
            return { input, row throws(EvalFault) in
                guard let v = try f(input, row) else { return nil }
                guard let n = Rational(0).subtracting(v) else { throw EvalFault(message: "overflows", expression: text) }
                return n
            }
        case .arithmetic(let op, let a, let b):
            let fa = rational(a), fb = rational(b)
            return { input, row throws(EvalFault) in
                let p = try fa(input, row), q = try fb(input, row)
                guard let x = p, let y = q else { return nil }
                let r: Rational?
                switch op {
                case .add: r = x.adding(y)
                case .subtract: r = x.subtracting(y)
                case .multiply: r = x.multiplied(by: y)
                case .divide:
                    if y.numerator == 0 { throw EvalFault(message: "divides by zero", expression: text) }
                    r = x.divided(by: y)
                }
                guard let r else { throw EvalFault(message: "overflows", expression: text) }
                return r
            }
        case .coalesce(let a, let b):
            let fa = rational(a), fb = rational(b)
            return { input, row throws(EvalFault) in
                if let v = try fa(input, row) { return v }
                return try fb(input, row)
            }
        case .call(let builtin, let args) where builtin == .min || builtin == .max:
            let fa = rational(args[0]), fb = rational(args[1])
            let isMin = builtin == .min
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                guard let x, let y else { return nil }
                return isMin ? (y < x ? y : x) : (x < y ? y : x)
            }
        default:
            // An integer or money expression the checker widened to decimal (`household.desil > 2.5`,
            // `desil ?? 0.5`): compile it as a whole number and widen its value.
            var whole = e
            whole.type = .integer
            return rational(whole)
        }
    }
}
