/// A calendar date as a count of days since 1970-01-01 (proleptic Gregorian), the form every
/// date takes in tables and in the evaluator: comparison and day arithmetic are integer operations.
public struct Day: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    /// Nil when the date does not exist (`2025-02-30`, month 13) or the year is outside 1–9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= Day.daysIn(month: month, year: year)
        else { return nil }
        ordinal = Day.daysFromCivil(year: year, month: month, day: day)
    }

    /// Parses exactly `YYYY-MM-DD`; nil for anything else or a date that does not exist.
    public init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard let parsed = Day.parseISO(bytes[...]) else { return nil }
        self = parsed
    }

    /// Parses exactly `YYYY-MM-DD` from raw bytes (the CSV hot path).
    @inlinable
    public static func parseISO(_ b: ArraySlice<UInt8>) -> Day? {
        guard b.count == 10 else { return nil }
        let s = b.startIndex
        guard b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-") else { return nil }
        var year = 0, month = 0, day = 0
        for i in 0..<4 {
            let d = b[s + i] &- 48
            guard d < 10 else { return nil }
            year = year * 10 + Int(d)
        }
        for i in 5..<7 {
            let d = b[s + i] &- 48
            guard d < 10 else { return nil }
            month = month * 10 + Int(d)
        }
        for i in 8..<10 {
            let d = b[s + i] &- 48
            guard d < 10 else { return nil }
            day = day * 10 + Int(d)
        }
        return Day(year: year, month: month, day: day)
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's `days_from_civil`.
    @usableFromInline
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The year, month and day of this date.
    public var civil: (year: Int, month: Int, day: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { ((ordinal % 7) + 7 + 3) % 7 }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + days) }

    /// Completed years from `self` (a birth date) to `day`. Someone born on 29 February
    /// becomes a year older on 1 March in common years.
    public func completedYears(on day: Day) -> Int {
        Self.completedYears(born: civil, on: day.civil)
    }

    /// `completedYears` on civil dates (a fixed reference date is converted once, not per record).
    @inlinable
    public static func completedYears(born b: (year: Int, month: Int, day: Int), on d: (year: Int, month: Int, day: Int)) -> Int {
        var years = d.year - b.year
        if (d.month, d.day) < (b.month, b.day) { years -= 1 }
        return years
    }

    /// `2025-03-01`: what machines read.
    public var iso: String {
        let c = civil
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    public var description: String { iso }

    /// `1 Maret 2025` (Indonesian) or `1 March 2025` (English): what people read.
    public func long(_ language: Language) -> String {
        let c = civil
        let names = language == .en ? Day.englishMonths : Day.indonesianMonths
        return "\(c.day) \(names[c.month - 1]) \(c.year)"
    }

    /// `01-03-2025`: the short form used on Indonesian forms.
    public var dmy: String {
        let c = civil
        return "\(pad(c.day, 2))-\(pad(c.month, 2))-\(pad(c.year, 4))"
    }

    public static let indonesianMonths = [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ]
    public static let englishMonths = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.ordinal < rhs.ordinal }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }
}

/// A calendar month (`YYYY-MM`), such as a DTKS data period, stored as `year * 12 + month - 1`.
public struct Month: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        ordinal = year * 12 + month - 1
    }

    /// Parses exactly `YYYY-MM`.
    public init?(iso text: some StringProtocol) {
        let b = Array(text.utf8)
        guard b.count == 7, b[4] == UInt8(ascii: "-") else { return nil }
        var year = 0, month = 0
        for i in 0..<4 {
            let d = b[i] &- 48
            guard d < 10 else { return nil }
            year = year * 10 + Int(d)
        }
        for i in 5..<7 {
            let d = b[i] &- 48
            guard d < 10 else { return nil }
            month = month * 10 + Int(d)
        }
        self.init(year: year, month: month)
    }

    public var year: Int { ordinal / 12 }
    public var month: Int { ordinal % 12 + 1 }
    public var iso: String { "\(pad(year, 4))-\(pad(month, 2))" }
    public var description: String { iso }

    /// `Februari 2025` / `February 2025`.
    public func long(_ language: Language) -> String {
        "\((language == .en ? Day.englishMonths : Day.indonesianMonths)[month - 1]) \(year)"
    }

    public static func < (lhs: Month, rhs: Month) -> Bool { lhs.ordinal < rhs.ordinal }
}

/// The languages people read Tepat's output in. Bahasa Indonesia first.
public enum Language: String, Sendable, Hashable, Codable, CaseIterable {
    case id, en
}

@usableFromInline
func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
