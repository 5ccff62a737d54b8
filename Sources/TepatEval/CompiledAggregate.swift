import TepatCheck
import TepatSyntax
import TepatModel

/// `count/any/all(host.collection where cond)`, computed per host record from the collection's
/// records before the subjects are evaluated (a streaming run accumulates it batch by batch).
public struct CompiledAggregate: Sendable {
    public let kind: AggregateKind
    /// The entity whose records own the collection, and the entity counted.
    public let host: Int
    public let element: Int
    public let backLink: Int
    let condition: CellFunction?

    init(_ aggregate: CheckedAggregate, compiler: Compiler) {
        kind = aggregate.kind
        host = aggregate.host.entity
        element = aggregate.element
        backLink = aggregate.backLink
        condition = aggregate.condition.map(compiler.cell)
    }

    /// Adds the element records of `input.tables[element]` (rows `rows`) to per-host tallies.
    /// `matches` counts records satisfying the condition, `totals` all records.
    public func accumulate(_ input: EvalInput, rows: Range<Int>, matches: inout [Int64], totals: inout [Int64]) {
        let links = input.tables[element].links[backLink]
        for row in rows {
            let h = Int(links[row])
            guard h >= 0, h < totals.count else { continue }
            totals[h] += 1
            if let condition {
                if (try? condition(input, row)) == 1 { matches[h] += 1 }
            } else {
                matches[h] += 1
            }
        }
    }

    /// The aggregate's value per host from the tallies.
    public func finish(matches: [Int64], totals: [Int64]) -> [Cell] {
        switch kind {
        case .count: matches
        case .any: matches.map { $0 > 0 ? 1 : 0 }
        case .all: zip(matches, totals).map { $0 == $1 ? 1 : 0 }
        }
    }

    /// The host row an evaluation of `subject` row reads the aggregate at.
    public func values(_ input: EvalInput, hostCount: Int) -> [Cell] {
        var matches = [Int64](repeating: 0, count: hostCount), totals = matches
        accumulate(input, rows: 0..<input.tables[element].count, matches: &matches, totals: &totals)
        return finish(matches: matches, totals: totals)
    }
}

/// A priority key for allocation: `household.desil asc`.
public struct OrderKeyFunction: Sendable {
    public let descending: Bool
    let value: @Sendable (EvalInput, Int) -> OrderValue

    init(_ key: CheckedAllocation.OrderKey, compiler: Compiler) {
        descending = key.descending
        let expr = key.expr
        if expr.type == .decimal {
            let f = compiler.rational(expr)
            value = { input, row in ((try? f(input, row)) ?? nil).map { .rational($0) } ?? .null }
        } else if expr.type == .string, case .field(let path) = expr.kind {
            let f = compiler.cell(expr)
            let entity = path.entity
            value = { input, row in
                let c = (try? f(input, row)) ?? .null
                return c == .null ? .null : .text(input.tables[entity].strings[c])
            }
        } else {
            let f = compiler.cell(expr)
            value = { input, row in
                let c = (try? f(input, row)) ?? .null
                return c == .null ? .null : .cell(c)
            }
        }
    }

    public func callAsFunction(_ input: EvalInput, _ row: Int) -> OrderValue { value(input, row) }
}

/// A value allocation sorts on. Nulls sort last whatever the direction.
public enum OrderValue: Sendable, Hashable {
    case null
    case cell(Int64)
    case rational(Rational)
    case text(String)

    /// -1, 0 or 1 in ascending order, with nulls last.
    public static func compare(_ a: OrderValue, _ b: OrderValue) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.cell(let x), .cell(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.rational(let x), .rational(let y)): return x < y ? -1 : y < x ? 1 : 0
        case (.text(let x), .text(let y)): return x < y ? -1 : x > y ? 1 : 0
        default: return 0
        }
    }
}
