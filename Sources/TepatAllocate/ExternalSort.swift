import Foundation

/// Sorts fixed-size records (`words` 64-bit words each) that need not fit in memory: records are
/// gathered in a buffer of at most `runRecords`, each full buffer is sorted and written to a
/// scratch file as a run, and the runs are merged `fanIn` at a time, the last merge streaming
/// to the caller. Memory is the run buffer (or the merge buffers), whatever the record count;
/// a sort that fits in one run never touches the disk.
///
/// The order is by word `primary` (unsigned) when given, then by `compare` (negative, zero or positive, like
/// `memcmp`) for records whose primary words are equal; records that compare equal keep the
/// order they were appended in.
///
/// With `leadingWords`, the order is words `0..<leadingWords` compared as unsigned numbers, one
/// after another, and `compare` is never called: the sort and the merge compare in place, with
/// no closure call per comparison (the priority order of candidates without values kept aside).
///
/// Appending never throws: the first failure to write a run is kept and thrown by `sorted()`, so
/// callers that merge results in input order need no error path (as `AtomicFile` does).
public final class ExternalSort {
    /// Negative when the first record comes first, zero when they are equal, positive otherwise.
    public typealias Compare = (UnsafePointer<UInt64>, UnsafePointer<UInt64>) -> Int

    public let words: Int
    let primary: Int?
    let compare: Compare
    let leadingWords: Int?
    let runRecords: Int
    let fanIn: Int
    let path: String
    /// Room for one run, mapped at the first record.
    private var memory: RecordBuffer?
    private var buffered = 0
    /// Runs in `file`, as record ranges.
    private var runs: [Range<Int>] = []
    private var file: ScratchFile?
    private var consumed = false
    public private(set) var count = 0
    /// The first failure to write a run (after the run in flight, if any, is done).
    public var failure: ScratchFileError? {
        settle()
        return firstFailure
    }
    private var firstFailure: ScratchFileError?
    /// With a queue, a full run is sorted and written on it while appends fill the next buffer;
    /// one run at most is in flight (two buffers), and `file`, `runs` and `failure` belong to
    /// the queue until `settle()`.
    private let spiller: DispatchQueue?
    private var spilling = false

    /// The default run size: 16 MB of records.
    public static func defaultRunRecords(words: Int) -> Int { max(1024, (16 << 20) / (max(1, words) * 8)) }

    /// `path` names the scratch files (created only when a run must be written, and unlinked at
    /// once, see `ScratchFile`); `runRecords` bounds the records held in memory.
    public init(
        words: Int, primary: Int?, path: String, runRecords: Int? = nil, fanIn: Int = 64, background: Bool = false, leadingWords: Int? = nil,
        compare: @escaping Compare
    ) {
        self.leadingWords = leadingWords.flatMap { $0 > 0 && $0 <= max(1, words) ? $0 : nil }
        spiller = background ? DispatchQueue(label: "tepat.sort-spill") : nil
        self.words = max(1, words)
        self.primary = primary.flatMap { $0 >= 0 && $0 < max(1, words) ? $0 : nil }
        self.path = path
        // At most 2^30 records and 1 GB in one run: offsets below never overflow.
        self.runRecords = min(max(1, runRecords ?? Self.defaultRunRecords(words: words)), 1 << 30, max(1, (1 << 27) / max(1, words)))
        self.fanIn = max(2, fanIn)
        self.compare = compare
    }

    // MARK: Appending

    /// Appends one record, written by `fill` into zeroed words.
    @inline(__always)
    public func append(_ fill: (UnsafeMutablePointer<UInt64>) -> Void) {
        guard !consumed else { return }
        if buffered == runRecords { spill() }
        if memory == nil { memory = RecordBuffer(words: runRecords * words) }
        guard let buffer = memory?.words else { return }
        let record = buffer + buffered * words
        record.update(repeating: 0, count: words)
        fill(record)
        buffered += 1
        count += 1
    }

    /// Appends a copy of `record` (`words` words).
    public func append(copying record: UnsafePointer<UInt64>) {
        let w = words
        append { $0.update(from: record, count: w) }
    }

    /// Sorts the buffered records in place.
    private func sortBuffer() {
        if let buffer = memory?.words { sort(buffer, count: buffered) }
    }

    /// Sorts `n` records at `buffer` in place.
    private func sort(_ buffer: UnsafeMutablePointer<UInt64>, count n: Int) {
        let w = words
        guard n > 1 else { return }
        let base = UnsafePointer(buffer)
        let compare = self.compare
        var source: [Int32]
        if let k = leadingWords {
            // The leading words in order by a packed key; equal keys that are only a prefix tie
            // compare the words in place (then the index, as the radix sort left them).
            var packed = PackedKeyOrder.order(base, count: n, stride: w, words: Array(0..<k))
            if !packed.exact {
                Self.breakTies(&packed) { a, b in
                    let x = base + Int(a) * w, y = base + Int(b) * w
                    for i in 0..<k where x[i] != y[i] { return x[i] < y[i] }
                    return a < b
                }
            }
            source = packed.order
        } else if let p = primary {
            // By the primary word, packed and radix sorted; only ties look at the records.
            var packed = PackedKeyOrder.order(base, count: n, stride: w, words: [p])
            Self.breakTies(&packed) { a, b in
                let c = compare(base + Int(a) * w, base + Int(b) * w)
                return c != 0 ? c < 0 : a < b
            }
            source = packed.order
        } else {
            source = (0..<Int32(n)).map { $0 }
            source.sort { a, b in
                let c = compare(base + Int(a) * w, base + Int(b) * w)
                return c != 0 ? c < 0 : a < b
            }
        }
        // Apply the permutation in place, cycle by cycle (`source[i]` goes to position i).
        let spare = UnsafeMutablePointer<UInt64>.allocate(capacity: w)
        defer { spare.deallocate() }
        for start in 0..<n where source[start] >= 0 {
            if Int(source[start]) == start {
                source[start] = -1
                continue
            }
            spare.update(from: buffer + start * w, count: w)
            var to = start
            while true {
                let from = Int(source[to])
                source[to] = -1
                if from == start {
                    (buffer + to * w).update(from: spare, count: w)
                    break
                }
                (buffer + to * w).update(from: buffer + from * w, count: w)
                to = from
            }
        }
    }

    /// Sorts each run of equal keys of `packed` with `less`.
    private static func breakTies(_ packed: inout PackedKeyOrder.Result, by less: (Int32, Int32) -> Bool) {
        let keys = packed.keys
        var i = 0
        while i < keys.count {
            var j = i + 1
            while j < keys.count, keys[j] == keys[i] { j += 1 }
            if j - i > 1 { packed.order[i..<j].sort(by: less) }
            i = j
        }
    }

    /// Writes the buffered records as a run and unmaps the buffer (mapped again on append).
    public func releaseBuffer() {
        guard !consumed else { return }
        if buffered > 0 { spill() }
        memory = nil
    }

    /// Waits for the run in flight, if any.
    private func settle() {
        guard spilling, let spiller else { return }
        spiller.sync {}
        spilling = false
    }

    /// Sorts the buffer and writes it as a run.
    private func spill() {
        guard let full = memory else { return }
        let n = buffered
        buffered = 0
        guard let spiller else { return writeRun(full, count: n) }
        settle()
        // The next records go to a new buffer; this one is the queue's until written.
        memory = nil
        spilling = true
        let job = SpillJob(sorter: self, buffer: full, count: n)
        spiller.async { job.sorter.writeRun(job.buffer, count: job.count) }
    }

    /// Sorts `n` records of `buffer` and writes them as a run.
    private func writeRun(_ buffer: RecordBuffer, count n: Int) {
        sort(buffer.words, count: n)
        guard firstFailure == nil else { return }
        do {
            if file == nil { file = try ScratchFile(path: path) }
            if let file {
                let start = file.length / (words * 8)
                try file.append(buffer.words, count: n * words * 8)
                runs.append(start..<(start + n))
            }
        } catch {
            firstFailure = error
        }
    }

    /// A run handed to the spill queue: the sorter's run state is touched by one thread at a
    /// time (`settle` is the hand-back), which the compiler cannot see.
    private struct SpillJob: @unchecked Sendable {
        let sorter: ExternalSort
        let buffer: RecordBuffer
        let count: Int
    }

    // MARK: Reading in order

    /// The records in order (once: the sorter is spent). Throws the first write failure.
    public func sorted() throws(ScratchFileError) -> SortedRecords {
        guard !consumed else { throw ScratchFileError("internal error: \(path) sorted twice") }
        consumed = true
        settle()
        if let firstFailure { throw firstFailure }
        if runs.isEmpty {
            sortBuffer()
            // The buffer now belongs to the reader.
            let records = SortedRecords(memory: memory, count: buffered, words: words)
            memory = nil
            buffered = 0
            return records
        }
        if buffered > 0 { spill() }
        settle()
        if let firstFailure { throw firstFailure }
        memory = nil
        guard var source = file else { throw ScratchFileError("internal error: \(path) has no runs") }
        file = nil
        // Merge passes until `fanIn` runs are left.
        var pass = 0
        while runs.count > fanIn {
            pass += 1
            let target = try ScratchFile(path: path + ".\(pass)")
            var merged: [Range<Int>] = []
            let chunk = max(1, (1 << 20) / (words * 8))
            let out = UnsafeMutablePointer<UInt64>.allocate(capacity: chunk * words)
            defer { out.deallocate() }
            var group = 0
            while group < runs.count {
                let part = Array(runs[group..<min(group + fanIn, runs.count)])
                group += fanIn
                let merger = try RunMerger(file: source, runs: part, words: words, primary: primary, leadingWords: leadingWords, compare: compare)
                let start = target.length / (words * 8)
                var n = 0, pending = 0
                while let record = try merger.next() {
                    (out + pending * words).update(from: record, count: words)
                    pending += 1
                    n += 1
                    if pending == chunk {
                        try target.append(out, count: pending * words * 8)
                        pending = 0
                    }
                }
                if pending > 0 { try target.append(out, count: pending * words * 8) }
                merged.append(start..<(start + n))
            }
            runs = merged
            source = target
        }
        return SortedRecords(merger: try RunMerger(file: source, runs: runs, words: words, primary: primary, leadingWords: leadingWords, compare: compare))
    }
}

/// The records of an `ExternalSort`, in order: `next()` gives a pointer to the next record,
/// valid until the following call.
public final class SortedRecords {
    /// A sort that fitted in one run: its buffer, read in place.
    private let memory: RecordBuffer?
    private let merger: RunMerger?
    private var position = 0
    /// How many records there are in all.
    public let count: Int
    public let words: Int

    init(memory: RecordBuffer?, count: Int, words: Int) {
        self.memory = memory
        merger = nil
        self.count = memory == nil ? 0 : count
        self.words = words
    }

    init(merger: RunMerger) {
        memory = nil
        self.merger = merger
        count = merger.total
        words = merger.words
    }

    @inline(__always)
    public func next() throws(ScratchFileError) -> UnsafePointer<UInt64>? {
        if let memory {
            guard position < count else { return nil }
            defer { position += 1 }
            return UnsafePointer(memory.words + position * words)
        }
        return try merger?.next()
    }
}

/// A k-way merge of sorted runs of one scratch file: each run is read through its own buffer, the
/// runs' current records are kept in a binary heap.
final class RunMerger {
    let file: ScratchFile
    let words: Int
    let primary: Int?
    let leadingWords: Int?
    let compare: ExternalSort.Compare
    let total: Int
    /// Per run: the next record to read from the file, the end, and what is buffered. A merger
    /// is used by one thread; without the dynamic exclusivity checks on these, a merge of 750,000
    /// records spent a tenth of its time in `swift_beginAccess`.
    @exclusivity(unchecked) private var nextRead: [Int]
    @exclusivity(unchecked) private var end: [Int]
    @exclusivity(unchecked) private var buffered: [Int]
    @exclusivity(unchecked) private var position: [Int]
    private let bufferRecords: Int
    private let buffers: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private var heap: [Int32] = []
    private var started = false

    init(
        file: ScratchFile, runs: [Range<Int>], words: Int, primary: Int?, leadingWords: Int? = nil, compare: @escaping ExternalSort.Compare
    ) throws(ScratchFileError) {
        self.leadingWords = leadingWords
        self.file = file
        self.words = words
        self.primary = primary
        self.compare = compare
        total = runs.reduce(0) { $0 + $1.count }
        nextRead = runs.map(\.lowerBound)
        end = runs.map(\.upperBound)
        buffered = Array(repeating: 0, count: runs.count)
        position = Array(repeating: 0, count: runs.count)
        // 256 KB per run.
        bufferRecords = max(1, (256 << 10) / (words * 8))
        buffers = .allocate(capacity: max(1, runs.count) * bufferRecords * words)
        for r in runs.indices { _ = try refill(r) }
    }

    deinit { buffers.deallocate() }

    @inline(__always)
    private func current(_ run: Int) -> UnsafePointer<UInt64> {
        UnsafePointer(buffers + (run * bufferRecords + position[run]) * words)
    }

    /// Reads the next records of run `r`; false when the run is spent.
    private func refill(_ r: Int) throws(ScratchFileError) -> Bool {
        let n = min(bufferRecords, end[r] - nextRead[r])
        guard n > 0 else { return false }
        let bytes = n * words * 8
        let got = try file.read(at: nextRead[r] * words * 8, into: buffers + r * bufferRecords * words, count: bytes)
        guard got == bytes else { throw ScratchFileError("cannot read back the scratch file \(file.path) (it is shorter than written)") }
        nextRead[r] += n
        buffered[r] = n
        position[r] = 0
        return true
    }

    /// Whether run `a`'s current record comes before run `b`'s (the earlier run on ties).
    @inline(__always)
    private func before(_ a: Int32, _ b: Int32) -> Bool {
        let x = current(Int(a)), y = current(Int(b))
        if let k = leadingWords {
            for i in 0..<k where x[i] != y[i] { return x[i] < y[i] }
            return a < b
        }
        if let p = primary, x[p] != y[p] { return x[p] < y[p] }
        let c = compare(x, y)
        return c != 0 ? c < 0 : a < b
    }

    private func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1
            guard l < n else { return }
            var m = l
            if l + 1 < n, before(heap[l + 1], heap[l]) { m = l + 1 }
            guard before(heap[m], heap[i]) else { return }
            heap.swapAt(i, m)
            i = m
        }
    }

    func next() throws(ScratchFileError) -> UnsafePointer<UInt64>? {
        if !started {
            started = true
            heap = (0..<buffered.count).filter { buffered[$0] > 0 }.map { Int32($0) }
            var i = heap.count / 2
            while i > 0 {
                i -= 1
                siftDown(i)
            }
        } else if let top = heap.first {
            // The record handed out last is done with: move its run on.
            let r = Int(top)
            position[r] += 1
            if position[r] == buffered[r], try !refill(r) {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
            }
            siftDown(0)
        }
        guard let top = heap.first else { return nil }
        return current(Int(top))
    }
}
