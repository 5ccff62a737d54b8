import TepatEval
import TepatModel

/// The eligible subjects waiting for allocation, stored flat: one word per order key, limit key
/// and tie-breaker (`.cell` values and nulls, which is what order keys almost always are), the
/// rare text or fraction kept aside. A million candidates take about 56 MB instead of the
/// quarter of a gigabyte that an array of `Candidate` values (two small arrays each) takes.
public struct CandidatePool: Sendable {
    public let keyCount: Int
    public let limitCount: Int
    private var stride: Int { keyCount + limitCount + 1 }
    /// Per candidate: its order keys, limit keys and subject key; `Cell.null` for null.
    private var words: [Int64] = []
    /// Values that are not cells, by their index in `words`.
    private var others: [Int: OrderValue] = [:]
    public private(set) var ordinals: [Int] = []
    public private(set) var amounts: [Int64] = []

    public init(keyCount: Int, limitCount: Int) {
        self.keyCount = keyCount
        self.limitCount = limitCount
    }

    public init(_ candidates: [Candidate]) {
        self.init(keyCount: candidates.first?.keys.count ?? 0, limitCount: candidates.first?.limitKeys.count ?? 0)
        for c in candidates { append(c) }
    }

    public var count: Int { ordinals.count }
    public var isEmpty: Bool { ordinals.isEmpty }

    public mutating func append(_ c: Candidate) {
        func put(_ value: OrderValue) {
            switch value {
            case .null: words.append(Cell.null)
            case .cell(let v) where v != Cell.null: words.append(v)
            default:
                others[words.count] = value
                words.append(Cell.null)
            }
        }
        for k in 0..<keyCount { put(k < c.keys.count ? c.keys[k] : .null) }
        for l in 0..<limitCount { put(l < c.limitKeys.count ? c.limitKeys[l] : .null) }
        put(c.subjectKey)
        ordinals.append(c.ordinal)
        amounts.append(c.amount)
    }

    @inline(__always)
    private func value(_ i: Int) -> OrderValue {
        if !others.isEmpty, let o = others[i] { return o }
        let w = words[i]
        return w == Cell.null ? .null : .cell(w)
    }

    public func key(_ candidate: Int, _ k: Int) -> OrderValue { value(candidate * stride + k) }
    public func limitKey(_ candidate: Int, _ l: Int) -> OrderValue { value(candidate * stride + keyCount + l) }
    public func subjectKey(_ candidate: Int) -> OrderValue { value(candidate * stride + keyCount + limitCount) }

    /// True when the candidates are in ascending ordinal (input) order.
    public var isInOrdinalOrder: Bool { zip(ordinals, ordinals.dropFirst()).allSatisfy { $0 <= $1 } }

    /// Puts the candidates in ascending ordinal order; returns the old index of each new one.
    public mutating func sortByOrdinal() -> [Int] {
        let order = ordinals.indices.sorted { ordinals[$0] < ordinals[$1] }
        var newWords: [Int64] = []
        newWords.reserveCapacity(words.count)
        var newOthers: [Int: OrderValue] = [:]
        for old in order {
            for j in 0..<stride {
                if let o = others[old * stride + j] { newOthers[newWords.count] = o }
                newWords.append(words[old * stride + j])
            }
        }
        words = newWords
        others = newOthers
        ordinals = order.map { ordinals[$0] }
        amounts = order.map { amounts[$0] }
        return order
    }

    /// -1, 0 or 1: `a` before `b` in the allocation order (`descending` per order key; nulls last
    /// either way), then by subject key, then by input order.
    func compare(_ a: Int, _ b: Int, descending: [Bool]) -> Int {
        let s = stride
        if others.isEmpty {
            return words.withUnsafeBufferPointer { w -> Int in
                func cmp(_ x: Int64, _ y: Int64, flip: Bool) -> Int {
                    if x == y { return 0 }
                    if x == Cell.null { return 1 }
                    if y == Cell.null { return -1 }
                    let c = x < y ? -1 : 1
                    return flip ? -c : c
                }
                for k in 0..<keyCount {
                    let c = cmp(w[a * s + k], w[b * s + k], flip: k < descending.count && descending[k])
                    if c != 0 { return c }
                }
                let c = cmp(w[a * s + s - 1], w[b * s + s - 1], flip: false)
                if c != 0 { return c }
                return ordinals[a] < ordinals[b] ? -1 : ordinals[a] > ordinals[b] ? 1 : 0
            }
        }
        for k in 0..<keyCount {
            let x = key(a, k), y = key(b, k)
            var c = OrderValue.compare(x, y)
            if k < descending.count, descending[k], x != .null, y != .null { c = -c }
            if c != 0 { return c }
        }
        let c = OrderValue.compare(subjectKey(a), subjectKey(b))
        if c != 0 { return c }
        return ordinals[a] < ordinals[b] ? -1 : ordinals[a] > ordinals[b] ? 1 : 0
    }
}
