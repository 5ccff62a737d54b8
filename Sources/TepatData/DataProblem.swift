import TepatModel

/// What is wrong with one input record. A value, not an error: a bad row never stops reading
/// (unless the caller asks for `--on-error fail`), it becomes an `invalid` decision that says why.
public enum DataProblem: Sendable, Hashable {
    /// A required (non-optional) field is empty.
    case missingValue
    /// Not `YYYY-MM-DD`, or a date that does not exist (`2025-02-30`).
    case badDate
    /// Not `YYYY-MM`, or month 13.
    case badMonth
    /// Not a whole number (`x`, `1.5`, ` 3`).
    case badInteger
    /// A whole number outside the field's bounds (or outside 64 bits when it has none).
    case outOfRange(min: Int64?, max: Int64?)
    /// Not exactly this many ASCII digits (NIK, No. KK).
    case badDigits(Int)
    /// Not `true`/`false`.
    case badBoolean
    /// Not one of the field's codes.
    case unknownCode(allowed: [String])
    /// Not a non-negative whole number of rupiah.
    case badMoney
    /// The CSV record has a different number of fields than the header.
    case wrongFieldCount(expected: Int, found: Int)
    /// A quote inside an unquoted field, text after a closing quote, or a quote never closed.
    case badQuoting
    /// A text field is not valid UTF-8.
    case invalidUTF8
    /// A JSON Lines record that is not one flat JSON object with known keys.
    case badJSON(String)
    /// The entity's key was already used by an earlier valid record (the first one wins).
    case duplicateKey(firstLine: Int)
    /// A required link names a record that is not in the target file.
    case missingLink(link: String, target: String)
    /// A link names a record that exists only as an invalid row (at `line` of the target file).
    case invalidLinkTarget(link: String, line: Int)
}

extension DataProblem {
    /// A short explanation for officers (Bahasa Indonesia by default) or IT (English). When the
    /// offending `value` is given, date and month problems say whether the text was malformed or
    /// named a day that does not exist.
    public func message(_ language: Language = .id, value: String? = nil) -> String {
        let en = language == .en
        switch self {
        case .missingValue:
            return en ? "required value is empty" : "nilai wajib diisi tetapi kosong"
        case .badDate:
            if let value, Self.looksLike(value, "dddd-dd-dd") {
                return en ? "no such date" : "tanggal tidak ada"
            }
            if value == nil { return en ? "not a valid date (YYYY-MM-DD)" : "bukan tanggal yang sah (YYYY-MM-DD)" }
            return en ? "not a date in the form YYYY-MM-DD" : "bukan tanggal berformat YYYY-MM-DD"
        case .badMonth:
            if let value, Self.looksLike(value, "dddd-dd") {
                return en ? "no such month" : "bulan tidak ada"
            }
            if value == nil { return en ? "not a valid month (YYYY-MM)" : "bukan bulan yang sah (YYYY-MM)" }
            return en ? "not a month in the form YYYY-MM" : "bukan bulan berformat YYYY-MM"
        case .badInteger:
            return en ? "not a whole number" : "bukan bilangan bulat"
        case .outOfRange(let min?, let max?):
            return en ? "outside the range \(min)–\(max)" : "di luar rentang \(min)–\(max)"
        case .outOfRange(let min?, nil):
            return en ? "must be at least \(min)" : "harus paling sedikit \(min)"
        case .outOfRange(nil, let max?):
            return en ? "must be at most \(max)" : "harus paling banyak \(max)"
        case .outOfRange(nil, nil):
            return en ? "number too large" : "bilangan terlalu besar"
        case .badDigits(let n):
            return en ? "must be exactly \(n) digits" : "harus tepat \(n) angka"
        case .badBoolean:
            return en ? "must be true or false" : "harus true atau false"
        case .unknownCode(let allowed):
            let shown = allowed.prefix(6).joined(separator: ", ") + (allowed.count > 6 ? ", …" : "")
            return en ? "unknown code; allowed: \(shown)" : "kode tidak dikenal; yang berlaku: \(shown)"
        case .badMoney:
            return en
                ? "not an amount of rupiah (a non-negative whole number)"
                : "bukan jumlah rupiah (bilangan bulat tidak negatif)"
        case .wrongFieldCount(let expected, let found):
            return en ? "\(found) fields, expected \(expected)" : "ada \(found) kolom, seharusnya \(expected)"
        case .badQuoting:
            return en ? "misplaced double quote (RFC 4180)" : "tanda kutip tidak pada tempatnya (RFC 4180)"
        case .invalidUTF8:
            return en ? "not valid UTF-8 text" : "bukan teks UTF-8 yang sah"
        case .badJSON(let detail):
            return en ? "malformed JSON line: \(detail)" : "baris JSON tidak sah: \(detail)"
        case .duplicateKey(let firstLine):
            return en ? "duplicate key; first on line \(firstLine)" : "kunci ganda; pertama di baris \(firstLine)"
        case .missingLink(let link, let target):
            let name = link == target ? target : "\(target) (\(link))"
            return en ? "no such \(name) in the population" : "\(name) tidak ada dalam data populasi"
        case .invalidLinkTarget(let link, let line):
            return en ? "the \(link) on line \(line) is invalid" : "\(link) di baris \(line) tidak valid"
        }
    }

    /// Whether `value` has the shape of `pattern`, where `d` stands for an ASCII digit.
    private static func looksLike(_ value: String, _ pattern: String) -> Bool {
        let v = Array(value.utf8), p = Array(pattern.utf8)
        guard v.count == p.count else { return false }
        for (a, b) in zip(v, p) {
            if b == UInt8(ascii: "d") { guard a >= 48, a <= 57 else { return false } } else if a != b { return false }
        }
        return true
    }
}
