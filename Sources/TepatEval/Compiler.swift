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

    public init(strings: [String], calendars: [WorkCalendar]) {
        self.strings = strings
        var ids: [String: Int64] = [:]
        for (i, s) in strings.enumerated() where ids[s] == nil { ids[s] = Int64(i) }
        self.stringIds = ids
        self.calendars = calendars
    }

    func stringId(_ s: String) -> Int64 { stringIds[s] ?? -2 }  // -2 never matches a pooled id

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
            let f = cell(x)
            return { input, row throws(EvalFault) in try f(input, row) == .null ? 0 : 1 }
        case .not(let x):
            let f = cell(x)
            return { input, row throws(EvalFault) in
                let v = try f(input, row)
                return v == .null ? .null : (v == 0 ? 1 : 0)
            }
        case .negate(let x):
            let f = cell(x)
            let text = e.text
            return { input, row throws(EvalFault) in
                let v = try f(input, row)
                if v == .null { return .null }
                guard v != .min + 1 else { throw EvalFault(message: "overflows", expression: text) }
                return -v
            }
        case .and(let a, let b):
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
            return { input, row in
                guard index < input.aggregates.count, row < input.aggregates[index].count else { return .null }
                return input.aggregates[index][row]
            }
        case .allocationValue:
            return { _, _ in .null }
        }
    }

    private func compare(_ op: CompareOperator, _ a: TypedExpr, _ b: TypedExpr) -> CellFunction {
        if a.type == .decimal || b.type == .decimal {
            let fa = rational(a), fb = rational(b)
            return { input, row throws(EvalFault) in
                guard let x = try fa(input, row), let y = try fb(input, row) else { return .null }
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
        // Two string fields may come from tables with different pools: compare their text.
        if a.type == .string, b.type == .string, case .field(let pa) = a.kind, case .field(let pb) = b.kind, pa.entity != pb.entity {
            let fa = cell(a), fb = cell(b)
            let ea = pa.entity, eb = pb.entity
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                if x == .null || y == .null { return .null }
                let equal = input.tables[ea].strings[x] == input.tables[eb].strings[y]
                return (op == .equal ? equal : !equal) ? 1 : 0
            }
        }
        let fa = cell(a)
        // The common shape `field op constant` gets a closure with the constant inlined.
        if case .constant(let k) = b.kind {
            switch op {
            case .equal: return { input, row throws(EvalFault) in let x = try fa(input, row); return x == .null ? .null : (x == k ? 1 : 0) }
            case .notEqual: return { input, row throws(EvalFault) in let x = try fa(input, row); return x == .null ? .null : (x != k ? 1 : 0) }
            case .less: return { input, row throws(EvalFault) in let x = try fa(input, row); return x == .null ? .null : (x < k ? 1 : 0) }
            case .lessEqual: return { input, row throws(EvalFault) in let x = try fa(input, row); return x == .null ? .null : (x <= k ? 1 : 0) }
            case .greater: return { input, row throws(EvalFault) in let x = try fa(input, row); return x == .null ? .null : (x > k ? 1 : 0) }
            case .greaterEqual: return { input, row throws(EvalFault) in let x = try fa(input, row); return x == .null ? .null : (x >= k ? 1 : 0) }
            }
        }
        let fb = cell(b)
        return { input, row throws(EvalFault) in
            let x = try fa(input, row)
            if x == .null { return .null }
            let y = try fb(input, row)
            if y == .null { return .null }
            return op.holds(x, y) ? 1 : 0
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
            return { input, row throws(EvalFault) in
                let v = try fx(input, row)
                if v == .null { return .null }
                let hit = v >= 0 && v < 64 && mask & (1 << UInt64(v)) != 0
                return hit != negated ? 1 : 0
            }
        }
        let sorted = members.sorted()
        return { input, row throws(EvalFault) in
            let v = try fx(input, row)
            if v == .null { return .null }
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            let hit = lo < sorted.count && sorted[lo] == v
            return hit != negated ? 1 : 0
        }
    }

    private func arithmetic(_ op: ArithmeticOperator, _ a: TypedExpr, _ b: TypedExpr, _ e: TypedExpr) -> CellFunction {
        let fa = cell(a), fb = cell(b)
        let text = e.text
        switch op {
        case .add:
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                if x == .null || y == .null { return .null }
                let (v, o) = x.addingReportingOverflow(y)
                if o || v == .null { throw EvalFault(message: "overflows", expression: text) }
                return v
            }
        case .subtract:
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                if x == .null || y == .null { return .null }
                let (v, o) = x.subtractingReportingOverflow(y)
                if o || v == .null { throw EvalFault(message: "overflows", expression: text) }
                return v
            }
        case .multiply:
            return { input, row throws(EvalFault) in
                let x = try fa(input, row), y = try fb(input, row)
                if x == .null || y == .null { return .null }
                let (v, o) = x.multipliedReportingOverflow(by: y)
                if o || v == .null { throw EvalFault(message: "overflows", expression: text) }
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
                guard let x = try fx(input, row) else { return .null }
                let step = try fs?(input, row) ?? 1
                if step == .null { return .null }
                guard let v = x.rounded(mode, step: step) else { throw EvalFault(message: "overflows", expression: text) }
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
                guard let x = try fa(input, row), let y = try fb(input, row) else { return nil }
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
        default:
            return { _, _ in nil }
        }
    }
}
