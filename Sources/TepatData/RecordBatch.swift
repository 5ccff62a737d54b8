import TepatModel

/// The outcome of parsing one chunk: the valid records as a typed table, and for every input
/// record, in file order, where it went. Nothing is lost: a record is either a table row or an
/// `InvalidRecord` saying what is wrong.
public struct RecordBatch: Sendable {
    /// The valid records, in order. Links are filled in by `Linker`.
    public var table: Table
    /// One per input record, in file order.
    public var rows: [RowStatus]
    public var invalid: [InvalidRecord]
    /// Index of `rows[0]` among all records of the file (0-based, the header is not a record).
    public var firstRecord: Int
    /// The file name as given (`members.csv`), for invalid records made later by the linker.
    public var file: String
    /// Per raw column, in header order, the schema field it holds (JSON Lines: every field, in
    /// schema order). Lets the linker rebuild `rawFields` for records it invalidates.
    public var columnFields: [Int]

    public init(table: Table, rows: [RowStatus], invalid: [InvalidRecord], firstRecord: Int, file: String, columnFields: [Int]) {
        self.table = table
        self.rows = rows
        self.invalid = invalid
        self.firstRecord = firstRecord
        self.file = file
        self.columnFields = columnFields
    }

    /// The 1-based line of the record `rows[i]`.
    public func line(ofRow i: Int) -> Int {
        switch rows[i] {
        case .valid(let r): table.lines[Int(r)]
        case .invalid(let k): invalid[Int(k)].line
        }
    }
}

/// Where one input record went.
public enum RowStatus: Sendable, Hashable {
    /// Its row in `RecordBatch.table` (or `LoadedEntity.table`).
    case valid(Int32)
    /// Its index in `invalid`.
    case invalid(Int32)

    public var isValid: Bool { if case .valid = self { true } else { false } }
}

/// One record that could not be used, with everything an officer needs to find and fix it.
public struct InvalidRecord: Sendable, Hashable {
    /// The file name as given (`members.csv`).
    public var file: String
    /// The 1-based line the record starts on (the CSV header is line 1).
    public var line: Int
    /// The field at fault, when one field is.
    public var column: String?
    /// The offending text, shortened to about 60 characters.
    public var value: String?
    public var problem: DataProblem
    /// The record's raw field texts in header order (JSON Lines: schema field order; a line that
    /// is not JSON gives its text as the only element), so outputs can still print ids as read.
    public var rawFields: [String]
    /// The raw text of the entity key, when readable.
    public var rawKey: String?
    /// Per schema link: the raw text of its `via` field, when readable.
    public var rawLinks: [String?]

    public init(
        file: String, line: Int, column: String?, value: String?, problem: DataProblem, rawFields: [String],
        rawKey: String?, rawLinks: [String?]
    ) {
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        self.problem = problem
        self.rawFields = rawFields
        self.rawKey = rawKey
        self.rawLinks = rawLinks
    }

    /// One line for an officer: `Data tidak valid: members.csv baris 57, kolom birth_date =
    /// "2025-02-30": tanggal tidak ada` (English: `Invalid data: members.csv line 57, …`).
    public func reason(_ language: Language = .id) -> String {
        let en = language == .en
        var text = (en ? "Invalid data: " : "Data tidak valid: ") + file + (en ? " line " : " baris ") + String(line)
        if let column {
            text += (en ? ", column " : ", kolom ") + column
            if let value { text += " = \"" + Self.escaped(value) + "\"" }
        }
        return text + ": " + problem.message(language, value: value)
    }

    /// Shortens `text` to at most `limit` characters, marking the cut with `…`.
    public static func shortened(_ text: String, limit: Int = 60) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    private static func escaped(_ value: String) -> String {
        var out = ""
        for ch in value.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
