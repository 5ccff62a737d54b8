import TepatCheck
import TepatEval
import TepatModel

/// How one key of a candidate is kept in its record.
public enum CandidateSlot: Sendable, Hashable {
    /// A cell (number, date, code, boolean) or null: one word.
    case cell
    /// A text: a presence word and three words of bytes, for ASCII texts of up to 24 bytes; other
    /// texts are kept aside in memory (exact, but not bounded).
    case text

    var width: Int { self == .cell ? 1 : 4 }

    /// The slot of an order key, as `OrderKeyFunction` computes its value: texts for text fields,
    /// cells otherwise (decimal keys are rationals, kept aside).
    public init(_ key: CheckedAllocation.OrderKey) {
        if key.expr.type == .string, case .field = key.expr.kind { self = .text } else { self = .cell }
    }
}

/// Where each value sits in a candidate record (all words are `UInt64`):
///
///     order keys | subject key | ordinal | index || flags | limit keys | amount | payload
///
/// Everything before `||` is the priority prefix, encoded so that comparing it word by word
/// (unsigned) is exactly `CandidatePool.compare`: order keys (flipped when descending), nulls last
/// either way, then the subject key, then the input row, then the append index.
public struct CandidateLayout: Sendable {
    public let keys: [CandidateSlot]
    public let descending: [Bool]
    public let subject: CandidateSlot
    public let limitCount: Int
    public let payloadCount: Int
    let keyOffsets: [Int]
    let subjectOffset: Int
    let ordinalWord: Int
    let indexWord: Int
    let flagsWord: Int
    let limitWord: Int
    let amountWord: Int
    let payloadWord: Int
    public let words: Int

    static let kept: UInt64 = 1
    static let limited: UInt64 = 2
    static let sign: UInt64 = 1 << 63

    public init(keys: [CandidateSlot], descending: [Bool], subject: CandidateSlot, limitCount: Int, payloadCount: Int) {
        self.keys = keys
        self.descending = keys.indices.map { $0 < descending.count && descending[$0] }
        self.subject = subject
        self.limitCount = max(0, limitCount)
        self.payloadCount = max(0, payloadCount)
        var offset = 0
        var offsets: [Int] = []
        for slot in keys {
            offsets.append(offset)
            offset += slot.width
        }
        keyOffsets = offsets
        subjectOffset = offset
        offset += subject.width
        ordinalWord = offset
        indexWord = offset + 1
        flagsWord = offset + 2
        limitWord = offset + 3
        amountWord = limitWord + self.limitCount
        payloadWord = amountWord + 1
        words = payloadWord + self.payloadCount
    }

    /// Words `0..<prefixWords` order the candidates.
    var prefixWords: Int { indexWord + 1 }

    // MARK: Encoding

    /// A cell as an unsigned word in the allocation order; null (`Cell.null`) is `UInt64.max`.
    @inline(__always)
    static func encode(cell v: Int64, descending: Bool) -> UInt64 {
        if v == Cell.null { return .max }
        let biased = UInt64(bitPattern: v) ^ sign  // 1...max, as v is never Int64.min here
        return descending ? ~biased : biased - 1
    }

    static func decode(cell u: UInt64, descending: Bool) -> OrderValue {
        if u == .max { return .null }
        return .cell(Int64(bitPattern: (descending ? ~u : u + 1) ^ sign))
    }

    @inline(__always)
    static func encode(integer: Int) -> UInt64 { UInt64(bitPattern: Int64(integer)) ^ sign }

    @inline(__always)
    static func decode(integer: UInt64) -> Int { Int(Int64(bitPattern: integer ^ sign)) }

    /// Writes `value` into the slot at `at`; false when it does not fit (then kept aside).
    static func put(_ value: OrderValue, _ slot: CandidateSlot, descending: Bool, at p: UnsafeMutablePointer<UInt64>) -> Bool {
        switch (slot, value) {
        case (.cell, .null):
            p[0] = .max
            return true
        case (.cell, .cell(let v)) where v != Cell.null:
            p[0] = encode(cell: v, descending: descending)
            return true
        case (.cell, _):
            p[0] = .max
            return false
        case (.text, .null):
            p[0] = 1
            return true
        case (.text, .text(let s)):
            // ASCII without NUL compares byte by byte, as `String` does; shorter first.
            var fits = s.utf8.count <= 24
            var i = 0
            if fits {
                for byte in s.utf8 {
                    guard byte > 0, byte < 0x80 else {
                        fits = false
                        break
                    }
                    p[1 + i / 8] |= UInt64(byte) << UInt64(56 - 8 * (i % 8))
                    i += 1
                }
            }
            if !fits {
                p.update(repeating: 0, count: 4)
                p[0] = 1
                return false
            }
            if descending { for w in 1...3 { p[w] = ~p[w] } }
            return true
        case (.text, _):
            p[0] = 1
            return false
        }
    }

    static func value(_ slot: CandidateSlot, descending: Bool, at p: UnsafePointer<UInt64>) -> OrderValue {
        switch slot {
        case .cell: return decode(cell: p[0], descending: descending)
        case .text:
            if p[0] != 0 { return .null }
            var bytes: [UInt8] = []
            for w in 1...3 {
                let word = descending ? ~p[w] : p[w]
                for b in 0..<8 {
                    let byte = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * b))
                    if byte == 0 { return .text(String(decoding: bytes, as: UTF8.self)) }
                    bytes.append(byte)
                }
            }
            return .text(String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// One candidate record as allocation hands it over (valid only during the call).
public struct CandidateRecord {
    let base: UnsafePointer<UInt64>
    let ordinalWord: Int
    let indexWord: Int
    let amountWord: Int
    let payloadWord: Int
    let payloadCount: Int

    init(_ base: UnsafePointer<UInt64>, _ layout: CandidateLayout) {
        self.base = base
        ordinalWord = layout.ordinalWord
        indexWord = layout.indexWord
        amountWord = layout.amountWord
        payloadWord = layout.payloadWord
        payloadCount = layout.payloadCount
    }

    /// The subject's input row (`Candidate.ordinal`).
    public var ordinal: Int { CandidateLayout.decode(integer: base[ordinalWord]) }
    /// The candidate's position in the order it was appended.
    public var index: Int { CandidateLayout.decode(integer: base[indexWord]) }
    public var amount: Int64 { Int64(bitPattern: base[amountWord]) }

    /// Word `i` of what the caller stored beside the candidate.
    public func payload(_ i: Int) -> Int64 { i >= 0 && i < payloadCount ? Int64(bitPattern: base[payloadWord + i]) : 0 }
}

/// The candidates of a run, kept on disk: fixed-size records appended while the population
/// streams, then sorted externally (`ExternalSort`) and walked once in priority order, so memory
/// does not grow with the candidates. Decides exactly what `Allocator.allocate` decides:
///
/// - one limit (the usual “one per household”): a first sort by (limit key, priority) marks all
///   but the first `max` of each key as limited — a limited candidate never counts toward the
///   limit, so with a single limit the first `max` by priority are exactly those that pass;
/// - several limits interact (a candidate limited by one does not count toward another), so they
///   are counted in memory during the walk, one entry per distinct key, as `Allocator` does;
/// - values a record cannot hold (long or non-ASCII texts, fractions) are kept aside in memory
///   and compared exactly.
public final class CandidateStore {
    public let layout: CandidateLayout
    let scratch: String
    let runRecords: Int?
    let fanIn: Int
    /// Candidates with a value kept aside, by append index.
    final class Aside { var candidates: [Int: Candidate] = [:] }
    let aside = Aside()
    /// A limit key is not a cell: limits are counted in memory.
    private var limitsInMemory = false
    /// The first sort: by limit key with exactly one limit, by priority otherwise.
    private let first: ExternalSort
    private let byLimit: Bool
    public private(set) var count = 0

    /// `scratch` prefixes the scratch files' paths; `runRecords` and `fanIn` are for tests.
    public init(layout: CandidateLayout, scratch: String, runRecords: Int? = nil, fanIn: Int = 64) {
        self.layout = layout
        self.scratch = scratch
        self.runRecords = runRecords
        self.fanIn = fanIn
        byLimit = layout.limitCount == 1
        if byLimit {
            let order = Self.priority(layout, aside)
            let key = layout.limitWord
            first = ExternalSort(words: layout.words, primary: key, path: scratch + "-limit", runRecords: runRecords, fanIn: fanIn, compare: order)
        } else {
            first = ExternalSort(words: layout.words, primary: nil, path: scratch + "-order", runRecords: runRecords, fanIn: fanIn, compare: Self.priority(layout, aside))
        }
    }

    /// The layout for `policy`'s order keys and limits.
    public convenience init(policy: CheckedAllocation?, subject: CandidateSlot, payloadCount: Int, scratch: String, runRecords: Int? = nil, fanIn: Int = 64) {
        let order = policy?.order ?? []
        self.init(
            layout: CandidateLayout(
                keys: order.map(CandidateSlot.init), descending: order.map(\.descending), subject: subject,
                limitCount: policy?.limits.count ?? 0, payloadCount: payloadCount),
            scratch: scratch, runRecords: runRecords, fanIn: fanIn)
    }

    /// Writes the candidates held in memory to disk and lets their buffer go (before a stage that
    /// needs the memory; appending again is fine).
    public func releaseMemory() { first.releaseBuffer() }

    /// Writes failed (the first failure is thrown by `allocate`).
    public var failure: ScratchFileError? { first.failure }

    public func append(_ c: Candidate, payload: [Int64] = []) {
        let layout = self.layout
        let index = count
        var keptAside = false
        first.append { r in
            for (k, slot) in layout.keys.enumerated() {
                let value = k < c.keys.count ? c.keys[k] : .null
                if !CandidateLayout.put(value, slot, descending: layout.descending[k], at: r + layout.keyOffsets[k]) { keptAside = true }
            }
            if !CandidateLayout.put(c.subjectKey, layout.subject, descending: false, at: r + layout.subjectOffset) { keptAside = true }
            r[layout.ordinalWord] = CandidateLayout.encode(integer: c.ordinal)
            r[layout.indexWord] = CandidateLayout.encode(integer: index)
            for l in 0..<layout.limitCount {
                switch l < c.limitKeys.count ? c.limitKeys[l] : .null {
                case .null: r[layout.limitWord + l] = UInt64(bitPattern: Cell.null)
                case .cell(let v) where v != Cell.null: r[layout.limitWord + l] = UInt64(bitPattern: v)
                default:
                    r[layout.limitWord + l] = UInt64(bitPattern: Cell.null)
                    keptAside = true
                    limitsInMemory = true
                }
            }
            r[layout.amountWord] = UInt64(bitPattern: c.amount)
            for i in 0..<min(layout.payloadCount, payload.count) { r[layout.payloadWord + i] = UInt64(bitPattern: payload[i]) }
            if keptAside { r[layout.flagsWord] = CandidateLayout.kept }
        }
        if keptAside { aside.candidates[index] = c }
        count += 1
    }

    // MARK: Order

    /// The order keys and subject key of a record, as `OrderValue`s.
    static func values(_ r: UnsafePointer<UInt64>, _ layout: CandidateLayout, _ aside: Aside) -> (keys: [OrderValue], subject: OrderValue) {
        if r[layout.flagsWord] & CandidateLayout.kept != 0, let c = aside.candidates[CandidateLayout.decode(integer: r[layout.indexWord])] {
            return (layout.keys.indices.map { $0 < c.keys.count ? c.keys[$0] : .null }, c.subjectKey)
        }
        let keys = layout.keys.indices.map { k in CandidateLayout.value(layout.keys[k], descending: layout.descending[k], at: r + layout.keyOffsets[k]) }
        return (keys, CandidateLayout.value(layout.subject, descending: false, at: r + layout.subjectOffset))
    }

    /// A limit key of a record, as `CandidatePool.limitKey` gives it.
    static func limitValue(_ r: UnsafePointer<UInt64>, _ l: Int, _ layout: CandidateLayout, _ aside: Aside) -> OrderValue {
        if r[layout.flagsWord] & CandidateLayout.kept != 0, let c = aside.candidates[CandidateLayout.decode(integer: r[layout.indexWord])] {
            return l < c.limitKeys.count ? c.limitKeys[l] : .null
        }
        let v = Int64(bitPattern: r[layout.limitWord + l])
        return v == Cell.null ? .null : .cell(v)
    }

    /// The priority order: the prefix word by word, or, when a value is kept aside, exactly as
    /// `CandidatePool.compare` compares `OrderValue`s.
    static func priority(_ layout: CandidateLayout, _ aside: Aside) -> ExternalSort.Compare {
        let prefix = layout.prefixWords
        let flags = layout.flagsWord
        return { a, b in
            if (a[flags] | b[flags]) & CandidateLayout.kept != 0 { return slowCompare(a, b, layout, aside) }
            for i in 0..<prefix where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            return 0
        }
    }

    static func slowCompare(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, _ layout: CandidateLayout, _ aside: Aside) -> Int {
        let x = values(a, layout, aside), y = values(b, layout, aside)
        for k in layout.keys.indices {
            var c = OrderValue.compare(x.keys[k], y.keys[k])
            if layout.descending[k], x.keys[k] != .null, y.keys[k] != .null { c = -c }
            if c != 0 { return c }
        }
        let c = OrderValue.compare(x.subject, y.subject)
        if c != 0 { return c }
        for w in [layout.ordinalWord, layout.indexWord] where a[w] != b[w] { return a[w] < b[w] ? -1 : 1 }
        return 0
    }

    // MARK: Allocation

    /// Allocates as `Allocator.allocate` does (`policy` must be the one the layout was made for),
    /// handing every candidate with its outcome to `body`, in priority order.
    /// With `background`, the runs of the priority sort are sorted and written on another thread
    /// while the walk by limit key fills the next (runs of half the size: the same memory).
    public func allocate(
        policy: CheckedAllocation?, background: Bool = false, _ body: (CandidateRecord, Allocation) -> Void
    ) throws(ScratchFileError) -> AllocationTotals {
        var totals = AllocationTotals()
        totals.quota = policy?.quota?.max
        totals.budget = policy?.budget?.max
        let layout = self.layout, aside = self.aside
        let limits = Array((policy?.limits ?? []).prefix(layout.limitCount))
        // One limit of cells: marked while reading the sort by limit key.
        let marked = byLimit && !limitsInMemory && limits.count == 1
        var order: SortedRecords
        if byLimit {
            let byKey = try first.sorted()
            // With no value kept aside, the priority order is the prefix words, compared in place.
            let priority = ExternalSort(
                words: layout.words, primary: aside.candidates.isEmpty ? 0 : nil, path: scratch + "-order",
                runRecords: runRecords ?? (background ? ExternalSort.defaultRunRecords(words: layout.words) / 2 : nil), fanIn: fanIn,
                background: background, leadingWords: aside.candidates.isEmpty ? layout.prefixWords : nil, compare: Self.priority(layout, aside))
            let max = limits.first?.max ?? 0
            let keyWord = layout.limitWord, flagsWord = layout.flagsWord, words = layout.words
            let null = UInt64(bitPattern: Cell.null)
            var previous: UInt64 = 0
            var havePrevious = false
            var index: Int64 = 0
            while let r = try byKey.next() {
                var limited = false
                if marked, r[keyWord] != null {
                    if havePrevious, r[keyWord] == previous { index &+= 1 } else {
                        previous = r[keyWord]
                        havePrevious = true
                        index = 0
                    }
                    limited = index >= max
                }
                priority.append { out in
                    out.update(from: r, count: words)
                    if limited { out[flagsWord] |= CandidateLayout.limited }
                }
            }
            order = try priority.sorted()
        } else {
            order = try first.sorted()
        }
        var used: [[OrderValue: Int64]] = marked ? [] : Array(repeating: [:], count: limits.count)
        var position = 0
        var rank = 0
        var full = false
        var fullByBudget = false
        var accepted: Int64 = 0
        while let r = try order.next() {
            position += 1
            let record = CandidateRecord(r, layout)
            var limitedBy: Int?
            if marked {
                if r[layout.flagsWord] & CandidateLayout.limited != 0 { limitedBy = 0 }
            } else {
                for (l, limit) in limits.enumerated() {
                    let key = Self.limitValue(r, l, layout, aside)
                    if key == .null { continue }
                    if used[l][key, default: 0] >= limit.max {
                        limitedBy = l
                        break
                    }
                }
            }
            if let l = limitedBy {
                body(record, .limited(limit: l, rank: position))
                totals.limited += 1
                continue
            }
            if !marked {
                for l in limits.indices {
                    let key = Self.limitValue(r, l, layout, aside)
                    if key != .null { used[l][key, default: 0] &+= 1 }
                }
            }
            rank += 1
            let amount = record.amount
            if !full {
                if let quota = totals.quota, accepted >= quota {
                    full = true
                } else if let budget = totals.budget {
                    let (next, overflow) = totals.amount.addingReportingOverflow(amount)
                    if overflow || next > budget {
                        full = true
                        fullByBudget = true
                    }
                }
            }
            if full {
                body(record, .waitlisted(rank: rank, byBudget: fullByBudget))
                totals.waitlisted += 1
            } else {
                body(record, .accepted(rank: rank))
                totals.accepted += 1
                totals.amount &+= amount
                accepted += 1
            }
        }
        return totals
    }
}
