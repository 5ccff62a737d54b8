import TepatModel

/// Turns a `RawChunk` into a `RecordBatch`: splits records, validates every field against its
/// type, interns text, and records every bad row with its line, column and raw texts. Pure and
/// `Sendable`: one parser can parse many chunks on many threads at once.
public struct RecordParser: Sendable {
    /// The file name as given (`members.csv`), written into invalid records.
    public let file: String
    public let entity: Int
    public let format: PopulationFormat
    /// The column names in file order (JSON Lines: the schema's field names).
    public let columns: [String]
    /// Per column: the field it holds.
    public let columnFields: [Int]
    /// Per field: its column, or -1 when the file lacks that (`columnOptional`) column.
    public let fieldColumns: [Int]
    /// Per field: whether the table stores it. The key and every link's `via` field are always stored.
    public let loaded: [Bool]
    /// The strings every chunk's pool starts with, so policy constants have the same id everywhere.
    public let stringSeed: [String]

    private let decoders: [FieldDecoder]
    /// Per field, what the per-value loop needs, without reference-counted payloads.
    private let hot: [HotField]
    private let keyField: Int
    private let linkVias: [Int]
    private let fieldKeys: [[UInt8]]

    private struct HotField: Sendable {
        var kind: FieldDecoder.Kind
        var optional: Bool
        var load: Bool
    }

    /// A parser for `entity` of `schema`. For CSV, `header` is the file's header row and is
    /// checked against the entity (throws on a missing or unknown column); JSON Lines ignores it.
    public init(
        file: String, schema: Schema, entity: Int, format: PopulationFormat, header: [String] = [],
        loaded: [Bool]? = nil, stringSeed: [String] = []
    ) throws(PopulationError) {
        let e = schema.entities[entity]
        let layout =
            format == .csv ? try ColumnLayout.csv(header: header, entity: e, path: file) : ColumnLayout.jsonl(entity: e)
        var loaded = loaded ?? Array(repeating: true, count: e.fields.count)
        precondition(loaded.count == e.fields.count, "loaded needs one flag per field of \(e.name)")
        loaded[e.key] = true
        for link in e.links { loaded[link.via] = true }
        self.file = file
        self.entity = entity
        self.format = format
        columns = layout.columns
        columnFields = layout.columnFields
        fieldColumns = layout.fieldColumns
        self.loaded = loaded
        self.stringSeed = stringSeed
        let decoders = e.fields.map(FieldDecoder.init)
        self.decoders = decoders
        hot = decoders.indices.map { HotField(kind: decoders[$0].kind, optional: decoders[$0].optional, load: loaded[$0]) }
        keyField = e.key
        linkVias = e.links.map(\.via)
        fieldKeys = e.fields.map { Array($0.name.utf8) }
    }

    /// Parses one chunk. Every record of the chunk gets a `RowStatus`, in order.
    public func parse(_ chunk: RawChunk) -> RecordBatch {
        var builder = BatchBuilder(
            entity: entity, fieldCount: decoders.count, linkCount: linkVias.count, loaded: loaded,
            strings: StringPool(seed: stringSeed), expectedRecords: chunk.recordCount)
        var invalid: [InvalidRecord] = []
        chunk.bytes.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress, buffer.count > 0 else { return }
            switch format {
            case .csv: parseCSV(p, buffer.count, firstLine: chunk.firstLine, &builder, &invalid)
            case .jsonl: parseJSONL(p, buffer.count, firstLine: chunk.firstLine, &builder, &invalid)
            }
        }
        let (table, rows) = builder.finish()
        return RecordBatch(
            table: table, rows: rows, invalid: invalid, firstRecord: chunk.firstRecord, file: file, columnFields: columnFields)
    }

    // MARK: the per-value path

    /// The cell for one field's text, or nil when it is not valid (`problem` says why). `limit`
    /// is how far past the value bytes may be read (the end of the chunk).
    @inline(__always)
    private func cell(
        _ f: Int, _ field: HotField, _ span: FieldSpan, _ limit: UnsafePointer<UInt8>, _ interner: inout ByteInterner,
        _ strings: inout StringPool
    ) -> Cell? {
        if span.count == 0 { return field.optional ? Cell.null : nil }
        switch field.kind {
        case .string:
            if field.load { return interner.id(span.start, span.count, pool: &strings) }
            return isValidUTF8(span.start, span.count) ? 0 : nil
        case .enumeration:
            return decoders[f].codes.index(of: span.start, span.count, limit: limit).map(Int64.init)
        default:
            return FieldDecoder.decodeScalar(field.kind, span.start, span.count)
        }
    }

    private func problem(_ f: Int, _ span: FieldSpan) -> DataProblem {
        span.count == 0 ? .missingValue : decoders[f].problem(span.start, span.count)
    }

    // MARK: CSV

    private func parseCSV(
        _ p: UnsafePointer<UInt8>, _ n: Int, firstLine: Int, _ builder: inout BatchBuilder, _ invalid: inout [InvalidRecord]
    ) {
        var splitter = CSVSplitter(p, count: n)
        var interner = ByteInterner()
        let limit = p + n
        let columnCount = columnFields.count
        let absent = fieldColumns.indices.filter { fieldColumns[$0] < 0 }
        var i = 0
        var line = firstLine
        hot.withUnsafeBufferPointer { hot in
            columnFields.withUnsafeBufferPointer { columnFields in
                while i < n {
                    if let blank = CSVScan.blankLine(p, i, n, atEOF: true), blank.blank {
                        line += 1
                        i = blank.next
                        continue
                    }
                    let recordLine = line
                    let end = splitter.split(from: i)
                    i = end.next
                    line += end.innerNewlines + (end.terminated ? 1 : 0)

                    var failedColumn = -1
                    var failure: DataProblem?
                    if splitter.badQuoting {
                        failedColumn = splitter.badField
                        failure = .badQuoting
                    } else if splitter.fieldCount != columnCount {
                        failure = .wrongFieldCount(expected: columnCount, found: splitter.fieldCount)
                    } else {
                        let (row, stride) = builder.nextRow()
                        for f in absent { row[f &* stride] = Cell.null }
                        for c in 0..<columnCount {
                            let f = columnFields[c]
                            let span = splitter.field(c)
                            if let value = cell(f, hot[f], span, limit, &interner, &builder.strings) {
                                row[f &* stride] = value
                            } else {
                                failedColumn = c
                                failure = problem(f, span)
                                break
                            }
                        }
                    }
                    if let failure {
                        let raw = (0..<splitter.fieldCount).map { String(decoding: splitter.field($0).buffer, as: UTF8.self) }
                        invalid.append(invalidRecord(line: recordLine, column: failedColumn, problem: failure, raw: raw))
                        builder.addInvalid(invalid.count - 1)
                    } else {
                        builder.commitValid(line: recordLine)
                    }
                }
            }
        }
    }

    // MARK: JSON Lines

    private func parseJSONL(
        _ p: UnsafePointer<UInt8>, _ n: Int, firstLine: Int, _ builder: inout BatchBuilder, _ invalid: inout [InvalidRecord]
    ) {
        var scanner = JSONLineScanner(p, count: n, keys: fieldKeys)
        var interner = ByteInterner()
        let fieldCount = decoders.count
        let empty = FieldSpan(start: p, count: 0)
        let chunkEnd = p + n
        var i = 0
        var line = firstLine
        while i < n {
            let nl = findByte(RawByte.lf, p, from: i, to: n)
            let start = i
            let recordLine = line
            i = nl < n ? nl + 1 : n
            line += 1
            if JSONLines.isBlank(p, start, nl) { continue }
            if let detail = scanner.scan(from: start, to: nl) {
                var text = String(decoding: UnsafeBufferPointer(start: p + start, count: nl - start), as: UTF8.self)
                if text.hasSuffix("\r") { text.removeLast() }
                invalid.append(
                    InvalidRecord(
                        file: file, line: recordLine, column: nil, value: nil, problem: .badJSON(detail), rawFields: [text],
                        rawKey: nil, rawLinks: Array(repeating: nil, count: linkVias.count)))
                builder.addInvalid(invalid.count - 1)
                continue
            }
            var failedField = -1
            var failure: DataProblem?
            let (row, stride) = builder.nextRow()
            for f in 0..<fieldCount {
                let span = scanner.present[f] ? scanner.values[f] : empty
                // Unescaped strings live in the scanner's scratch, not the chunk: read no further than the value.
                let inChunk = span.start >= p && span.start < chunkEnd
                if let value = cell(f, hot[f], span, inChunk ? chunkEnd : span.start + span.count, &interner, &builder.strings) {
                    row[f &* stride] = value
                } else {
                    failedField = f
                    failure = problem(f, span)
                    break
                }
            }
            if let failure {
                let raw = (0..<fieldCount).map { f in
                    scanner.present[f] ? String(decoding: scanner.values[f].buffer, as: UTF8.self) : ""
                }
                invalid.append(invalidRecord(line: recordLine, column: failedField, problem: failure, raw: raw))
                builder.addInvalid(invalid.count - 1)
            } else {
                builder.commitValid(line: recordLine)
            }
        }
    }

    // MARK: invalid records

    /// An invalid record from its raw field texts (in column order).
    private func invalidRecord(line: Int, column: Int, problem: DataProblem, raw: [String]) -> InvalidRecord {
        func rawText(ofField f: Int) -> String? {
            let c = fieldColumns[f]
            guard c >= 0, c < raw.count, !raw[c].isEmpty else { return nil }
            return raw[c]
        }
        let named = column >= 0 && column < columns.count
        return InvalidRecord(
            file: file, line: line, column: named ? columns[column] : nil,
            value: named && column < raw.count ? InvalidRecord.shortened(raw[column]) : nil, problem: problem,
            rawFields: raw, rawKey: rawText(ofField: keyField), rawLinks: linkVias.map(rawText(ofField:)))
    }
}

/// Small helpers shared by the JSON Lines reader and chunker.
enum JSONLines {
    /// Whether `p[from..<to]` holds only spaces, tabs and CR: such a line is not a record.
    @inline(__always)
    static func isBlank(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var i = from
        while i < to {
            let c = p[i]
            guard c == RawByte.space || c == RawByte.tab || c == RawByte.cr else { return false }
            i += 1
        }
        return true
    }
}
