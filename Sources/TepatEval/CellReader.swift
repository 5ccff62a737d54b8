import TepatCheck
import TepatModel

/// An operand read for a row, inlined into the closure that uses it.
///
/// Most conditions compare a field with a constant (`household.desil <= 4`, `occupation in
/// [...]`). Compiled as nested closures, the field read is a closure call of its own; the
/// compiler's common shapes are generic over a reader instead, and specialised for `FieldRead`,
/// so the read happens in place. Anything else goes through `CompiledRead`.
protocol CellReader: Sendable {
    func read(_ input: EvalInput, _ row: Int) throws(EvalFault) -> Cell
}

/// A field of the subject, or of the record one link away (`household.desil`).
struct FieldRead: CellReader {
    let entity: Int
    let field: Int
    /// The entity and link followed first; `link` is -1 for a field of the subject itself.
    let linkEntity: Int
    let link: Int

    init?(_ e: TypedExpr) {
        guard case .field(let path) = e.kind, path.links.steps.count <= 1 else { return nil }
        entity = path.entity
        field = path.field
        if let step = path.links.steps.first {
            linkEntity = step.entity
            link = step.link
        } else {
            linkEntity = -1
            link = -1
        }
    }

    @inline(__always)
    func read(_ input: EvalInput, _ row: Int) -> Cell {
        if link < 0 { return input.tables[entity].columns[field][row] }
        let r = Int(input.tables[linkEntity].links[link][row])
        return r < 0 ? .null : input.tables[entity].columns[field][r]
    }
}

/// Any compiled expression.
struct CompiledRead: CellReader {
    let function: CellFunction

    @inline(__always)
    func read(_ input: EvalInput, _ row: Int) throws(EvalFault) -> Cell { try function(input, row) }
}

/// Completed years on a fixed date (`age_on(as_of)`), from the birth date's ordinal: the last
/// birth date for each age is worked out once, so a record costs an estimate and a comparison or
/// two instead of a civil-date conversion. The same answers as `Day.completedYears`, 29 February
/// included (tested against it).
struct AgeOnDate: Sendable {
    /// `lastBirth[k - lowest]`: the ordinal of the last birth date with at least `k` completed
    /// years on the date, for every age a date of years 1–9999 can have.
    private let lastBirth: [Int]
    private let lowest: Int
    private let on: Int
    private static let first = Day(year: 1, month: 1, day: 1)!.ordinal
    private static let last = Day(year: 9999, month: 12, day: 31)!.ordinal

    init(_ day: Day) {
        let c = day.civil
        on = day.ordinal
        lowest = c.year - 9999 - 1
        let highest = c.year
        lastBirth = (lowest...highest).map { k in
            // Born on or before the same month and day, `k` years earlier (the last day of
            // February when the date is 29 February and that year is common).
            let year = c.year - k
            guard year >= 1 else { return Int.min }  // no date of years 1–9999 is that old
            guard year <= 9999 else { return Int.max }  // every such date is at least that old
            return Day(year: year, month: c.month, day: min(c.day, Day.daysIn(month: c.month, year: year)))!.ordinal
        }
    }

    /// Nil for a birth date outside years 1–9999 (the table does not reach it).
    @inline(__always)
    func years(born: Int) -> Int? {
        guard born >= Self.first, born <= Self.last else { return nil }
        // An estimate from the days between (a year is 365.2425 days), then the exact step.
        var k = (on - born) * 400 / 146_097
        k = max(lowest, min(k, lowest + lastBirth.count - 1))
        while k > lowest, born > lastBirth[k - lowest] { k -= 1 }
        while k + 1 - lowest < lastBirth.count, born <= lastBirth[k + 1 - lowest] { k += 1 }
        return k
    }
}

extension Compiler {
    /// `x op k` with `x` read by `r` and a constant `k`.
    func compare<R: CellReader>(_ op: CompareOperator, _ r: R, _ k: Cell) -> CellFunction {
        switch op {
        case .equal: return { input, row throws(EvalFault) in let x = try r.read(input, row); return x == .null ? .null : (x == k ? 1 : 0) }
        case .notEqual: return { input, row throws(EvalFault) in let x = try r.read(input, row); return x == .null ? .null : (x != k ? 1 : 0) }
        case .less: return { input, row throws(EvalFault) in let x = try r.read(input, row); return x == .null ? .null : (x < k ? 1 : 0) }
        case .lessEqual: return { input, row throws(EvalFault) in let x = try r.read(input, row); return x == .null ? .null : (x <= k ? 1 : 0) }
        case .greater: return { input, row throws(EvalFault) in let x = try r.read(input, row); return x == .null ? .null : (x > k ? 1 : 0) }
        case .greaterEqual: return { input, row throws(EvalFault) in let x = try r.read(input, row); return x == .null ? .null : (x >= k ? 1 : 0) }
        }
    }

    /// `low <= x and x <= high` (what `between(x, low, high)` is checked into), `x` read once.
    func within<R: CellReader>(_ r: R, _ low: Cell, _ high: Cell) -> CellFunction {
        { input, row throws(EvalFault) in
            let x = try r.read(input, row)
            return x == .null ? .null : (low <= x && x <= high ? 1 : 0)
        }
    }

    func isPresent<R: CellReader>(_ r: R) -> CellFunction {
        { input, row throws(EvalFault) in try r.read(input, row) == .null ? 0 : 1 }
    }

    func not<R: CellReader>(_ r: R) -> CellFunction {
        { input, row throws(EvalFault) in
            let v = try r.read(input, row)
            return v == .null ? .null : (v == 0 ? 1 : 0)
        }
    }

    /// `x in list` for enumeration codes below 64, as a bit mask.
    func member<R: CellReader>(_ r: R, mask: UInt64, negated: Bool) -> CellFunction {
        { input, row throws(EvalFault) in
            let v = try r.read(input, row)
            if v == .null { return .null }
            let hit = v >= 0 && v < 64 && mask & (1 << UInt64(v)) != 0
            return hit != negated ? 1 : 0
        }
    }

    /// `x in list` for any other list, by binary search of the sorted members.
    func member<R: CellReader>(_ r: R, sorted: [Cell], negated: Bool) -> CellFunction {
        { input, row throws(EvalFault) in
            let v = try r.read(input, row)
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

    func ageOn<R: CellReader>(_ birth: R, _ day: Day) -> CellFunction {
        let table = AgeOnDate(day)
        let on = day.civil
        return { input, row throws(EvalFault) in
            let b = try birth.read(input, row)
            if b == .null { return .null }
            return Int64(table.years(born: Int(b)) ?? Day.completedYears(born: Day(ordinal: Int(b)).civil, on: on))
        }
    }
}
