@testable import TepatCheck
import TepatModel
import TepatSyntax

/// SplitMix64: a tiny deterministic generator, so that one `UInt64` seed replays a whole case.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}

/// Values near the edges: 64-bit extremes (overflow), zero, ±1, square roots of the limit, 2^62.
enum Boundary {
    static let integers: [Int64] = [
        0, 1, -1, 2, 3, 10, 40, 64, 100, 365, 1000, -1000, Int64.max, Int64.max - 1, Int64.min + 1, Int64.min + 2,
        1 << 32, -(1 << 32), 3_037_000_499, 3_037_000_500, -3_037_000_500, 1 << 62, -(1 << 62),
    ]
    static let money: [Int64] = [
        0, 1, -1, 6_800, 10_000, 3_000_000, 294_000_000, 999_936_000, Int64.max, Int64.max - 1, Int64.min + 1,
        Int64.min + 2, 3_037_000_500, -3_037_000_500, 1 << 62, -(1 << 62), 4_611_686_018_427_387_903,
    ]
    static let decimals = [
        "0.1", "0.2", "0.3", "0.5", "1.5", "2.5", "-0.5", "-2.5", "0.01", "0", "3", "0.000000001", "922337203685477580.7",
        "-922337203685477580.7", "46116860184273879.03",
    ]
    /// Around 29 February, year ends, the 2025 holidays and their weekends, the reference date.
    static let dates = [
        "2000-02-29", "2004-02-29", "1960-02-29", "2024-02-28", "2024-02-29", "2024-03-01", "2025-02-28", "2025-03-01",
        "2025-03-02", "2025-03-27", "2025-03-28", "2025-03-29", "2025-03-31", "2025-04-01", "2025-04-08", "2025-08-15",
        "2025-08-17", "2025-08-18", "2025-08-19", "2025-12-24", "2025-12-25", "2025-12-31", "2025-01-01", "2024-12-31",
        "2007-03-01", "2007-02-28", "1965-03-01", "1965-03-02", "1930-01-01",
    ]
    static let recentDates = dates.filter { $0 >= "2024" }
    static let months = ["2024-01", "2024-12", "2025-01", "2025-03", "2025-12", "2023-06"]
}

/// Random, well-typed `TypedExpr` trees over `World.schema`, rooted at one entity: the shapes the
/// checker produces (coerced operands, constant lists, calendar indices), without its null-safety
/// rule — a value it proves present from an earlier rule can still be null at run time when that
/// rule failed, so the evaluator must handle nulls everywhere.
struct ExpressionGenerator {
    enum Kind: CaseIterable {
        case boolean, integer, money, decimal, date, month, string, occupation, kecamatan
    }

    var rng: SplitMix
    let root: Int
    /// The aggregates the expressions refer to (`TypedExpr.Kind.aggregate` indices).
    var aggregates: [CheckedAggregate] = []
    /// Inside an aggregate's `where`: no nested aggregates, and nothing that can fault.
    var faultFree = false

    init(root: Int, rng: SplitMix) {
        self.root = root
        self.rng = rng
    }

    // MARK: Leaves

    private var linkPrefix: [String] {
        switch root {
        case World.member: []
        case World.application: ["deceased"]
        default: []
        }
    }

    /// Fields of `kind` visible from the root, through its links.
    func fields(_ kind: Kind) -> [TypedExpr] { Self.fieldTable[root]?[kind] ?? [] }

    private static let fieldTable: [Int: [Kind: [TypedExpr]]] = Dictionary(
        uniqueKeysWithValues: [World.household, World.member, World.application].map { root in
            (root, Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, makeFields(root, $0)) }))
        })

    private static let allFieldTable: [Int: [TypedExpr]] = fieldTable.mapValues { table in Kind.allCases.flatMap { table[$0] ?? [] } }

    private static func makeFields(_ root: Int, _ kind: Kind) -> [TypedExpr] {
        let r = root
        switch (root, kind) {
        case (World.household, .integer): return [X.field(r, [], "desil")]
        case (World.household, .money): return [X.field(r, [], "savings")]
        case (World.household, .month): return [X.field(r, [], "dtks_period")]
        case (World.household, .string): return [X.field(r, [], "city_code")]
        case (World.household, .kecamatan): return [X.field(r, [], "kecamatan")]
        case (World.household, _): return []
        default: break
        }
        let m = root == World.application ? ["deceased"] : []  // the member: the subject, or the deceased of an application
        let h = m + ["household"]
        switch kind {
        case .boolean: return [X.field(r, m, "disability"), X.field(r, m, "bpjs")]
        case .integer: return [X.field(r, h, "desil")]
        case .money:
            return [X.field(r, m, "wage"), X.field(r, h, "savings")] + (root == World.application ? [X.field(r, [], "amount")] : [])
        case .decimal: return []
        case .date:
            return [X.field(r, m, "birth_date"), X.field(r, m, "death_date")] + (root == World.application ? [X.field(r, [], "submitted_on")] : [])
        case .month: return [X.field(r, h, "dtks_period")]
        case .string: return [X.field(r, h, "city_code")] + (root == World.application ? [X.field(r, [], "city_code")] : [])
        case .occupation: return [X.field(r, m, "occupation")]
        case .kecamatan: return [X.field(r, h, "kecamatan")]
        }
    }

    var allFields: [TypedExpr] { Self.allFieldTable[root] ?? [] }

    var links: [[String]] {
        switch root {
        case World.member: [["household"]]
        case World.application: [["deceased"], ["deceased", "household"]]
        default: []
        }
    }

    mutating func constant(_ kind: Kind) -> TypedExpr {
        switch kind {
        case .boolean: return X.bool(rng.chance(0.5))
        case .integer: return X.int(rng.chance(0.6) ? rng.pick(Boundary.integers) : Int64(rng.int(-50...50)))
        case .money: return X.money(rng.chance(0.7) ? rng.pick(Boundary.money) : Int64(rng.int(0...5_000_000)))
        case .decimal: return X.decimal(rng.pick(Boundary.decimals))
        case .date: return X.date(rng.pick(Boundary.dates))
        case .month: return X.month(rng.pick(Boundary.months))
        case .string: return X.text(rng.pick(World.strings))
        case .occupation: return X.code(rng.pick(World.occupations), of: "occupation", in: World.occupations)
        case .kecamatan: return X.code(rng.pick(World.kecamatan), of: "kecamatan", in: World.kecamatan)
        }
    }

    mutating func leaf(_ kind: Kind) -> TypedExpr {
        let available = fields(kind)
        if !available.isEmpty, rng.chance(0.6) { return rng.pick(available) }
        if kind == .boolean, rng.chance(0.4) {
            if !links.isEmpty, rng.chance(0.4) { return X.linkPresent(root, rng.pick(links)) }
            if !allFields.isEmpty { return X.present(rng.pick(allFields)) }
        }
        if kind == .decimal, rng.chance(0.5) { return X.coerce(leaf(rng.pick([.integer, .money])), to: .decimal) }
        return constant(kind)
    }

    // MARK: Trees

    /// A tree of `kind` at most `depth` levels above its leaves.
    mutating func expr(_ kind: Kind, _ depth: Int) -> TypedExpr {
        if depth <= 0 || rng.chance(0.25) { return leaf(kind) }
        let d = depth - 1
        switch kind {
        case .boolean: return boolean(d)
        case .integer: return integer(d)
        case .money: return money(d)
        case .decimal: return decimal(d)
        case .date: return date(d)
        case .month:
            return rng.chance(0.5) ? coalesceOrLeaf(.month, d) : X.call(rng.pick([.min, .max]), [expr(.month, d), expr(.month, d)])
        case .string, .occupation, .kecamatan: return coalesceOrLeaf(kind, d)
        }
    }

    /// `field ?? default` (the only nullable operands the checker lets through are fields).
    private mutating func coalesceOrLeaf(_ kind: Kind, _ d: Int) -> TypedExpr {
        let available = fields(kind)
        guard !available.isEmpty else { return leaf(kind) }
        let left = rng.chance(0.85) ? rng.pick(available) : expr(kind, d)
        return X.coalesce(left, expr(kind, d))
    }

    private mutating func boolean(_ d: Int) -> TypedExpr {
        if rng.chance(0.08) { return between(d) }
        switch rng.int(0...11) {
        case 0: return X.not(expr(.boolean, d))
        case 1, 2: return X.and(expr(.boolean, d), expr(.boolean, d))
        case 3, 4: return X.or(expr(.boolean, d), expr(.boolean, d))
        case 5, 6, 7: return comparison(d)
        case 8, 9: return membership(d)
        case 10:
            if let agg = aggregate(rng.chance(0.5) ? .any : .all) { return agg }
            return coalesceOrLeaf(.boolean, d)
        default:
            return rng.chance(0.5) ? coalesceOrLeaf(.boolean, d) : X.not(X.present(rng.pick(allFields.isEmpty ? [X.int(0)] : allFields)))
        }
    }

    /// `between(x, low, high)` as the checker writes it, `low <= x and x <= high` with one `x`
    /// (the compiler reads `x` once for this shape).
    private mutating func between(_ d: Int) -> TypedExpr {
        let kind = rng.pick([Kind.integer, .integer, .money, .date, .month])
        let x = expr(kind, d)
        let (low, high) = (constant(kind), constant(kind))
        return X.and(X.compare(.lessEqual, low, x), X.compare(.lessEqual, x, high))
    }

    private mutating func comparison(_ d: Int) -> TypedExpr {
        let ordered: [(Kind, Kind)] = [
            (.integer, .integer), (.money, .money), (.decimal, .decimal), (.date, .date), (.month, .month),
            (.integer, .money), (.money, .integer), (.integer, .decimal), (.decimal, .money), (.money, .decimal),
        ]
        let equality: [Kind] = [.boolean, .string, .occupation, .kecamatan, .string]
        if rng.chance(0.7) {
            let (a, b) = rng.pick(ordered)
            return X.compare(rng.pick(CompareOperator.allCases), expr(a, d), expr(b, d))
        }
        let k = rng.pick(equality)
        if k == .string, root == World.application, rng.chance(0.5) {
            // The application's own text against the deceased's household's: two string pools.
            let (a, b) = (fields(.string)[1], fields(.string)[0])
            let pair = rng.chance(0.5) ? (a, b) : (b, a)
            return X.compare(rng.pick([.equal, .notEqual]), rng.chance(0.7) ? pair.0 : expr(.string, d), pair.1)
        }
        return X.compare(rng.pick([.equal, .notEqual]), expr(k, d), expr(k, d))
    }

    private mutating func membership(_ d: Int) -> TypedExpr {
        let negated = rng.chance(0.4)
        let kind = rng.pick([Kind.integer, .money, .date, .month, .string, .occupation, .occupation, .kecamatan, .decimal])
        let x = expr(kind, d)
        let n = rng.int(0...5)
        let list: TypedExpr
        switch kind {
        case .string: list = X.textList((0..<n).map { _ in rng.pick(World.strings) })
        case .occupation:
            // Below 64 only (the bit-mask path) or with high codes too (the sorted-array path).
            let high = rng.chance(0.5)
            let code = { (rng: inout SplitMix) -> Int64 in rng.chance(0.4) ? rng.pick(high ? [0, 63, 64, 69] : [0, 62, 63]) : Int64(high ? rng.int(0...69) : rng.int(0...63)) }
            let codes = (0..<n).map { _ in code(&rng) } + (high ? [Int64(rng.int(64...69))] : [])
            list = X.list(codes, of: x.type, text: "[" + codes.map { World.occupations[Int($0)] }.joined(separator: ", ") + "]")
        case .kecamatan:
            let codes = (0..<n).map { _ in Int64(rng.int(0...12)) }
            list = X.list(codes, of: x.type, text: "[" + codes.map { World.kecamatan[Int($0)] }.joined(separator: ", ") + "]")
        case .date: list = X.list((0..<n).map { _ in World.ordinal(rng.pick(Boundary.dates)) }, of: .date)
        case .month: list = X.list((0..<n).map { _ in World.month(rng.pick(Boundary.months)) }, of: .month)
        case .decimal:
            // `x in [1, 2]` with a decimal x: the checker re-types the integer list as decimal.
            list = X.list((0..<n).map { _ in Int64(rng.int(-3...3)) }, of: .decimal)
        case .money: list = X.list((0..<n).map { _ in rng.pick(Boundary.money) }, of: .money)
        default: list = X.list((0..<n).map { _ in rng.chance(0.5) ? rng.pick(Boundary.integers) : Int64(rng.int(0...10)) }, of: .integer)
        }
        return X.isIn(x, list, negated: negated)
    }

    /// A whole number of days small enough that dates stay within a few centuries.
    private mutating func smallInt(_ d: Int) -> TypedExpr {
        if d <= 0 || rng.chance(0.4) {
            return rng.chance(0.5) ? X.int(rng.pick([0, 1, -1, 2, 7, 28, 29, 40, 365, 366, -365])) : X.int(Int64(rng.int(-400...400)))
        }
        switch rng.int(0...4) {
        case 0: return rng.pick(fields(.integer).isEmpty ? [X.int(5)] : fields(.integer))
        case 1: return X.call(.month, [dateLeaf()])
        case 2: return X.call(.daysBetween, [dateLeaf(), dateLeaf()])
        case 3: return X.negate(smallInt(d - 1))
        default: return X.arithmetic(rng.pick([.add, .subtract]), smallInt(d - 1), smallInt(d - 1))
        }
    }

    private mutating func dateLeaf() -> TypedExpr { leaf(.date) }

    private mutating func date(_ d: Int) -> TypedExpr {
        // Now and then any whole number of days: dates beyond 9999-12-31 (or before year 1) are faults.
        if !faultFree, rng.chance(0.05) { return X.arithmetic(rng.pick([.add, .subtract]), expr(.date, d), expr(.integer, d)) }
        switch rng.int(0...5) {
        case 0, 1: return X.arithmetic(.add, expr(.date, d), smallInt(d))
        case 2: return X.arithmetic(.subtract, expr(.date, d), smallInt(d))
        case 3: return X.arithmetic(.add, smallInt(d), expr(.date, d))
        case 4: return coalesceOrLeaf(.date, d)
        default: return X.call(rng.pick([.min, .max]), [expr(.date, d), expr(.date, d)])
        }
    }

    /// A date for `working_days_between`: mostly recent ones (deaths, applications, 2024–2025
    /// constants), as in the deadline rules it is made for; the reference counts day by day.
    private mutating func workingDate(_ d: Int) -> TypedExpr {
        if rng.chance(0.1), root != World.household { return X.field(root, linkPrefix, "birth_date") }
        let recent = fields(.date).filter { !$0.text.hasSuffix("birth_date") }
        let base = !recent.isEmpty && rng.chance(0.6) ? rng.pick(recent) : X.date(rng.pick(Boundary.recentDates))
        return d > 0 && rng.chance(0.3) ? X.arithmetic(rng.pick([.add, .subtract]), base, smallInt(0)) : base
    }

    private mutating func step(_ d: Int) -> TypedExpr? {
        guard rng.chance(0.5) else { return nil }
        if !faultFree, rng.chance(0.3) { return expr(rng.pick([.integer, .money]), d) }
        return rng.chance(0.3) ? X.int(rng.pick([1, 2, 3, 7, Int64.max, 1 << 62])) : X.money(rng.pick([100, 1_000, 500, 50_000]))
    }

    private mutating func integer(_ d: Int) -> TypedExpr {
        let choice = rng.int(0...13)
        if faultFree, [0, 1, 2, 8].contains(choice) { return leaf(.integer) }
        switch choice {
        case 0: return X.negate(expr(.integer, d))
        case 1, 2: return X.arithmetic(rng.pick([.add, .subtract, .multiply]), expr(.integer, d), expr(.integer, d))
        case 3: return X.arithmetic(.subtract, expr(.date, min(d, 2)), expr(.date, min(d, 2)))
        case 4: return coalesceOrLeaf(.integer, d)
        case 5:
            // `age_on(d)` is `age_on(<age_from field>, d)` after checking.
            let birth = rng.chance(0.5) && root != World.household ? X.field(root, linkPrefix, "birth_date") : expr(.date, min(d, 2))
            return X.call(.ageOn, [birth, expr(.date, min(d, 2))])
        case 6: return X.workingDays(workingDate(d), workingDate(d), calendar: rng.chance(0.75) ? 0 : 1)
        case 7: return X.call(.daysBetween, [expr(.date, min(d, 2)), expr(.date, min(d, 2))])
        case 8:
            let x = rng.chance(0.7) ? expr(.decimal, d) : expr(.integer, d)
            return X.call(rng.pick([.round, .floor, .ceil]), [x] + (step(d).map { [$0] } ?? []))
        case 9, 10: return X.call(rng.pick([.min, .max]), [expr(.integer, d), expr(.integer, d)])
        case 11: return X.call(rng.pick([.year, .month]), [expr(.date, min(d, 2))])
        default:
            if let agg = aggregate(.count) { return agg }
            return leaf(.integer)
        }
    }

    private mutating func money(_ d: Int) -> TypedExpr {
        let choice = rng.int(0...9)
        if faultFree, choice < 5 { return leaf(.money) }
        switch choice {
        case 0: return X.negate(expr(.money, d))
        case 1, 2:
            let (op, a, b): (ArithmeticOperator, Kind, Kind) = rng.pick([
                (.add, .money, .money), (.subtract, .money, .money), (.add, .money, .integer), (.add, .integer, .money),
                (.subtract, .money, .integer), (.subtract, .integer, .money), (.multiply, .money, .integer), (.multiply, .integer, .money),
            ])
            return X.arithmetic(op, expr(a, d), expr(b, d))
        case 3, 4: return X.call(rng.pick([.round, .floor, .ceil]), [expr(.money, d)] + (step(d).map { [$0] } ?? []))
        case 5, 6: return coalesceOrLeaf(rng.chance(0.8) ? .money : .integer, d).retyped(.money)
        default: return X.call(rng.pick([.min, .max]), [expr(.money, d), expr(rng.chance(0.7) ? .money : .integer, d)])
        }
    }

    private mutating func decimal(_ d: Int) -> TypedExpr {
        let choice = rng.int(0...9)
        if faultFree, choice < 6 { return leaf(.decimal) }
        switch choice {
        case 0, 1:
            let (a, b): (Kind, Kind) = rng.pick([(.decimal, .decimal), (.decimal, .integer), (.integer, .decimal), (.decimal, .money), (.money, .decimal)])
            return X.arithmetic(rng.pick([.add, .subtract, .multiply]), expr(a, d), expr(b, d))
        case 2, 3:
            return X.arithmetic(.divide, expr(rng.pick([.decimal, .integer, .money]), d), expr(rng.pick([.decimal, .integer, .money]), d))
        case 4: return X.negate(expr(.decimal, d))
        case 5: return X.coerce(expr(rng.pick([.integer, .money]), d), to: .decimal)
        case 6, 7:
            // `desil ?? 0.5`: the nullable field is widened to decimal.
            let numeric = fields(.integer) + fields(.money)
            let left = numeric.isEmpty ? expr(.decimal, d) : rng.pick(numeric)
            return X.coalesce(left, expr(.decimal, d))
        default:
            let other: Kind = rng.pick([.decimal, .integer, .money])
            let (a, b) = rng.chance(0.5) ? (expr(.decimal, d), expr(other, d)) : (expr(other, d), expr(.decimal, d))
            return X.call(rng.pick([.min, .max]), [a, b])
        }
    }

    // MARK: Aggregates

    /// `count/any/all(<host>.members where cond)`, when the root has a path to households.
    private mutating func aggregate(_ kind: AggregateKind) -> TypedExpr? {
        guard !faultFree else { return nil }
        let hostLinks: [String]
        switch root {
        case World.household: hostLinks = []
        case World.member: hostLinks = ["household"]
        case World.application: hostLinks = ["deceased", "household"]
        default: return nil
        }
        var inner = ExpressionGenerator(root: World.member, rng: rng)
        inner.faultFree = true
        let condition: TypedExpr? = kind == .count && rng.chance(0.3) ? nil : inner.expr(.boolean, 2)
        rng = inner.rng
        let collection = (hostLinks + ["members"]).joined(separator: ".")
        let text = condition.map { "\(kind.rawValue)(\(collection) where \($0.text))" } ?? "\(kind.rawValue)(\(collection))"
        aggregates.append(
            CheckedAggregate(
                kind: kind, host: X.link(root, hostLinks), collection: 0, element: World.member, backLink: 0, condition: condition, text: text))
        return X.make(.aggregate(aggregates.count - 1), kind == .count ? .integer : .boolean, text)
    }
}

extension TypedExpr {
    func retyped(_ type: ValueType) -> TypedExpr { X.coerce(self, to: type) }
}

// MARK: - Random records

enum RandomRecords {
    static func make(_ rng: inout SplitMix) -> RecordSet {
        var records = RecordSet()
        let cities = ["3671", "3603", "3674", "", "Kota Tangerang", "kota tangerang"]
        // Pools differ per table: some data strings are interned before the rows' own.
        records.householdPrefill = (0..<rng.int(0...3)).map { _ in rng.pick(cities + ["x", "y"]) }
        records.applicationPrefill = (0..<rng.int(0...3)).map { _ in rng.pick(cities + ["z"]) }
        let households = rng.int(1...4)
        for _ in 0..<households {
            records.household(
                city: rng.pick(cities),
                desil: rng.chance(0.3) ? nil : Int64(rng.int(1...10)),
                kecamatan: Int64(rng.int(0...12)),
                savings: rng.chance(0.3) ? nil : money(&rng),
                period: rng.chance(0.4) ? nil : World.month(rng.pick(Boundary.months)))
        }
        let members = rng.int(1...6)
        for _ in 0..<members {
            records.member(
                household: rng.int(0...(households - 1)),
                birth: birthDate(&rng),
                death: rng.chance(0.5) ? nil : recentDate(&rng),
                occupation: rng.chance(0.4) ? rng.pick([0, 1, 62, 63, 64, 65, 69]) : Int64(rng.int(0...69)),
                disability: rng.chance(0.3), bpjs: rng.chance(0.5),
                wage: money(&rng))
        }
        for _ in 0..<rng.int(1...5) {
            records.application(
                deceased: rng.chance(0.3) ? nil : rng.int(0...(members - 1)),
                submitted: recentDate(&rng),
                amount: rng.chance(0.3) ? nil : money(&rng),
                city: rng.chance(0.3) ? nil : rng.pick(cities))
        }
        return records
    }

    static func money(_ rng: inout SplitMix) -> Int64 {
        rng.chance(0.5) ? rng.pick(Boundary.money) : Int64(rng.int(0...10_000_000))
    }

    static func birthDate(_ rng: inout SplitMix) -> Int64 {
        if rng.chance(0.4) { return World.ordinal(rng.pick(Boundary.dates)) }
        return Int64(rng.int(Int(World.ordinal("1930-01-01"))...Int(World.ordinal("2025-03-01"))))
    }

    static func recentDate(_ rng: inout SplitMix) -> Int64 {
        if rng.chance(0.4) { return World.ordinal(rng.pick(Boundary.recentDates)) }
        return Int64(rng.int(Int(World.ordinal("2024-11-01"))...Int(World.ordinal("2025-12-31"))))
    }
}
