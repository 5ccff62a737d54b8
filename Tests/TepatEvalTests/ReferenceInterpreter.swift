import TepatCheck
import TepatModel

/// A value as the language reference (docs/policy-language.md §6) describes it.
///
/// `overflow` stands for any evaluation fault on data (an amount beyond ±9.223.372.036.854.775.807,
/// a division by zero, a rounding step that is not positive): the subject becomes invalid.
enum RefValue: Equatable, CustomStringConvertible {
    case null
    /// integer, money, date (day ordinal), month (month ordinal), enum (code index), digits.
    case int(Int64)
    case rational(Rational)
    case bool(Bool)
    case text(String)
    case overflow

    var description: String {
        switch self {
        case .null: "null"
        case .int(let v): "\(v)"
        case .rational(let r): "\(r)d"
        case .bool(let b): "\(b)"
        case .text(let s): "\"\(s)\""
        case .overflow: "overflow"
        }
    }
}

/// A deliberately naive tree-walking interpreter over `TypedExpr`, written from the language
/// reference and not from `Compiler.swift`: it is the oracle of the differential tests.
///
/// It reads values straight from the tables of a record (`[Table]` + the row of the root record),
/// decides everything by looking at the values (never at pre-computed masks, inlined constants or
/// specialised closures), and counts working days one day at a time.
///
/// Semantics the reference text leaves open, decided here (and therefore what the compiled
/// evaluator is held to):
/// - **Evaluation is strict**: every operand of an operator or function is evaluated, left to
///   right, and a fault in any evaluated operand is a fault of the whole expression — even when
///   another operand is null. Only three constructs skip an operand, because their meaning says the
///   operand cannot matter: `false and x` is false, `true or x` is true (Kleene logic), and
///   `v ?? d` evaluates `d` only when `v` is null. So `a < b` and `b > a` always agree.
/// - **Null propagates**: an operator or function (other than `and`, `or`, `not`… on known values,
///   `??` and `present`) with a null operand is null; a comparison with null is null (unknown).
/// - **Whole numbers** are exact: a result must lie in ±9.223.372.036.854.775.807 (the range the
///   checker's overflow diagnostic names; the 64-bit pattern below it is the null cell), else fault.
///   `date ± days` must give a date that exists (years 1–9999), else fault.
/// - **Decimals** are exact fractions (`Rational`); a `Rational` operation that cannot represent
///   its result is a fault. Rounding divides by the step exactly, rounds the quotient, and
///   multiplies back (a fault when the product is out of range); a step ≤ 0 is a fault.
/// - `working_days_between(a, b)` counts the days in `(a, b]` that are Monday–Friday and not a
///   day off of the calendar; when `b` is before `a` it is minus the count for `(b, a]`
///   (antisymmetric, like `days_between`).
/// - A link that is absent (row -1) makes every field read through it null and `present(link)` false.
/// - `count/any/all(host.c where cond)`: the records of the collection are those whose back-link
///   points at the host record; a record counts when `cond` is true (null does not count). An
///   absent host makes the aggregate null.
struct ReferenceInterpreter {
    /// Days off per calendar index (weekends are never working days whatever the list says).
    let daysOff: [Set<Int>]
    let aggregates: [CheckedAggregate]

    init(calendars: [WorkCalendar], aggregates: [CheckedAggregate] = []) {
        daysOff = calendars.map { Set($0.daysOff.map(\.day.ordinal)) }
        self.aggregates = aggregates
    }

    private struct Fault: Error {}

    /// The value of `e` for the record at `row` of the root entity's table.
    func evaluate(_ e: TypedExpr, _ tables: [Table], row: Int) -> RefValue {
        do {
            return try eval(e, tables, row)
        } catch {
            return .overflow
        }
    }

    // MARK: Reading records

    /// Follows the links of `path` from `row`; nil when a link is absent.
    func follow(_ path: LinkPath, _ tables: [Table], _ row: Int) -> Int? {
        var current = row
        for step in path.steps {
            let next = Int(tables[step.entity].links[step.link][current])
            if next < 0 { return nil }
            current = next
        }
        return current
    }

    /// A stored cell as a value of `type`.
    private func decode(_ cell: Cell, _ type: ValueType, pool: StringPool?) -> RefValue {
        if cell == Cell.null { return .null }
        switch type {
        case .boolean: return .bool(cell != 0)
        case .string: return .text(pool?[cell] ?? "")
        case .decimal: return .rational(Rational(cell))
        default: return .int(cell)
        }
    }

    // MARK: Evaluation

    /// The value of `e`, as a fraction when `e` is decimal-typed (a whole number widened by the checker).
    private func eval(_ e: TypedExpr, _ tables: [Table], _ row: Int) throws -> RefValue {
        let v = try value(e, tables, row)
        if e.type == .decimal, case .int(let i) = v { return .rational(Rational(i)) }
        return v
    }

    private func value(_ e: TypedExpr, _ tables: [Table], _ row: Int) throws -> RefValue {
        switch e.kind {
        case .constant(let c):
            return decode(c, e.type, pool: nil)
        case .rational(let r):
            return .rational(r)
        case .text(let s):
            return .text(s)
        case .null:
            return .null
        case .list, .textList:
            return .null  // lists only appear on the right of `in`
        case .field(let path):
            guard let r = follow(path.links, tables, row) else { return .null }
            let table = tables[path.entity]
            return decode(table.columns[path.field][r], e.type, pool: table.strings)
        case .linkPresent(let path):
            return .bool(follow(path, tables, row) != nil)
        case .isPresent(let x):
            return .bool(try eval(x, tables, row) != .null)
        case .not(let x):
            switch try eval(x, tables, row) {
            case .bool(let b): return .bool(!b)
            default: return .null
            }
        case .negate(let x):
            switch try eval(x, tables, row) {
            case .int(let v): return try whole(-Int128Lite(v))
            case .rational(let r):
                guard r.numerator != Int64.min, let n = Rational(-r.numerator, r.denominator) else { throw Fault() }
                return .rational(n)
            default: return .null
            }
        case .and(let a, let b):
            let x = try eval(a, tables, row)
            if x == .bool(false) { return .bool(false) }
            let y = try eval(b, tables, row)
            if y == .bool(false) { return .bool(false) }
            if x == .null || y == .null { return .null }
            return .bool(true)
        case .or(let a, let b):
            let x = try eval(a, tables, row)
            if x == .bool(true) { return .bool(true) }
            let y = try eval(b, tables, row)
            if y == .bool(true) { return .bool(true) }
            if x == .null || y == .null { return .null }
            return .bool(false)
        case .compare(let op, let a, let b):
            let x = try eval(a, tables, row)
            let y = try eval(b, tables, row)
            if x == .null || y == .null { return .null }
            guard let order = Self.order(x, y) else { throw Fault() }
            switch op {
            case .equal: return .bool(order == 0)
            case .notEqual: return .bool(order != 0)
            case .less: return .bool(order < 0)
            case .lessEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            case .greaterEqual: return .bool(order >= 0)
            }
        case .membership(let x, let list, let negated):
            let v = try eval(x, tables, row)
            if v == .null { return .null }
            let members: [RefValue]
            switch (list.kind, list.type) {
            case (.list(let cells), .list(let element)): members = cells.map { decode($0, element, pool: nil) }
            case (.textList(let items), _): members = items.map { .text($0) }
            default: members = []
            }
            let found = members.contains { Self.order(v, $0) == 0 }
            return .bool(found != negated)
        case .arithmetic(let op, let a, let b):
            let x = try eval(a, tables, row)
            let y = try eval(b, tables, row)
            if x == .null || y == .null { return .null }
            if e.type == .decimal {
                guard let p = Self.fraction(x), let q = Self.fraction(y) else { return .null }
                let r: Rational?
                switch op {
                case .add: r = p.adding(q)
                case .subtract: r = p.subtracting(q)
                case .multiply: r = p.multiplied(by: q)
                case .divide:
                    if q.numerator == 0 { throw Fault() }
                    r = p.divided(by: q)
                }
                guard let r else { throw Fault() }
                return .rational(r)
            }
            guard case .int(let p) = x, case .int(let q) = y else { return .null }
            let result: RefValue
            switch op {
            case .add: result = try whole(Int128Lite(p) + Int128Lite(q))
            case .subtract: result = try whole(Int128Lite(p) - Int128Lite(q))
            case .multiply: result = try whole(Int128Lite(p) * Int128Lite(q))
            case .divide: throw Fault()  // `/` is always decimal
            }
            // `date ± days` must be a date that exists (years 1–9999).
            if e.type == .date, case .int(let d) = result, !(Self.firstDay...Self.lastDay).contains(d) { throw Fault() }
            return result
        case .coalesce(let a, let b):
            let x = try eval(a, tables, row)
            return x != .null ? x : try eval(b, tables, row)
        case .call(let builtin, let args):
            return try call(builtin, args, e, tables, row)
        case .aggregate(let index):
            return try aggregate(aggregates[index], tables, row)
        case .allocationValue:
            return .null
        }
    }

    private func call(_ builtin: Builtin, _ args: [TypedExpr], _ e: TypedExpr, _ tables: [Table], _ row: Int) throws -> RefValue {
        // Strict: every argument is evaluated (a fault anywhere is a fault), then null propagates.
        let values = try args.map { try eval($0, tables, row) }
        if values.contains(.null) { return .null }
        switch builtin {
        case .ageOn:
            guard case .int(let birth) = values[0], case .int(let on) = values[1] else { return .null }
            return .int(Int64(Day(ordinal: Int(birth)).completedYears(on: Day(ordinal: Int(on)))))
        case .workingDaysBetween:
            guard case .int(let a) = values[0], case .int(let b) = values[1], case .int(let c) = values[2] else { return .null }
            return .int(Int64(workingDays(Int(a), Int(b), calendar: Int(c))))
        case .daysBetween:
            guard case .int(let a) = values[0], case .int(let b) = values[1] else { return .null }
            return try whole(Int128Lite(b) - Int128Lite(a))
        case .round, .floor, .ceil:
            guard let x = Self.fraction(values[0]) else { return .null }
            var step: Int64 = 1
            if values.count == 2 {
                guard case .int(let s) = values[1] else { return .null }
                step = s
            }
            guard step > 0, let quotient = x.divided(by: Rational(step)) else { throw Fault() }
            let k = Self.roundToWhole(quotient, builtin)
            return try whole(Int128Lite(k) * Int128Lite(step))
        case .min, .max:
            guard let order = Self.order(values[0], values[1]) else { return .null }
            return builtin == .min ? (order <= 0 ? values[0] : values[1]) : (order >= 0 ? values[0] : values[1])
        case .year, .month:
            guard case .int(let d) = values[0] else { return .null }
            let civil = Day(ordinal: Int(d)).civil
            return .int(Int64(builtin == .year ? civil.year : civil.month))
        }
    }

    private func aggregate(_ a: CheckedAggregate, _ tables: [Table], _ row: Int) throws -> RefValue {
        guard let host = follow(a.host, tables, row) else { return .null }
        let elements = tables[a.element]
        var total: Int64 = 0, satisfied: Int64 = 0
        for r in 0..<elements.count where Int(elements.links[a.backLink][r]) == host {
            total += 1
            if let condition = a.condition {
                if try eval(condition, tables, r) == .bool(true) { satisfied += 1 }
            } else {
                satisfied += 1
            }
        }
        switch a.kind {
        case .count: return .int(satisfied)
        case .any: return .bool(satisfied > 0)
        case .all: return .bool(satisfied == total)
        }
    }

    // MARK: Helpers

    static let firstDay = Int64(Day(year: 1, month: 1, day: 1)!.ordinal)
    static let lastDay = Int64(Day(year: 9999, month: 12, day: 31)!.ordinal)

    /// Working days in `(a, b]`, one day at a time.
    func workingDays(_ a: Int, _ b: Int, calendar: Int) -> Int {
        if b < a { return -workingDays(b, a, calendar: calendar) }
        var count = 0
        var day = a + 1
        while day <= b {
            // 1970-01-01 (ordinal 0) was a Thursday; 0 = Monday … 6 = Sunday.
            var weekday = (day + 3) % 7
            if weekday < 0 { weekday += 7 }
            if weekday < 5 && !daysOff[calendar].contains(day) { count += 1 }
            day += 1
        }
        return count
    }

    /// A whole-number result: in range, or a fault.
    private func whole(_ v: Int128Lite) throws -> RefValue {
        guard let x = v.int64, x != Int64.min else { throw Fault() }
        return .int(x)
    }

    static func fraction(_ v: RefValue) -> Rational? {
        switch v {
        case .int(let i): Rational(i)
        case .rational(let r): r
        default: nil
        }
    }

    /// -1, 0, 1; nil when the two values are not comparable.
    static func order(_ a: RefValue, _ b: RefValue) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.text(let x), .text(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        default:
            guard let x = fraction(a), let y = fraction(b) else { return nil }
            // x − y has the sign of x.n·y.d − y.n·x.d (denominators are positive).
            let l = Int128Lite(x.numerator) * Int128Lite(y.denominator)
            let r = Int128Lite(y.numerator) * Int128Lite(x.denominator)
            return l < r ? -1 : (r < l ? 1 : 0)
        }
    }

    /// `n/d` to a whole number: floor, ceiling, or nearest with halves away from zero.
    static func roundToWhole(_ q: Rational, _ mode: Builtin) -> Int64 {
        let n = q.numerator, d = q.denominator
        // floor(n / d) with a remainder 0 ≤ rem < d.
        var fl = n / d
        var rem = n % d
        if rem < 0 {
            fl -= 1
            rem += d
        }
        switch mode {
        case .floor: return fl
        case .ceil: return rem == 0 ? fl : fl + 1
        default:
            // Compare rem/d with 1/2 without overflow: rem vs d − rem.
            if rem > d - rem { return fl + 1 }
            if rem < d - rem { return fl }
            return n > 0 ? fl + 1 : fl  // exactly half: away from zero
        }
    }
}

/// A signed 128-bit integer just big enough for exact sums, differences and products of two
/// `Int64`s (kept tiny and self-contained rather than relying on `Int128` availability).
struct Int128Lite: Comparable {
    /// Two's complement: high word signed, low word unsigned.
    var high: Int64
    var low: UInt64

    init(_ v: Int64) {
        high = v < 0 ? -1 : 0
        low = UInt64(bitPattern: v)
    }

    init(high: Int64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The value when it fits in 64 bits.
    var int64: Int64? {
        let v = Int64(bitPattern: low)
        return (high == 0 && v >= 0) || (high == -1 && v < 0) ? v : nil
    }

    static func + (a: Int128Lite, b: Int128Lite) -> Int128Lite {
        let (low, carry) = a.low.addingReportingOverflow(b.low)
        return Int128Lite(high: a.high &+ b.high &+ (carry ? 1 : 0), low: low)
    }

    static prefix func - (a: Int128Lite) -> Int128Lite {
        // ~a + 1
        Int128Lite(high: ~a.high, low: ~a.low) + Int128Lite(high: 0, low: 1)
    }

    static func - (a: Int128Lite, b: Int128Lite) -> Int128Lite { a + (-b) }

    /// Exact for factors that came from `Int64`s (the product of two of them fits in 127 bits).
    static func * (a: Int128Lite, b: Int128Lite) -> Int128Lite {
        guard let x = a.int64, let y = b.int64 else { preconditionFailure("only products of 64-bit values") }
        let p = x.multipliedFullWidth(by: y)
        return Int128Lite(high: p.high, low: p.low)
    }

    static func < (a: Int128Lite, b: Int128Lite) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
