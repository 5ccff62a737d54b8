import Foundation

/// Reads RFC 4180 CSV records from a file in chunks: quoted fields, doubled quotes, CRLF or LF,
/// a BOM. As in the population readers, only a field that *starts* with `"` is quoted; a quote
/// anywhere else is a stray quote, kept as data (so a damaged row damages only itself). Used to read back `decisions.csv` (golden runs, `tepat diff`) without holding the whole
/// file; never traps on odd input — an unterminated quote simply runs to the end of the data.
struct CSVRecords {
    private var fields: [String] = []
    private var field: [UInt8] = []
    private var inQuotes = false
    private var afterQuote = false
    private var fieldStart = true
    private var line = 1
    private var recordLine = 1
    private var atStart = true

    /// Calls `body` with each record's fields and the 1-based line it starts on. Blank lines are skipped.
    static func forEach(path: String, _ body: ([String], Int) -> Void) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        var reader = CSVRecords()
        while true {
            let data = handle.readData(ofLength: 1 << 22)
            if data.isEmpty { break }
            data.withUnsafeBytes { raw in reader.feed(raw.bindMemory(to: UInt8.self), body) }
        }
        reader.finish(body)
        return true
    }

    /// The same for bytes in memory.
    static func forEach(bytes: [UInt8], _ body: ([String], Int) -> Void) {
        var reader = CSVRecords()
        bytes.withUnsafeBufferPointer { reader.feed($0, body) }
        reader.finish(body)
    }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: ([String], Int) -> Void) {
        var start = 0
        if atStart {
            atStart = false
            if chunk.count >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { start = 3 }
        }
        var i = start
        while i < chunk.count {
            let c = chunk[i]
            i += 1
            if inQuotes {
                if afterQuote {
                    afterQuote = false
                    if c == 34 {
                        field.append(34)
                        continue
                    }
                    inQuotes = false  // the quote closed the field; read `c` as unquoted
                } else if c == 34 {
                    afterQuote = true
                    continue
                } else {
                    if c == 10 { line += 1 }
                    field.append(c)
                    continue
                }
            }
            switch c {
            case 34 where fieldStart:
                inQuotes = true
                fieldStart = false
            case 44:
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                fieldStart = true
            case 10:
                endRecord(body)
                line += 1
                recordLine = line
                fieldStart = true
            case 13: break
            default:
                field.append(c)
                fieldStart = false
            }
        }
    }

    private mutating func endRecord(_ body: ([String], Int) -> Void) {
        if fields.isEmpty, field.isEmpty {
            recordLine = line + 1
            return
        }
        fields.append(String(decoding: field, as: UTF8.self))
        body(fields, recordLine)
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
    }

    mutating func finish(_ body: ([String], Int) -> Void) {
        inQuotes = false
        afterQuote = false
        endRecord(body)
    }
}

/// One row of `decisions.csv` / `decisions.jsonl`, as the comparisons need it.
public struct DecisionRow: Sendable, Hashable {
    public var program: String
    public var householdId: String
    public var personId: String
    public var applicationId: String
    public var decision: String
    public var rule: String
    public var reason: String
    public var amount: Int64
    /// The rules that failed (JSON Lines only; empty for CSV).
    public var failing: [String] = []
    public var notAssessed: [String] = []
    /// The line in the file.
    public var line: Int

    /// The subject's own key: the application, else the person, else the household.
    public var subjectKey: String {
        !applicationId.isEmpty ? applicationId : !personId.isEmpty ? personId : householdId
    }

    /// `program person 3671…` — for listings.
    public var subjectLabel: String {
        if !applicationId.isEmpty { return "application \(applicationId)" }
        if !personId.isEmpty { return "person \(personId)" }
        return "household \(householdId)"
    }
}

public struct DecisionFileError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// Reads a decisions file written by `tepat run` (CSV or JSON Lines, by extension).
public enum DecisionFile {
    public static func read(_ path: String) throws(DecisionFileError) -> [DecisionRow] {
        var rows: [DecisionRow] = []
        try forEach(path) { rows.append($0) }
        return rows
    }

    /// Streams the rows of a decisions file in order.
    public static func forEach(_ path: String, _ body: (DecisionRow) -> Void) throws(DecisionFileError) {
        if path.hasSuffix(".jsonl") {
            guard let data = FileManager.default.contents(atPath: path) else { throw DecisionFileError("cannot read \(path)") }
            try forEachJSONLine(data, path: path, body)
        } else {
            try forEachCSV(path, body)
        }
    }

    static func forEachCSV(_ path: String, _ body: (DecisionRow) -> Void) throws(DecisionFileError) {
        var columns: [String: Int] = [:]
        var problem: String?
        let readable = CSVRecords.forEach(path: path) { fields, line in
            guard problem == nil else { return }
            if columns.isEmpty {
                for (i, name) in fields.enumerated() { columns[name] = i }
                for required in ["program", "decision", "rule", "amount"] where columns[required] == nil {
                    problem = "\(path) has no `\(required)` column: is it a decisions.csv written by `tepat run`?"
                }
                return
            }
            func field(_ name: String) -> String {
                guard let i = columns[name], i < fields.count else { return "" }
                return fields[i]
            }
            body(DecisionRow(
                program: field("program"), householdId: field("household_id"), personId: field("person_id"),
                applicationId: field("application_id"), decision: field("decision"), rule: field("rule"), reason: field("reason"),
                amount: Int64(field("amount")) ?? 0, line: line))
        }
        if !readable { throw DecisionFileError("cannot read \(path)") }
        if let problem { throw DecisionFileError(problem) }
    }

    static func forEachJSONLine(_ data: Data, path: String, _ body: (DecisionRow) -> Void) throws(DecisionFileError) {
        var line = 0
        for slice in data.split(separator: 10, omittingEmptySubsequences: false) {
            line += 1
            if slice.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(slice))) as? [String: Any] else {
                throw DecisionFileError("\(path):\(line): not a JSON object")
            }
            func text(_ key: String) -> String { object[key] as? String ?? "" }
            let amount: Int64 = (object["amount"] as? NSNumber)?.int64Value ?? Int64(text("amount")) ?? 0
            body(DecisionRow(
                program: text("program"), householdId: text("household_id"), personId: text("person_id"),
                applicationId: text("application_id"), decision: text("decision"), rule: text("rule"), reason: text("reason"),
                amount: amount, failing: object["failing"] as? [String] ?? [], notAssessed: object["not_assessed"] as? [String] ?? [],
                line: line))
        }
    }
}
