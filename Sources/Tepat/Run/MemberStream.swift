import Foundation
import TepatData
import TepatModel

/// Links streamed member chunks to the household window, in memory that does not grow with the
/// population:
///
/// - a member's household comes from the window (read ahead as needed);
/// - duplicate NIKs are found with a Bloom filter of the NIKs seen so far; every member that
///   claims its NIK is also written, with its line, to a scratch file of keys on disk;
/// - a member whose household is not in reach, or whose NIK was perhaps seen, is **deferred**:
///   kept aside (few in an export that lists families together) and decided exactly at the end,
///   against the households read again and the keys on disk. Its decision line keeps its place.
///
/// The rules are those of `Linker`: a member with a missing household, a household that is only
/// an invalid record, or a NIK already claimed by an earlier valid member is invalid; the first
/// valid member with a NIK wins.
struct MemberStream {
    let schema: Schema
    let entity: Int
    let keyField: Int
    let link: Int
    let via: Int
    let required: Bool
    let householdKeyType: FieldType
    let isText: [Bool]
    /// NIKs named by applications, and what became of them.
    let wanted: KeyIndex
    /// `wanted` as a filter small enough to stay in the cache: every member is looked up, and
    /// few are wanted (the index itself is a cache miss a member).
    private let wantedFilter: SeenKeys
    private var seen: SeenKeys
    /// The filter was let go (`releaseFilter`): every member with a key counts as perhaps seen.
    private var filterReleased = false
    /// Every NIK a streamed member claimed, with its line (`claimedLines`).
    private let keySpill: KeySpill
    /// Deferred valid members (all fields), with their record index and household code.
    private(set) var deferred: Table
    private(set) var deferredRecord: [Int] = []
    /// Deferred invalid records (their household was not in reach), with their record index.
    private(set) var deferredInvalid: [(record: Int, invalid: InvalidRecord)] = []
    /// The header columns of the members file, by schema field (to rebuild invalid records).
    private(set) var columnFields: [Int] = []
    private(set) var fileName = ""
    /// The households of members deferred only because their NIK was perhaps seen: they were in
    /// the window then, and are kept so the end of the run need not read the file again.
    private(set) var deferredHouseholds: KeptHouseholds
    /// Captured application-named members, and their households (in the household string pool).
    var capturedMembers: Table
    private(set) var capturedHouseholds: KeptHouseholds
    var capturedKeys = KeyIndex()
    /// Application-named NIKs seen only on invalid records: the first such line.
    var wantedInvalid = KeyIndex()

    init(schema: Schema, entity: Int, household: Int, link: Int, wanted: KeyIndex, seen: SeenKeys, strings: [String], scratch: String) throws(RunError) {
        self.schema = schema
        self.entity = entity
        let e = schema.entities[entity]
        keyField = e.key
        self.link = link
        via = e.links[link].via
        required = e.links[link].required
        householdKeyType = schema.entities[household].fields[schema.entities[household].key].type
        isText = e.fields.map { $0.type == .string }
        self.wanted = wanted
        var wantedFilter = SeenKeys(expectedKeys: wanted.count)
        for (key, _) in wanted.entries { _ = wantedFilter.insert(key) }
        self.wantedFilter = wantedFilter
        self.seen = seen
        keySpill = try KeySpill(path: scratch)
        deferred = Table(entity: entity, fieldCount: e.fields.count, linkCount: e.links.count, strings: StringPool(seed: strings))
        capturedMembers = Table(entity: entity, fieldCount: e.fields.count, linkCount: e.links.count, strings: StringPool(seed: strings))
        let h = schema.entities[household]
        capturedHouseholds = KeptHouseholds(entity: household, fieldCount: h.fields.count, linkCount: h.links.count)
        deferredHouseholds = KeptHouseholds(entity: household, fieldCount: h.fields.count, linkCount: h.links.count)
    }

    /// What linking a chunk found: the rows to decide later, and the lowest window row it used.
    struct Linked {
        var deferred: [Int] = []
        var lowestWindowRow = Int.max
    }

    /// Links one parsed chunk of members (in file order) against the window.
    mutating func link(_ batch: inout RecordBatch, window: inout HouseholdWindow) throws(RunError) -> Linked {
        var linked = Linked()
        if columnFields.isEmpty {
            columnFields = batch.columnFields
            fileName = batch.file
        }
        let count = batch.table.count
        for l in batch.table.links.indices { batch.table.links[l] = Array(repeating: -1, count: count) }
        var spill: [UInt8] = []
        spill.reserveCapacity(count * 16)
        let perhapsSeen = filterReleased ? [] : firstSightings(batch)
        // A family's members come together: most lookups are of the previous member's No. KK.
        // (Rows do not move during a link: the window only grows until the caller releases.)
        var previous: (code: Int64, row: Int32) = (.null, -1)
        var invalidated = false
        for i in batch.rows.indices {
            switch batch.rows[i] {
            case .invalid(let k):
                let record = batch.invalid[Int(k)]
                noteInvalidKey(record.rawKey.flatMap { CellText.cell($0, type: schema.entities[entity].fields[keyField].type) }, line: record.line)
                guard link < record.rawLinks.count, let text = record.rawLinks[link], let code = CellText.cell(text, type: householdKeyType) else { continue }
                if let w = try window.row(of: code) {
                    linked.lowestWindowRow = min(linked.lowestWindowRow, Int(w))
                } else {
                    linked.deferred.append(i)
                    deferredInvalid.append((batch.firstRecord + i, record))
                }
            case .valid(let r32):
                let r = Int(r32)
                let code = batch.table.columns[via][r]
                let key = batch.table.columns[keyField][r]
                var later = false
                if code == .null {
                    if required {
                        batch.invalid.append(Linker.invalidRecord(batch, row: r, field: via, problem: .missingLink(link: schema.entities[entity].links[link].name, target: schema.entities[schema.entities[entity].links[link].target].name), schema: schema))
                        batch.rows[i] = .invalid(Int32(batch.invalid.count - 1))
                        invalidated = true
                        noteInvalidKey(key, line: batch.table.lines[r])
                        continue
                    }
                } else if code == previous.code {
                    batch.table.links[link][r] = previous.row
                } else if let w = try window.row(of: code) {
                    batch.table.links[link][r] = w
                    previous = (code, w)
                } else {
                    later = true
                }
                if key != .null, filterReleased || perhapsSeen[r] {
                    // In the window now, gone by the end: kept for deciding this member then.
                    let w = batch.table.links[link][r]
                    if w >= 0 { _ = deferredHouseholds.keep(window.table, row: Int(w), fileRow: window.fileRows[Int(w)]) }
                    later = true
                }
                if later {
                    batch.table.links[link][r] = -1
                    linked.deferred.append(i)
                    keep(batch, row: r, record: batch.firstRecord + i)
                    continue
                }
                let w = batch.table.links[link][r]
                if w >= 0 { linked.lowestWindowRow = min(linked.lowestWindowRow, Int(w)) }
                if key != .null {
                    KeySpill.append(key, line: batch.table.lines[r], to: &spill)
                    if wantedFilter.mightContain(key), wanted.contains(key) { capture(batch.table, row: r, household: w, window: window) }
                }
            }
        }
        if invalidated { Linker.putInvalidInFileOrder(&batch) }
        keySpill.write(spill)
        return linked
    }

    /// Per table row of a chunk: whether its key was perhaps seen before, the filter told in
    /// file order, for the rows `link` adds to it (valid, with a key, not about to be invalid
    /// for a missing household). One tight loop over the chunk rather than one insert among
    /// each member's other work: the filter's cache misses then overlap.
    private mutating func firstSightings(_ batch: RecordBatch) -> [Bool] {
        var perhaps = [Bool](repeating: false, count: batch.table.count)
        let keys = batch.table.columns[keyField], codes = batch.table.columns[via]
        var rows: [Int] = []
        rows.reserveCapacity(batch.table.count)
        for case .valid(let r32) in batch.rows {
            let r = Int(r32)
            guard keys[r] != .null, !(required && codes[r] == .null) else { continue }
            rows.append(r)
        }
        keys.withUnsafeBufferPointer { seen.insert($0, rows: rows, perhaps: &perhaps) }
        return perhaps
    }

    mutating func noteInvalidKey(_ key: Int64?, line: Int) {
        guard let key, key != .null, wanted.contains(key), !capturedKeys.contains(key) else { return }
        if let first = wantedInvalid[key], Int(first) <= line { return }
        _ = wantedInvalid.updateValue(Int32(clamping: line), forKey: key)
    }

    private mutating func keep(_ batch: RecordBatch, row r: Int, record: Int) {
        let cells = Self.copyCells(batch.table, row: r, isText: isText, into: &deferred)
        cells.withUnsafeBufferPointer { deferred.append(cells: $0, line: batch.table.lines[r]) }
        deferred.links[link].append(-1)
        deferredRecord.append(record)
    }

    /// Static: a method on `self` writing into one of `self`'s tables made Swift copy `self`, and
    /// then each table (whole) on every call.
    private static func copyCells(_ table: Table, row r: Int, isText: [Bool], into target: inout Table) -> [Cell] {
        var cells = [Cell](repeating: .null, count: table.columns.count)
        for f in cells.indices where table.loaded[f] {
            let c = table.columns[f][r]
            cells[f] = isText[f] && c != .null ? target.strings.intern(table.strings[c]) : c
        }
        return cells
    }

    /// Keeps an application-named member, with its household (`household` is a row of `window`,
    /// or of `households` when given).
    mutating func capture(_ table: Table, row r: Int, household w: Int32, window: HouseholdWindow, households: KeptHouseholds? = nil) {
        let cells = Self.copyCells(table, row: r, isText: isText, into: &capturedMembers)
        cells.withUnsafeBufferPointer { capturedMembers.append(cells: $0, line: table.lines[r]) }
        var target: Int32 = -1
        if w >= 0 {
            if let households {
                target = capturedHouseholds.keep(households.table, row: Int(w), fileRow: households.fileRows[Int(w)])
            } else {
                target = capturedHouseholds.keep(window.table, row: Int(w), fileRow: window.fileRows[Int(w)])
            }
        }
        for l in capturedMembers.links.indices { capturedMembers.links[l].append(l == link ? target : -1) }
        capturedKeys.insert(table.columns[keyField][r], Int32(capturedMembers.count - 1))
    }

    /// The captured households put in file order (they were captured as their members came,
    /// streamed or deferred), so what is written per household does not depend on chunking.
    mutating func putCapturedHouseholdsInFileOrder() {
        let (sorted, newRow) = capturedHouseholds.inFileOrder()
        capturedHouseholds = sorted
        capturedMembers.links[link] = capturedMembers.links[link].map { $0 >= 0 ? newRow[Int($0)] : -1 }
    }

    // MARK: The end of the stream

    /// The first line at which each of `keys` was claimed by a streamed (not deferred) member.
    func claimedLines(of keys: Set<Int64>) throws(RunError) -> [Int64: Int] {
        try keySpill.firstLines(of: keys)
    }

    /// Lets the NIK filter go once the last chunk is linked: it is the largest thing a streamed run
    /// holds (12 bits a member) and is not needed to decide the deferred members. A chunk linked
    /// after this would have all its members deferred — still exact.
    mutating func releaseFilter() {
        seen = SeenKeys(expectedKeys: 0)
        filterReleased = true
    }

    func removeScratch() {
        keySpill.remove()
    }

    var hasDeferred: Bool { deferred.count > 0 || !deferredInvalid.isEmpty }

    /// The household codes the deferred members name.
    var deferredHouseholdCodes: Set<Int64> {
        var codes = Set<Int64>()
        for c in deferred.columns[via] where c != .null { codes.insert(c) }
        for (_, record) in deferredInvalid {
            if link < record.rawLinks.count, let text = record.rawLinks[link], let code = CellText.cell(text, type: householdKeyType) { codes.insert(code) }
        }
        return codes
    }
}
