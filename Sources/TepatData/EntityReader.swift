import Foundation
import TepatModel

/// Reads one population file (`members.csv` or `members.jsonl`) sequentially, in chunks of whole
/// records, after checking its header against the schema entity. Reading is the only sequential
/// part: `parser` (a `Sendable` value) turns each chunk into a `RecordBatch` on any thread.
///
/// ```swift
/// var reader = try EntityReader(path: "pop/members.csv", schema: schema, entity: 1)
/// while let chunk = try reader.nextChunk(maxRecords: 65_536) {
///     let batch = reader.parse(chunk)   // or reader.parser.parse(chunk) on a worker thread
/// }
/// ```
///
/// A reader holds an open file; copies of it share the file position, so read from one copy only.
public struct EntityReader {
    /// Parses this file's chunks; safe to use from several threads at once.
    public let parser: RecordParser
    /// The path the file was opened from.
    public let path: String
    private let source: BlockReader
    /// The 1-based line of the next unread byte.
    private var line = 1
    /// The index of the next record among all records of the file.
    private var nextRecord = 0

    public var format: PopulationFormat { parser.format }
    /// The file name used in invalid records (`members.csv`).
    public var fileName: String { parser.file }
    /// The column names in file order (JSON Lines: the schema's field names).
    public var columns: [String] { parser.columns }

    /// Opens `path` and checks its header. The format comes from the extension (`.jsonl` is JSON
    /// Lines, anything else CSV). `loaded` says which fields the tables keep (all by default; the
    /// key and link fields always); `stringSeed` seeds every chunk's string pool.
    public init(
        path: String, fileName: String? = nil, schema: Schema, entity: Int, loaded: [Bool]? = nil,
        stringSeed: [String] = [], blockSize: Int = 4 << 20
    ) throws(PopulationError) {
        self.path = path
        let name = fileName ?? (path as NSString).lastPathComponent
        let format = PopulationFormat(fileName: path)
        source = try BlockReader(path: path, blockSize: blockSize)
        try Self.skipByteOrderMark(source)
        do {
            switch format {
            case .csv:
                var line = 1
                let header = try Self.readHeader(source, line: &line, path: path)
                self.line = line
                parser = try RecordParser(
                    file: name, schema: schema, entity: entity, format: .csv, header: header, loaded: loaded,
                    stringSeed: stringSeed)
            case .jsonl:
                if let keys = try Self.firstObjectKeys(source) {
                    try ColumnLayout.checkJSONKeys(keys, entity: schema.entities[entity], path: path)
                }
                parser = try RecordParser(
                    file: name, schema: schema, entity: entity, format: .jsonl, loaded: loaded, stringSeed: stringSeed)
            }
        } catch {
            throw PopulationError(error.kind, path: path)
        }
    }

    /// Parses a chunk of this file (the same as `parser.parse`).
    public func parse(_ chunk: RawChunk) -> RecordBatch { parser.parse(chunk) }

    /// The next run of at most `maxRecords` whole records (cut at a record boundary, quote-aware),
    /// or nil at the end of the file.
    public mutating func nextChunk(maxRecords: Int) throws(PopulationError) -> RawChunk? {
        precondition(maxRecords > 0, "maxRecords must be positive")
        var i = source.start
        var records = 0
        var lines = 0
        var nextQuote = -1
        scan: while records < maxRecords {
            if i == source.count {
                if source.atEOF { break }
                try refill(&i, &nextQuote)
                continue
            }
            let p = UnsafePointer(source.data)
            switch parser.format {
            case .csv:
                guard let blank = CSVScan.blankLine(p, i, source.count, atEOF: source.atEOF) else {
                    try refill(&i, &nextQuote)
                    continue scan
                }
                if blank.blank {
                    lines += 1
                    i = blank.next
                    continue scan
                }
                guard let end = CSVScan.recordEnd(p, i, source.count, atEOF: source.atEOF, nextQuote: &nextQuote) else {
                    try refill(&i, &nextQuote)
                    continue scan
                }
                records += 1
                lines += end.innerNewlines + (end.terminated ? 1 : 0)
                i = end.next
            case .jsonl:
                let nl = findByte(RawByte.lf, p, from: i, to: source.count)
                if nl == source.count, !source.atEOF {
                    try refill(&i, &nextQuote)
                    continue scan
                }
                if !JSONLines.isBlank(p, i, nl) { records += 1 }
                lines += 1
                i = nl < source.count ? nl + 1 : nl
            }
        }
        guard records > 0 else {
            source.start = i
            return nil
        }
        let chunk = RawChunk(bytes: source.bytes(source.start, i), firstLine: line, firstRecord: nextRecord, recordCount: records)
        source.start = i
        line += lines
        nextRecord += records
        return chunk
    }

    /// Reads more of the file; indices into the buffer move back by what was consumed before.
    private func refill(_ i: inout Int, _ nextQuote: inout Int) throws(PopulationError) {
        let shift = try source.fill()
        i -= shift
        nextQuote = -1
    }

    // MARK: opening

    private static func skipByteOrderMark(_ source: BlockReader) throws(PopulationError) {
        while source.count < 3, !source.atEOF { try source.fill() }
        let d = source.data
        if source.count >= 3, d[0] == 0xEF, d[1] == 0xBB, d[2] == 0xBF { source.start = 3 }
    }

    /// The first non-blank CSV record, as column names.
    private static func readHeader(_ source: BlockReader, line: inout Int, path: String) throws(PopulationError) -> [String] {
        var i = source.start
        var nextQuote = -1
        while true {
            if i == source.count {
                if source.atEOF { throw PopulationError(.emptyFile, path: path) }
                i -= try source.fill()
                nextQuote = -1
                continue
            }
            let p = UnsafePointer(source.data)
            guard let blank = CSVScan.blankLine(p, i, source.count, atEOF: source.atEOF) else {
                i -= try source.fill()
                nextQuote = -1
                continue
            }
            if blank.blank {
                line += 1
                i = blank.next
                continue
            }
            guard let end = CSVScan.recordEnd(p, i, source.count, atEOF: source.atEOF, nextQuote: &nextQuote) else {
                i -= try source.fill()
                nextQuote = -1
                continue
            }
            var splitter = CSVSplitter(p + i, count: end.next - i)
            _ = splitter.split(from: 0)
            guard !splitter.badQuoting else { throw PopulationError(.badHeader, path: path) }
            let header = (0..<splitter.fieldCount).map { String(decoding: splitter.field($0).buffer, as: UTF8.self) }
            line += end.innerNewlines + (end.terminated ? 1 : 0)
            source.start = end.next
            return header
        }
    }

    /// The keys of the first non-blank JSON Lines record, without consuming it; nil when that
    /// line is not a JSON object (it will then be reported as an invalid row).
    private static func firstObjectKeys(_ source: BlockReader) throws(PopulationError) -> [String]? {
        var i = source.start
        while true {
            let nl = findByte(RawByte.lf, UnsafePointer(source.data), from: i, to: source.count)
            if nl == source.count, !source.atEOF {
                i -= try source.fill()
                continue
            }
            if i == nl, source.atEOF, nl == source.count { return nil }
            if JSONLines.isBlank(UnsafePointer(source.data), i, nl) {
                i = nl + 1
                if i > source.count { return nil }
                continue
            }
            let data = Data(bytes: source.data + i, count: nl - i)
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return Array(object.keys)
        }
    }
}
