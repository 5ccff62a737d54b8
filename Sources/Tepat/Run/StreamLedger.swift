import Foundation
import TepatModel
import TepatReport

/// Per program, the `households.csv` tallies of a streamed run, in memory only while the
/// household is in the window: when the window lets a household go, its tally is written to a
/// scratch file of fixed-size records (in household file order), so memory does not grow with the
/// population. Subjects decided later (deferred members) tally by the household's file row and
/// are merged in when the file is read back.
struct StreamLedger {
    let ruleSlots: Int
    // Per window row (parallel to `HouseholdWindow`'s rows).
    private(set) var accepted: [Int32] = []
    private(set) var rejected: [Int32] = []
    private(set) var invalid: [Int32] = []
    private(set) var amount: [Int64] = []
    private(set) var firstReason: [Int32] = []
    private(set) var firstReasonRow: [Int] = []
    private(set) var ruleCounts: [UInt16] = []
    var reasons = ReasonPool()
    /// Subjects decided after their household left the window, by the household's file row.
    var late: [Int: (key: Cell, tally: HouseholdTally)] = [:]
    /// Households known only by the text their subjects name (missing or invalid households).
    var byText: [String: (firstRow: Int, tally: HouseholdTally)] = [:]
    private let file: AtomicFile
    private(set) var recordsWritten = 0

    init(ruleSlots: Int, scratchPath: String) throws(RunError) {
        self.ruleSlots = ruleSlots
        file = try AtomicFile(path: scratchPath)
    }

    var recordSize: Int { 48 + ((ruleSlots * 2 + 7) & ~7) }

    /// Makes room for window rows up to `count`.
    mutating func grow(to count: Int) {
        let n = count - accepted.count
        guard n > 0 else { return }
        if count > accepted.capacity {
            // A quarter more, not twice: the window is bounded, but an array that doubles just
            // past its usual size holds twice the memory for the rest of the run.
            let rows = max(count, accepted.capacity + accepted.capacity / 4)
            accepted.reserveCapacity(rows)
            rejected.reserveCapacity(rows)
            invalid.reserveCapacity(rows)
            amount.reserveCapacity(rows)
            firstReason.reserveCapacity(rows)
            firstReasonRow.reserveCapacity(rows)
            ruleCounts.reserveCapacity(rows * ruleSlots)
        }
        accepted.append(contentsOf: repeatElement(0, count: n))
        rejected.append(contentsOf: repeatElement(0, count: n))
        invalid.append(contentsOf: repeatElement(0, count: n))
        amount.append(contentsOf: repeatElement(0, count: n))
        firstReason.append(contentsOf: repeatElement(-1, count: n))
        firstReasonRow.append(contentsOf: repeatElement(Int.max, count: n))
        ruleCounts.append(contentsOf: repeatElement(0, count: n * ruleSlots))
    }

    // MARK: Window rows (streamed subjects, in input order)

    mutating func invalidSubject(window row: Int) { invalid[row] += 1 }

    mutating func accept(window row: Int, amount a: Int64) {
        accepted[row] += 1
        amount[row] += a
    }

    /// Whether window row `row` already has its first rejection's reason.
    func hasReason(window row: Int) -> Bool { firstReason[row] >= 0 }

    /// A rejection with its reason as the CSV field of its decision line.
    mutating func reject(window row: Int, ruleSlot: Int, subjectRow: Int, reasonField: ArraySlice<UInt8>) {
        let first = firstReason[row] < 0
        reject(window: row, ruleSlot: ruleSlot, subjectRow: subjectRow, reason: nil)
        if first {
            firstReason[row] = reasons.intern(csvField: reasonField)
            firstReasonRow[row] = subjectRow
        }
    }

    /// A rejection; `reason` is needed only for the household's first (see `hasReason`).
    mutating func reject(window row: Int, ruleSlot: Int, subjectRow: Int, reason: String?) {
        rejected[row] += 1
        if ruleSlot >= 0, ruleSlot < ruleSlots {
            let i = row * ruleSlots + ruleSlot
            if ruleCounts[i] < .max { ruleCounts[i] += 1 }
        }
        if firstReason[row] < 0, let reason {
            firstReason[row] = reasons.intern(reason)
            firstReasonRow[row] = subjectRow
        }
    }

    // MARK: Households by file row or by text (deferred subjects)

    mutating func lateTally(fileRow: Int, key: Cell, _ update: (inout HouseholdTally, inout ReasonPool) -> Void) {
        var entry = late[fileRow] ?? (key, HouseholdTally(ruleSlots: ruleSlots))
        update(&entry.tally, &reasons)
        late[fileRow] = entry
    }

    mutating func textTally(_ key: String, subjectRow: Int, _ update: (inout HouseholdTally, inout ReasonPool) -> Void) {
        var entry = byText[key] ?? (subjectRow, HouseholdTally(ruleSlots: ruleSlots))
        entry.firstRow = min(entry.firstRow, subjectRow)
        update(&entry.tally, &reasons)
        byText[key] = entry
    }

    // MARK: Letting households go

    /// Writes the tallies of window rows `0..<count` that have subjects, then drops them.
    mutating func evict(_ count: Int, fileRows: ArraySlice<Int>, keys: ArraySlice<Cell>) {
        guard count > 0 else { return }
        grow(to: count)
        var out: [UInt8] = []
        out.reserveCapacity(count * recordSize / 2)
        for r in 0..<count where accepted[r] + rejected[r] + invalid[r] > 0 {
            out.appendRaw(Int64(fileRows[fileRows.startIndex + r]))
            out.appendRaw(keys[keys.startIndex + r])
            out.appendRaw(accepted[r])
            out.appendRaw(rejected[r])
            out.appendRaw(invalid[r])
            out.appendRaw(firstReason[r])
            out.appendRaw(amount[r])
            out.appendRaw(Int64(firstReasonRow[r] == Int.max ? Int64.max : Int64(firstReasonRow[r])))
            for s in 0..<ruleSlots { out.appendRaw(ruleCounts[r * ruleSlots + s]) }
            while out.count % 8 != 0 { out.append(0) }
            recordsWritten += 1
        }
        file.write(bytes: out)
        accepted.removeFirst(count)
        rejected.removeFirst(count)
        invalid.removeFirst(count)
        amount.removeFirst(count)
        firstReason.removeFirst(count)
        firstReasonRow.removeFirst(count)
        ruleCounts.removeFirst(count * ruleSlots)
    }

    /// Reads the written tallies back in file-row order, merged with the late ones and with the
    /// allocation outcomes (`allocated` hands them over sorted by household row, then input row;
    /// `allocate` adds one to a tally), calling `body(key, tally)` for each household; then
    /// removes the scratch file.
    func forEachHousehold(
        allocated: () throws(RunError) -> AllocatedSubject?, allocate: (AllocatedSubject, inout HouseholdTally) -> Void,
        _ body: (Cell, HouseholdTally) throws(RunError) -> Void
    ) throws(RunError) {
        try file.commit()
        defer { unlink(file.path) }
        let size = recordSize
        let reader: BlockReader
        do { reader = try BlockReader(path: file.path, blockSize: size * 16_384) } catch { throw RunError(error.message(.en)) }
        let lateRows = late.keys.sorted()
        var nextLate = 0
        var nextAllocated = try allocated()
        // Two tallies reset in place for every household (no array allocated per household): the
        // record read back, and one for households only the late or allocated lists know.
        var record = HouseholdTally(ruleSlots: ruleSlots)
        var other = HouseholdTally(ruleSlots: ruleSlots)
        /// Every household with a row below `limit` that only the late or allocated lists know,
        /// then the one at `limit` itself, merged with `record` when `hasRecord`.
        func flush(through limit: Int, key recordKey: Cell, hasRecord: Bool, _ record: inout HouseholdTally) throws(RunError) {
            while true {
                let l = nextLate < lateRows.count ? lateRows[nextLate] : Int.max
                let a = nextAllocated?.row ?? Int.max
                let row = min(l, a)
                guard row < limit || (row == limit && limit != Int.max) else { break }
                let merged = row == limit && hasRecord
                var key = merged ? recordKey : Cell.null
                if !merged { other.reset() }
                if l == row, let entry = late[row] {
                    if key == .null { key = entry.key }
                    if merged { record.add(entry.tally) } else { other.add(entry.tally) }
                    nextLate += 1
                }
                while let subject = nextAllocated, subject.row == row {
                    if key == .null { key = subject.key }
                    if merged { allocate(subject, &record) } else { allocate(subject, &other) }
                    nextAllocated = try allocated()
                }
                try body(key, merged ? record : other)
                if row == limit { return }
            }
            if hasRecord { try body(recordKey, record) }
        }
        let slots = ruleSlots
        // Block by block through the reader's buffer; a record cut at a block's end is moved to
        // the buffer's start by the next `fill`.
        while !reader.atEOF {
            do { try reader.fill() } catch { throw RunError(error.message(.en)) }
            while reader.start + size <= reader.count {
                let p = UnsafeRawPointer(reader.data + reader.start)
                record.counts = DecisionCounts(
                    accepted: Int(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: Int32.self))),
                    rejected: Int(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 20, as: Int32.self))),
                    invalid: Int(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: Int32.self))))
                record.firstReason = Int32(littleEndian: p.loadUnaligned(fromByteOffset: 28, as: Int32.self))
                record.amount = Int64(littleEndian: p.loadUnaligned(fromByteOffset: 32, as: Int64.self))
                let first = Int64(littleEndian: p.loadUnaligned(fromByteOffset: 40, as: Int64.self))
                record.firstReasonRow = first == Int64.max ? Int.max : Int(first)
                record.waitlist = nil
                record.limited = nil
                record.ruleCounts.withUnsafeMutableBufferPointer { counts in
                    for s in 0..<slots { counts[s] = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 48 + 2 * s, as: UInt16.self)) }
                }
                let fileRow = Int(Int64(littleEndian: p.loadUnaligned(as: Int64.self)))
                let key = Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: Int64.self))
                try flush(through: fileRow, key: key, hasRecord: true, &record)
                reader.start += size
            }
        }
        try flush(through: Int.max, key: .null, hasRecord: false, &record)
    }

    func discard() { file.discard() }
}

extension [UInt8] {
    @inline(__always)
    mutating func appendRaw<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    @inline(__always)
    func readRaw<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
