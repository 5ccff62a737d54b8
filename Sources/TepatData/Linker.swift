import TepatModel

/// Keys and links, applied to batches sequentially in file order (parsing may run in parallel;
/// linking is the cheap, ordered part):
///
/// - **Duplicate keys**: the first valid record with a key wins; a later one becomes invalid
///   with `duplicateKey(firstLine:)`. Records already invalid do not claim their key.
/// - **Links**: `table.links[l]` gets the target's row (-1 when absent). A `required` link whose
///   target key is absent makes the record invalid (`missingLink`); a link whose target exists
///   only as an invalid row makes it invalid whether required or not (`invalidLinkTarget`), since
///   a decision on half the data would be wrong rather than merely incomplete.
///
/// Link targets must be linked completely before the entities that point at them (households,
/// then members, then applications); a link from an entity to itself sees only earlier records.
/// Rows are numbered per entity across batches in order (`rowCount(of:)` before a batch is the
/// row of its `table` row 0), so they match a table that concatenates the batches, as
/// `LoadedEntity` does.
///
/// After linking, a batch's `invalid` records are in file order, whatever the chunking.
///
/// Key cells are compared as numbers (`digits`, `integer` …); keys of type `string` are compared
/// through one shared pool, so a household key and a member's `household_id` agree across batches.
public struct Linker: Sendable {
    public let schema: Schema
    private var states: [EntityKeys]
    /// Codes for `string`-typed keys, shared by all entities.
    private var keyStrings = StringPool()
    /// Where `touchKeys` leaves its loads.
    private var touched: Int64 = 0

    /// What the linker knows about one entity's keys.
    public struct EntityKeys: Sendable {
        /// Key code → row, for every valid record.
        public fileprivate(set) var valid = KeyIndex()
        /// Key code → line of the first invalid record with that key.
        public fileprivate(set) var invalid = KeyIndex()
        /// Per row (across batches): the line it was read from.
        public fileprivate(set) var rowLines: [Int] = []
        public var rowCount: Int { rowLines.count }
    }

    public init(schema: Schema) {
        self.schema = schema
        states = Array(repeating: EntityKeys(), count: schema.entities.count)
    }

    /// Makes `entity`'s keys known without linking its records: `valid` maps keys to rows of the
    /// table the links will point into, `invalid` keys to the line of their first invalid record.
    /// (A streamed run keeps only the members that applications name.)
    public mutating func seed(_ entity: Int, valid: KeyIndex, invalid: KeyIndex, rowLines: [Int]) {
        states[entity].valid = valid
        states[entity].invalid = invalid
        states[entity].rowLines = rowLines
    }

    /// The valid keys of `entity` so far, mapped to their rows.
    public func keys(of entity: Int) -> KeyIndex { states[entity].valid }
    /// The keys of `entity` seen only on invalid records so far, mapped to the first line.
    public func invalidKeys(of entity: Int) -> KeyIndex { states[entity].invalid }
    /// How many table rows of `entity` have been linked so far.
    public func rowCount(of entity: Int) -> Int { states[entity].rowCount }
    public func state(of entity: Int) -> EntityKeys { states[entity] }

    /// The row of the valid record of `entity` whose key reads `text` (`tepat explain 3671…`).
    public func row(ofKey text: String, entity: Int) -> Int32? {
        let type = schema.entities[entity].fields[schema.entities[entity].key].type
        let code: Int64?
        if case .string = type { code = keyStrings.id(of: text) } else { code = CellText.cell(text, type: type) }
        return code.flatMap { states[entity].valid[$0] }
    }

    /// Links the next batch of its entity: fills `table.links`, and turns records with duplicate
    /// keys or broken links into invalid records (their table rows stay, unused).
    public mutating func link(_ batch: inout RecordBatch) {
        let e = batch.table.entity
        let entity = schema.entities[e]
        let keyType = entity.fields[entity.key].type
        let rowBase = states[e].rowCount
        states[e].rowLines.append(contentsOf: batch.table.lines)
        let rowCount = batch.table.count
        for l in entity.links.indices { batch.table.links[l] = Array(repeating: -1, count: rowCount) }
        let keyColumn = batch.table.columns[entity.key]
        let viaColumns = entity.links.map { batch.table.columns[$0.via] }
        var invalidated = false

        var group = 0
        for i in batch.rows.indices {
            if i == group {
                group = min(i + Self.touchGroup, batch.rows.count)
                touchKeys(batch, rows: i..<group, keyColumn: keyColumn, keyType: keyType, viaColumns: viaColumns)
            }
            switch batch.rows[i] {
            case .invalid(let k):
                // An invalid record still tells which keys exist (for `invalidLinkTarget`).
                let record = batch.invalid[Int(k)]
                if let text = record.rawKey, let code = textCode(text, type: keyType, intern: true) {
                    states[e].invalid.insert(code, Int32(clamping: record.line))
                }
            case .valid(let row32):
                let r = Int(row32)
                var problem: DataProblem?
                var field = -1
                for (l, link) in entity.links.enumerated() {
                    let code = viaCode(
                        viaColumns[l][r], via: entity.fields[link.via].type, target: link.target, strings: batch.table.strings)
                    if let code, let target = states[link.target].valid[code] {
                        batch.table.links[l][r] = target
                        continue
                    }
                    if let code, let line = states[link.target].invalid[code] {
                        problem = .invalidLinkTarget(link: link.name, line: Int(line))
                    } else if link.required {
                        problem = .missingLink(link: link.name, target: schema.entities[link.target].name)
                    } else {
                        continue
                    }
                    field = link.via
                    break
                }
                let key = ownCode(keyColumn[r], type: keyType, strings: batch.table.strings)
                if problem == nil, let key {
                    let (inserted, first) = states[e].valid.insert(key, Int32(rowBase + r))
                    if !inserted {
                        problem = .duplicateKey(firstLine: states[e].rowLines[Int(first)])
                        field = entity.key
                    }
                } else if let key, !states[e].valid.contains(key) {
                    states[e].invalid.insert(key, Int32(clamping: batch.table.lines[r]))
                }
                if let problem {
                    batch.invalid.append(invalidRecord(batch, row: r, field: field, problem: problem))
                    batch.rows[i] = .invalid(Int32(batch.invalid.count - 1))
                    invalidated = true
                }
            }
        }
        if invalidated { Self.putInvalidInFileOrder(&batch) }
    }

    /// Records invalidated here were appended after the parser's; restore file order so the
    /// result does not depend on how the file was cut into chunks.
    public static func putInvalidInFileOrder(_ batch: inout RecordBatch) {
        var ordered: [InvalidRecord] = []
        ordered.reserveCapacity(batch.invalid.count)
        for i in batch.rows.indices {
            guard case .invalid(let k) = batch.rows[i] else { continue }
            ordered.append(batch.invalid[Int(k)])
            batch.rows[i] = .invalid(Int32(ordered.count - 1))
        }
        batch.invalid = ordered
    }

    /// Rows whose index slots are touched together before they are linked.
    private static let touchGroup = 1024

    /// Touches the index slots the next rows will probe (their own keys, and their link targets'
    /// keys), so the cache misses overlap; the result is kept only so the loads are not dropped.
    private mutating func touchKeys(
        _ batch: RecordBatch, rows: Range<Int>, keyColumn: [Cell], keyType: FieldType, viaColumns: [[Cell]]
    ) {
        let entity = schema.entities[batch.table.entity]
        var sink: Int64 = 0
        let ownKeysAreCells = !(keyType == .string)
        for i in rows {
            guard case .valid(let r32) = batch.rows[i] else { continue }
            let r = Int(r32)
            if ownKeysAreCells { sink ^= states[batch.table.entity].valid.touch(keyColumn[r]) }
            for (l, link) in entity.links.enumerated() where entity.fields[link.via].type != .string {
                sink ^= states[link.target].valid.touch(viaColumns[l][r])
            }
        }
        touched ^= sink
    }

    // MARK: key codes

    /// The code of a record's own key.
    private mutating func ownCode(_ cell: Cell, type: FieldType, strings: StringPool) -> Int64? {
        if cell.isNull { return nil }
        if case .string = type { return keyStrings.intern(strings[cell]) }
        return cell
    }

    /// The code a link's `via` cell has among the target's keys, converting through text when the
    /// two fields are typed differently.
    private func viaCode(_ cell: Cell, via: FieldType, target: Int, strings: StringPool) -> Int64? {
        if cell.isNull { return nil }
        let targetType = schema.entities[target].fields[schema.entities[target].key].type
        switch (via, targetType) {
        case (.string, .string):
            return keyStrings.id(of: strings[cell])
        case _ where via == targetType:
            return cell
        default:
            let text = CellText.text(cell, type: via, strings: strings)
            if case .string = targetType { return keyStrings.id(of: text) }
            return CellText.cell(text, type: targetType)
        }
    }

    private mutating func textCode(_ text: String, type: FieldType, intern: Bool) -> Int64? {
        if case .string = type { return intern ? keyStrings.intern(text) : keyStrings.id(of: text) }
        return CellText.cell(text, type: type)
    }

    // MARK: invalid records

    /// An invalid record for a parsed row, its raw texts rebuilt from the cells (columns the
    /// table does not keep are empty).
    private func invalidRecord(_ batch: RecordBatch, row r: Int, field: Int, problem: DataProblem) -> InvalidRecord {
        Self.invalidRecord(batch, row: r, field: field, problem: problem, schema: schema)
    }

    /// An invalid record for row `r` of `batch.table` (a record that parsed but whose key or
    /// links are wrong), as the linker makes them; `field` is the field at fault or -1.
    public static func invalidRecord(_ batch: RecordBatch, row r: Int, field: Int, problem: DataProblem, schema: Schema) -> InvalidRecord {
        let entity = schema.entities[batch.table.entity]
        let table = batch.table
        func text(_ f: Int) -> String {
            table.loaded[f] ? CellText.text(table.columns[f][r], type: entity.fields[f].type, strings: table.strings) : ""
        }
        let key = text(entity.key)
        return InvalidRecord(
            file: batch.file, line: table.lines[r], column: field >= 0 ? entity.fields[field].name : nil,
            value: field >= 0 ? InvalidRecord.shortened(text(field)) : nil, problem: problem,
            rawFields: batch.columnFields.map(text), rawKey: key.isEmpty ? nil : key,
            rawLinks: entity.links.map { link in
                let t = text(link.via)
                return t.isEmpty ? nil : t
            })
    }
}
