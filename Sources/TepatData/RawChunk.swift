/// The two file formats of the population contract.
public enum PopulationFormat: String, Sendable, Hashable, CaseIterable {
    /// RFC 4180 CSV with a header row.
    case csv
    /// JSON Lines: one flat JSON object per line, keys = column names.
    case jsonl

    /// The format a file name's extension names (`.jsonl` → JSON Lines, anything else CSV).
    public init(fileName: String) {
        self = fileName.hasSuffix(".jsonl") ? .jsonl : .csv
    }
}

/// Whole records cut from a file, not yet parsed. Reading is sequential (`EntityReader.nextChunk`);
/// parsing (`RecordParser.parse`) is pure, so chunks can be parsed on several threads and the
/// batches merged in order.
public struct RawChunk: Sendable {
    /// Complete records; the last may lack its final newline only at the end of the file.
    public var bytes: [UInt8]
    /// The 1-based line the first byte is on.
    public var firstLine: Int
    /// Index of the chunk's first record among all records of the file.
    public var firstRecord: Int
    /// How many records the chunk holds (blank lines are not records).
    public var recordCount: Int

    public init(bytes: [UInt8], firstLine: Int, firstRecord: Int, recordCount: Int) {
        self.bytes = bytes
        self.firstLine = firstLine
        self.firstRecord = firstRecord
        self.recordCount = recordCount
    }
}
