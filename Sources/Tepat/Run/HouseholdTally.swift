import Foundation
import TepatModel
import TepatReport

/// What happened to the subjects of one household in one program: a row of `households.csv`
/// before it is rendered.
struct HouseholdTally: Sendable {
    var counts = DecisionCounts()
    var amount: Int64 = 0
    /// The interned reason of the first rejected subject (by input row), or -1.
    var firstReason: Int32 = -1
    /// The input row of that subject (`Int.max` when none), so tallies made at different times
    /// (a streamed household and its late, deferred members) agree on which came first.
    var firstReasonRow = Int.max
    /// The first waitlisted subject's rank and cap (its reason is rendered when written).
    var waitlist: (rank: Int, byBudget: Bool)?
    /// The first subject rejected by an allocation limit, when no rule rejected any.
    var limited: (limit: Int, rank: Int)?
    /// Rejections per rule slot (rules, then allocation limits).
    var ruleCounts: [UInt16]

    init(ruleSlots: Int) {
        ruleCounts = Array(repeating: 0, count: ruleSlots)
    }

    /// Back to an empty tally, keeping `ruleCounts`' storage: a tally reused for a million
    /// households allocates once.
    mutating func reset() {
        counts = DecisionCounts()
        amount = 0
        firstReason = -1
        firstReasonRow = Int.max
        waitlist = nil
        limited = nil
        ruleCounts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Adds a rejection by `ruleSlot`; `reason` is interned only when it is the first.
    mutating func reject(ruleSlot: Int, subjectRow: Int, reasons: inout ReasonPool, reason: () -> String) {
        counts.rejected += 1
        if ruleSlot >= 0, ruleSlot < ruleCounts.count, ruleCounts[ruleSlot] < .max { ruleCounts[ruleSlot] += 1 }
        if subjectRow < firstReasonRow {
            firstReason = reasons.intern(reason())
            firstReasonRow = subjectRow
        }
    }

    /// Merges the tally of other subjects of the same household.
    mutating func add(_ other: HouseholdTally) {
        counts.accepted += other.counts.accepted
        counts.rejected += other.counts.rejected
        counts.waitlisted += other.counts.waitlisted
        counts.invalid += other.counts.invalid
        amount += other.amount
        for i in ruleCounts.indices where i < other.ruleCounts.count {
            ruleCounts[i] = UInt16(clamping: Int(ruleCounts[i]) + Int(other.ruleCounts[i]))
        }
        if other.firstReasonRow < firstReasonRow {
            firstReason = other.firstReason
            firstReasonRow = other.firstReasonRow
        }
        if waitlist == nil { waitlist = other.waitlist }
        if limited == nil { limited = other.limited }
    }
}

/// Reason texts repeat a lot ("Desil 6 melebihi batas desil 4"): kept once each.
struct ReasonPool: Sendable {
    private var ids: [String: Int32] = [:]
    private(set) var texts: [String] = []
    /// The reasons met as CSV fields (as a decision line has them), by a hash of their bytes:
    /// per field, its bytes, its reason's id and the next field with the same hash.
    private var fieldByHash: [UInt64: Int32] = [:]
    private var fields: [[UInt8]] = []
    private var fieldReason: [Int32] = []
    private var fieldNext: [Int32] = []

    /// The id of a reason given as its CSV field: a field met before costs a hash and a compare,
    /// no string (the first rejection of every household comes through here).
    mutating func intern(csvField field: ArraySlice<UInt8>) -> Int32 {
        let hash = Self.hash(field)
        var f = fieldByHash[hash] ?? -1
        while f >= 0 {
            if Self.equal(fields[Int(f)], field) { return fieldReason[Int(f)] }
            f = fieldNext[Int(f)]
        }
        let id = intern(ProgramRun.csvText(field))
        fieldNext.append(fieldByHash[hash] ?? -1)
        fieldByHash[hash] = Int32(fields.count)
        fields.append(Array(field))
        fieldReason.append(id)
        return id
    }

    /// A multiply-xor hash taking 8 bytes a step (a byte at a time, hashing a 150-byte reason
    /// for every household cost more than the rest of its tally). Equal hashes are told apart
    /// by comparing bytes, so the hash only has to spread, and it needs no random seed.
    private static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            let k: UInt64 = 0x9e37_79b9_7f4a_7c15
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(raw.count)
            var i = 0
            while i + 8 <= raw.count {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
                h ^= h >> 29
                i += 8
            }
            var tail: UInt64 = 0
            while i < raw.count {
                tail = tail << 8 | UInt64(raw[i])
                i += 1
            }
            h = (h ^ tail) &* k
            return h ^ (h >> 32)
        }
    }

    private static func equal(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    mutating func intern(_ text: String) -> Int32 {
        if let id = ids[text] { return id }
        let id = Int32(texts.count)
        texts.append(text)
        ids[text] = id
        return id
    }

    subscript(id: Int32) -> String { id >= 0 && Int(id) < texts.count ? texts[Int(id)] : "" }
}
