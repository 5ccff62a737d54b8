import Foundation
import TepatModel

/// All records of one file, for entities that are read whole because others link to them
/// (households, applications): one table, every row's status, the invalid records, and the
/// valid keys.
public struct LoadedEntity: Sendable {
    public var table: Table
    /// One per record of the file, in file order; `.valid(r)` is a row of `table`.
    public var rows: [RowStatus]
    public var invalid: [InvalidRecord]
    /// Key code → row of `table`, for every valid record.
    public var keys: KeyIndex
    /// The file name (`households.csv`), or nil when an optional file was absent.
    public var file: String?
    /// The column names in file order (JSON Lines: the schema's field names).
    public var columns: [String]
    /// Per field: whether its cells are string-pool ids (re-interned when batches are appended).
    private let stringFields: [Bool]

    /// No records (an optional file that is absent, or the start of a concatenation).
    public init(schema: Schema, entity: Int, loaded: [Bool]? = nil, stringSeed: [String] = [], file: String? = nil) {
        let e = schema.entities[entity]
        table = Table(
            entity: entity, fieldCount: e.fields.count, linkCount: e.links.count, loaded: loaded,
            strings: StringPool(seed: stringSeed))
        rows = []
        invalid = []
        keys = KeyIndex()
        self.file = file
        columns = []
        stringFields = e.fields.map { if case .string = $0.type { true } else { false } }
    }

    public var recordCount: Int { rows.count }
    public var validCount: Int { rows.count - invalid.count }

    /// Appends a (linked) batch: its rows follow the current ones, its string ids are re-interned
    /// into this table's pool (seeded ids are the same in both).
    public mutating func append(_ batch: RecordBatch) {
        let source = batch.table
        if table.count == 0 && invalid.isEmpty && rows.isEmpty {
            table = source
            rows = batch.rows
            invalid = batch.invalid
            for l in table.links.indices where table.links[l].count != table.count {
                table.links[l] = Array(repeating: -1, count: table.count)
            }
            return
        }
        let rowBase = Int32(table.count), invalidBase = Int32(invalid.count)
        let fieldCount = table.columns.count
        var remap: [Int64] = []
        let isString = (0..<fieldCount).map { f in stringFields[f] && table.loaded[f] && source.loaded[f] }
        if isString.contains(true) { remap = source.strings.strings.map { table.strings.intern($0) } }
        // Rows are counted through `append` with every column marked not loaded (so it copies no
        // cells), then whole columns are appended at once.
        let columnsLoaded = table.loaded
        table.loaded = Array(repeating: false, count: fieldCount)
        for r in 0..<source.count { table.append(cells: UnsafeBufferPointer(start: nil, count: 0), line: source.lines[r]) }
        table.loaded = columnsLoaded
        for f in 0..<fieldCount where columnsLoaded[f] {
            if !source.loaded[f] || source.columns[f].count != source.count {
                table.columns[f].append(contentsOf: repeatElement(Cell.null, count: source.count))
            } else if isString[f] {
                table.columns[f].append(contentsOf: source.columns[f].lazy.map { $0.isNull ? $0 : remap[Int($0)] })
            } else {
                table.columns[f].append(contentsOf: source.columns[f])
            }
        }
        for l in table.links.indices {
            if source.links[l].count == source.count {
                table.links[l].append(contentsOf: source.links[l])
            } else {
                table.links[l].append(contentsOf: repeatElement(-1, count: source.count))
            }
        }
        rows.append(
            contentsOf: batch.rows.map {
                switch $0 {
                case .valid(let r): .valid(r + rowBase)
                case .invalid(let k): .invalid(k + invalidBase)
                }
            })
        invalid.append(contentsOf: batch.invalid)
    }
}

/// Reads a whole file through the same chunk → parse → link path as a streaming run, parsing up
/// to `parallelism` chunks at once, and links it with `linker` (its targets must already be
/// linked, and it must not have seen this entity yet, so rows and keys agree). `fileName` is the
/// name invalid records carry (default: the last path component).
public func loadTable(
    path: String, fileName: String? = nil, schema: Schema, entity: Int, linker: inout Linker, loaded: [Bool]? = nil,
    stringSeed: [String] = [], maxRecords: Int = 65_536,
    parallelism: Int = ProcessInfo.processInfo.activeProcessorCount
) throws(PopulationError) -> LoadedEntity {
    precondition(linker.rowCount(of: entity) == 0, "loadTable needs a linker that has not linked this entity yet")
    var reader = try EntityReader(
        path: path, fileName: fileName, schema: schema, entity: entity, loaded: loaded, stringSeed: stringSeed)
    var result = LoadedEntity(
        schema: schema, entity: entity, loaded: reader.parser.loaded, stringSeed: stringSeed, file: reader.fileName)
    result.columns = reader.columns
    let parser = reader.parser
    let workers = max(1, parallelism)
    while true {
        var chunks: [RawChunk] = []
        while chunks.count < workers, let chunk = try reader.nextChunk(maxRecords: maxRecords) { chunks.append(chunk) }
        if chunks.isEmpty { break }
        let group = chunks
        var batches = parallelMap(group.count) { parser.parse(group[$0]) }
        for i in batches.indices {
            linker.link(&batches[i])
            result.append(batches[i])
        }
    }
    result.keys = linker.keys(of: entity)
    return result
}
