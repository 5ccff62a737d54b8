import TepatData
import TepatModel

/// Which records of one entity a search keeps: those whose field `f` holds one of `wanted[f]`
/// (texts as written in the file: a NIK, a No. KK).
struct RecordFilter: Sendable {
    var wanted: [Int: Set<String>]

    var needles: [[UInt8]] { Set(wanted.values.flatMap { $0 }).sorted().map { Array($0.utf8) } }
    var isEmpty: Bool { wanted.values.allSatisfy(\.isEmpty) }
}

/// Finds the few records about one ID in population files that may hold millions, without
/// parsing them all: `RawScan` finds the records whose bytes contain the ID (record ends found
/// as a run finds them), each is parsed with the file's own `RecordParser`, and only those whose
/// fields hold the ID are kept. The kept records are linked at the end with a `Linker`, in file
/// order per entity and link targets first, so duplicate keys and broken links come out exactly
/// as in a run.
struct PopulationSearch {
    let folder: PopulationFolder
    let schema: Schema
    let strings: [String]
    let language: Language
    /// Per entity: byte offset of a record → the record parsed, and the indices (in `rows`) kept.
    private(set) var found: [[Int: FoundChunk]]
    /// Per entity: the schema field of each raw column (from the file's header), once a record was parsed.
    private(set) var columnFields: [[Int]]
    private var parsers: [RecordParser?]

    struct FoundChunk {
        var batch: RecordBatch
        var kept: Set<Int>
    }

    init(folder: PopulationFolder, schema: Schema, strings: [String], language: Language) {
        self.folder = folder
        self.language = language
        self.schema = schema
        self.strings = strings
        found = Array(repeating: [:], count: schema.entities.count)
        columnFields = Array(repeating: [], count: schema.entities.count)
        parsers = Array(repeating: nil, count: schema.entities.count)
    }

    /// Scans `entity`'s file (records starting at or before byte offset `last`, when given),
    /// keeping the records `filter` selects. Returns the offset of the last record kept, or -1.
    @discardableResult
    mutating func scan(_ entity: Int, _ filter: RecordFilter, through last: Int? = nil) throws(ExplainError) -> Int {
        guard !filter.isEmpty, let file = folder.files[entity] else { return -1 }
        let parser = try parser(entity)
        let records: [RawRecord]
        do { records = try RawScan.records(path: file.path, format: file.format, needles: filter.needles, through: last) } catch {
            throw ExplainError(.input, error.message(language))
        }
        var lastHit = -1
        for record in records {
            let batch = found[entity][record.offset]?.batch
                ?? parser.parse(RawChunk(bytes: record.bytes, firstLine: record.line, firstRecord: record.offset, recordCount: 1))
            columnFields[entity] = batch.columnFields
            let kept = Self.matches(batch, filter, entity: schema.entities[entity])
            guard !kept.isEmpty else { continue }
            found[entity][record.offset, default: FoundChunk(batch: batch, kept: [])].kept.formUnion(kept)
            lastHit = record.offset
        }
        return lastHit
    }

    /// The file's parser (its header checked against the schema), made once.
    mutating func parser(_ entity: Int) throws(ExplainError) -> RecordParser {
        if let parser = parsers[entity] { return parser }
        let reader: EntityReader?
        do { reader = try folder.reader(for: entity, stringSeed: strings, blockSize: 1 << 16) } catch {
            throw ExplainError(.input, error.message(language))
        }
        guard let parser = reader?.parser else { throw ExplainError(.input, "no file for \(schema.entities[entity].name)") }
        parsers[entity] = parser
        return parser
    }

    /// The rows of `batch` whose fields hold a wanted text.
    static func matches(_ batch: RecordBatch, _ filter: RecordFilter, entity: Entity) -> Set<Int> {
        var kept = Set<Int>()
        let table = batch.table
        let everything = Set(filter.wanted.values.flatMap { $0 })
        for (i, status) in batch.rows.enumerated() {
            switch status {
            case .valid(let r):
                for (f, texts) in filter.wanted where !texts.isEmpty && f < table.columns.count && table.loaded[f] {
                    let text = CellText.text(table.columns[f][Int(r)], type: entity.fields[f].type, strings: table.strings)
                    if texts.contains(text) {
                        kept.insert(i)
                        break
                    }
                }
            case .invalid(let k):
                let record = batch.invalid[Int(k)]
                if record.rawFields.count == batch.columnFields.count {
                    for (c, f) in batch.columnFields.enumerated() where c < record.rawFields.count {
                        if let texts = filter.wanted[f], texts.contains(trimmed(record.rawFields[c])) {
                            kept.insert(i)
                            break
                        }
                    }
                } else if record.rawFields.contains(where: { field in
                    everything.contains(trimmed(field)) || (record.rawFields.count == 1 && everything.contains { field.contains($0) })
                }) {
                    // A record of the wrong shape (short row, broken JSON) that mentions the ID.
                    kept.insert(i)
                }
            }
        }
        return kept
    }

    static func trimmed(_ text: String) -> String {
        var t = Substring(text)
        while let c = t.first, c == " " || c == "\"" { t.removeFirst() }
        while let c = t.last, c == " " || c == "\"" || c == "\r" { t.removeLast() }
        return String(t)
    }

    /// The kept records of `entity` as texts of `field`: valid rows from their cells, invalid ones
    /// from their raw texts.
    func texts(_ entity: Int, field: Int, where include: (Int, RecordBatch) -> Bool = { _, _ in true }) -> Set<String> {
        var out = Set<String>()
        let e = schema.entities[entity]
        for chunk in found[entity].values {
            let batch = chunk.batch
            for i in chunk.kept where include(i, batch) {
                switch batch.rows[i] {
                case .valid(let r):
                    guard batch.table.loaded[field] else { continue }
                    let t = CellText.text(batch.table.columns[field][Int(r)], type: e.fields[field].type, strings: batch.table.strings)
                    if !t.isEmpty { out.insert(t) }
                case .invalid(let k):
                    let record = batch.invalid[Int(k)]
                    if let c = batch.columnFields.firstIndex(of: field), c < record.rawFields.count, record.rawFields.count == batch.columnFields.count {
                        let t = Self.trimmed(record.rawFields[c])
                        if !t.isEmpty { out.insert(t) }
                    }
                }
            }
        }
        return out
    }

    /// Links the kept records, link targets first, into one table per entity (rows in file order).
    func link(order: [Int]) -> [LoadedEntity] {
        var linker = Linker(schema: schema)
        var entities = schema.entities.indices.map { e in
            LoadedEntity(schema: schema, entity: e, stringSeed: strings, file: folder.files[e]?.name)
        }
        for e in order {
            for first in found[e].keys.sorted() {
                guard let chunk = found[e][first] else { continue }
                var batch = Self.filtered(chunk.batch, rows: chunk.kept.sorted())
                linker.link(&batch)
                entities[e].append(batch)
            }
            entities[e].keys = linker.keys(of: e)
        }
        return entities
    }

    /// A batch of only `rows` (indices into `batch.rows`), with the same string pool.
    static func filtered(_ batch: RecordBatch, rows: [Int]) -> RecordBatch {
        let source = batch.table
        var table = Table(
            entity: source.entity, fieldCount: source.columns.count, linkCount: source.links.count, loaded: source.loaded,
            strings: source.strings)
        var statuses: [RowStatus] = []
        var invalid: [InvalidRecord] = []
        var cells = [Cell](repeating: .null, count: source.columns.count)
        for i in rows where i < batch.rows.count {
            switch batch.rows[i] {
            case .valid(let r):
                for f in cells.indices { cells[f] = source.loaded[f] ? source.columns[f][Int(r)] : .null }
                table.append(cells: cells, line: source.lines[Int(r)])
                statuses.append(.valid(Int32(table.count - 1)))
            case .invalid(let k):
                invalid.append(batch.invalid[Int(k)])
                statuses.append(.invalid(Int32(invalid.count - 1)))
            }
        }
        return RecordBatch(
            table: table, rows: statuses, invalid: invalid, firstRecord: batch.firstRecord, file: batch.file, columnFields: batch.columnFields)
    }
}
