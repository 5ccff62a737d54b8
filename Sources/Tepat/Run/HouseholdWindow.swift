import Foundation
import TepatData
import TepatModel

/// The households a streamed run holds: those the members being read need, read ahead from
/// `households.csv` as members ask for them and let go once members have moved past them.
/// Population exports list a family's members together and in the order of the families, so the
/// window stays a few chunks wide whatever the population; a member whose household is not in
/// reach is deferred to the end of the run (`DeferredMembers`), never dropped.
///
/// Duplicate No. KK are found without holding every key: `seen` (a Bloom filter) says which
/// keys are certainly new; a household whose key was perhaps seen is kept out of the window (in
/// `aside`) and settled exactly at the end, against every key written to `keySpill`.
struct HouseholdWindow {
    let entity: Int
    let keyField: Int
    let keyType: FieldType
    /// Per field: whether it holds interned text.
    let isText: [Bool]
    /// Households read ahead of need, at most (a few member chunks' worth).
    let capacity: Int
    private var reader: EntityReader?
    /// With more than one job, the chunks are read and parsed on another thread, ahead of need.
    private var ahead: Prefetch<Result<RecordBatch, RunError>>?
    private let chunkRecords: Int
    private(set) var atEnd: Bool
    /// The held households; its string pool is the run's one pool for household strings.
    private(set) var table: Table
    /// Per held row: its record index in the file (file order).
    private(set) var fileRows: [Int] = []
    /// Held rows by key, as `row + dropped` at the time each was added: letting rows go only
    /// counts them in `dropped` (a stored row below it is gone), and the index is rebuilt when
    /// the rows let go outnumber the rows held, not on every release.
    private var index = KeyIndex()
    private var dropped = 0
    private var seen: SeenKeys
    /// Keys of valid households that were perhaps seen before (duplicates, or filter noise).
    private(set) var perhapsDuplicate = Set<Int64>()
    /// Those households themselves, in the window's string pool.
    private(set) var aside: KeptHouseholds
    /// The key and line of every valid household read, in file order.
    private let keySpill: KeySpill
    /// Invalid household records read since the caller last took them.
    var invalid: [InvalidRecord] = []
    private(set) var recordsRead = 0

    init(
        folder: PopulationFolder, entity: Int, loaded: [Bool]?, strings: [String], capacity: Int, chunkRecords: Int, expectedKeys: Int? = nil, scratch: String,
        readAhead: Bool = false
    ) throws(RunError) {
        self.entity = entity
        let e = folder.schema.entities[entity]
        keyField = e.key
        keyType = e.fields[e.key].type
        isText = e.fields.map { $0.type == .string }
        self.capacity = max(1024, capacity)
        self.chunkRecords = max(64, chunkRecords)
        do { reader = try folder.reader(for: entity, loaded: loaded, stringSeed: strings) } catch { throw RunError(error.message(.en)) }
        atEnd = reader == nil
        table = Table(entity: entity, fieldCount: e.fields.count, linkCount: e.links.count, strings: StringPool(seed: strings))
        aside = KeptHouseholds(entity: entity, fieldCount: e.fields.count, linkCount: e.links.count)
        keySpill = try KeySpill(path: scratch)
        let size = folder.files[entity].flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int } ?? 0
        seen = expectedKeys.map { SeenKeys(expectedKeys: $0, minimumBits: 0) } ?? SeenKeys(expectedKeys: size / 48 + 1024)
        if readAhead, let opened = reader {
            let records = self.chunkRecords
            reader = nil
            ahead = Prefetch(depth: 2) { prefetch in
                var reader = opened
                while true {
                    do throws(PopulationError) {
                        guard let chunk = try reader.nextChunk(maxRecords: records) else { return }
                        guard prefetch.put(.success(reader.parse(chunk))) else { return }
                    } catch {
                        _ = prefetch.put(.failure(RunError(error.message(.en))))
                        return
                    }
                }
            }
        }
    }

    /// Stops reading ahead (the run is over, or failed): the reading thread ends.
    func stopReading() {
        ahead?.cancel()
    }

    var count: Int { table.count }

    /// Lets the No. KK filter go once the whole file has been read (it is only needed to read).
    mutating func releaseFilter() {
        if atEnd { seen = SeenKeys(expectedKeys: 0) }
    }

    /// The held row of the valid household with key `code`, reading ahead while there is room.
    mutating func row(of code: Int64) throws(RunError) -> Int32? {
        while true {
            if let r = heldRow(of: code) { return r }
            guard !atEnd, table.count < capacity else { return nil }
            try readChunk()
        }
    }

    /// Reads the next chunk of households (the end of a run reads the ones no member reached).
    mutating func readMore() throws(RunError) { try readChunk() }

    /// The held row of `code` without reading ahead.
    func heldRow(of code: Int64) -> Int32? { HeldRows.row(stored: index[code], dropped: dropped) }

    /// The held rows by key, for readers on other threads (a copy).
    var heldRows: HeldRows { HeldRows(index: index, dropped: dropped) }

    /// Held rows by key, as the window's index keeps them.
    struct HeldRows: Sendable {
        let index: KeyIndex
        let dropped: Int

        subscript(key: Int64) -> Int32? { Self.row(stored: index[key], dropped: dropped) }

        /// The held row of an index entry; nil when the row was let go.
        @inline(__always)
        static func row(stored: Int32?, dropped: Int) -> Int32? {
            guard let stored, Int(stored) >= dropped else { return nil }
            return Int32(Int(stored) - dropped)
        }
    }

    private mutating func readChunk() throws(RunError) {
        let batch: RecordBatch
        if let ahead {
            guard let next = ahead.next() else {
                atEnd = true
                return
            }
            batch = try next.get()
        } else {
            guard var reader else {
                atEnd = true
                return
            }
            let chunk: RawChunk?
            do { chunk = try reader.nextChunk(maxRecords: chunkRecords) } catch { throw RunError(error.message(.en)) }
            self.reader = reader
            guard let chunk else {
                atEnd = true
                return
            }
            batch = reader.parse(chunk)
        }
        let fields = batch.table.columns.indices
        var cells = [Cell](repeating: .null, count: fields.count)
        // The key filter first, in one loop over the chunk (its cache misses overlap).
        let keys = batch.table.columns[keyField]
        var perhaps = [Bool](repeating: false, count: keys.count)
        var keyed: [Int] = []
        keyed.reserveCapacity(keys.count)
        for case .valid(let r) in batch.rows where keys[Int(r)] != .null { keyed.append(Int(r)) }
        keys.withUnsafeBufferPointer { seen.insert($0, rows: keyed, perhaps: &perhaps) }
        // The chunk's string ids to the window's, each interned once (a chunk names the same few
        // kecamatan and kelurahan thousands of times; hashing the text each time was 0.1 s at 1M).
        var windowString = [Int64](repeating: -1, count: batch.table.strings.count)
        var spill: [UInt8] = []
        spill.reserveCapacity(keyed.count * 16)
        for (i, status) in batch.rows.enumerated() {
            switch status {
            case .invalid(let k):
                invalid.append(batch.invalid[Int(k)])
            case .valid(let r):
                let row = Int(r)
                let key = keys[row]
                if key != .null { KeySpill.append(key, line: batch.table.lines[row], to: &spill) }
                for f in fields {
                    guard batch.table.loaded[f], table.loaded[f] else { continue }
                    var c = batch.table.columns[f][row]
                    if isText[f], c >= 0, c < windowString.count {
                        if windowString[Int(c)] < 0 { windowString[Int(c)] = table.strings.intern(batch.table.strings[c]) }
                        c = windowString[Int(c)]
                    } else if isText[f], c != .null {
                        c = table.strings.intern(batch.table.strings[c])
                    }
                    cells[f] = c
                }
                if key != .null, perhaps[row] {
                    perhapsDuplicate.insert(key)
                    _ = aside.keep(cells: cells, line: batch.table.lines[row], fileRow: batch.firstRecord + i)
                    continue
                }
                cells.withUnsafeBufferPointer { table.append(cells: $0, line: batch.table.lines[row]) }
                fileRows.append(batch.firstRecord + i)
                if key != .null { index.insert(key, Int32(clamping: table.count - 1 + dropped)) }
            }
        }
        keySpill.write(spill)
        recordsRead += batch.rows.count
    }

    /// Lets go of the held rows before `row`; returns how many.
    mutating func release(before row: Int) -> Int {
        let n = min(max(0, row), table.count)
        guard n > 0 else { return 0 }
        table.removeFirst(n)
        fileRows.removeFirst(n)
        dropped += n
        if dropped > table.count {
            var rebuilt = KeyIndex(minimumCapacity: table.count)
            for (r, key) in table.columns[keyField].enumerated() where key != .null { rebuilt.insert(key, Int32(r)) }
            index = rebuilt
            dropped = 0
        }
        return n
    }

    /// The first line of each of `keys` among the valid households read (all of the file, once
    /// `atEnd`).
    func firstLines(of keys: Set<Int64>) throws(RunError) -> [Int64: Int] {
        try keySpill.firstLines(of: keys)
    }

    func removeScratch() {
        keySpill.remove()
    }

    /// Interns `text` in the household string pool (for households read again at the end).
    mutating func intern(_ text: String) -> Cell { table.strings.intern(text) }

    var strings: StringPool { table.strings }
}
