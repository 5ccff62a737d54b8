import Foundation
import Testing
import TepatModel
import TepatSyntax

/// Dates, ages, working days, exact fractions and rupiah formatting: the values every rule
/// about deadlines, ages and amounts stands on.
@Suite struct DayAndCalendarTests {
    static func day(_ iso: String, sourceLocation: SourceLocation = #_sourceLocation) -> Day {
        guard let d = Day(iso: iso) else {
            Issue.record("`\(iso)` is not a date", sourceLocation: sourceLocation)
            return Day(ordinal: 0)
        }
        return d
    }

    static func calendar(_ daysOff: [String]) -> WorkCalendar {
        WorkCalendar(name: "test", path: "test.yaml", daysOff: daysOff.map { .init(day: day($0), name: $0, kind: "libur_nasional") })
    }

    /// The real 2025 holiday calendar, read as `tepat` reads it.
    static let indonesia2025: WorkCalendar? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../policies/calendars/indonesia-2025.yaml").standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let (calendar, diagnostics) = CalendarLoader.load(SourceFile(path: "indonesia-2025.yaml", text: String(decoding: data, as: UTF8.self)))
        return diagnostics.isEmpty ? calendar : nil
    }()

    // MARK: Day

    @Test(arguments: [
        ("1970-01-01", 0, 3),  // a Thursday
        ("2025-01-10", 20_098, 4),  // Friday
        ("2025-03-29", 20_176, 5),  // Saturday
        ("2025-03-30", 20_177, 6),  // Sunday
        ("2025-03-31", 20_178, 0),  // Monday
        ("1969-12-31", -1, 2),  // Wednesday
        ("0001-01-01", -719_162, 0),  // Monday
    ])
    func ordinalAndWeekday(_ iso: String, _ ordinal: Int, _ weekday: Int) {
        let d = Self.day(iso)
        #expect(d.ordinal == ordinal)
        #expect(d.weekday == weekday)
        #expect(d.iso == iso)
    }

    @Test(arguments: ["2025-02-29", "2025-02-30", "2025-04-31", "2025-13-01", "2025-00-01", "2025-01-00", "0000-01-01", "2025-1-01", "2025/01/01", "20250101", " 2025-01-01", "2025-01-01 "])
    func notADate(_ text: String) {
        #expect(Day(iso: text) == nil)
    }

    @Test func civilRoundTripsOverCenturiesAndLeapDays() {
        var ordinal = Self.day("1899-12-25").ordinal
        let end = Self.day("2101-01-05").ordinal
        var previous = Self.day("1899-12-24")
        while ordinal <= end {
            let d = Day(ordinal: ordinal)
            let c = d.civil
            #expect(Day(year: c.year, month: c.month, day: c.day) == d)
            #expect(d.weekday == (previous.weekday + 1) % 7)
            previous = d
            ordinal += 1
        }
        #expect(Day(year: 1900, month: 2, day: 29) == nil)
        #expect(Day(year: 2000, month: 2, day: 29) != nil)
        #expect(Day(year: 2100, month: 2, day: 29) == nil)
    }

    @Test func formats() {
        let d = Self.day("2025-03-01")
        #expect(d.long(.id) == "1 Maret 2025")
        #expect(d.long(.en) == "1 March 2025")
        #expect(d.dmy == "01-03-2025")
        #expect(Self.day("2025-08-17").long(.id) == "17 Agustus 2025")
        #expect(Month(iso: "2025-02")?.long(.id) == "Februari 2025")
        #expect(Month(iso: "2025-02")?.long(.en) == "February 2025")
        #expect(Month(iso: "2025-13") == nil)
    }

    // MARK: Completed years

    @Test(arguments: [
        // An ordinary birthday: a year older on the day itself, not the day before.
        ("2000-03-01", "2025-03-01", 25),
        ("2000-03-01", "2025-02-28", 24),
        ("2000-03-01", "2025-03-02", 25),
        ("2007-06-15", "2025-06-15", 18),
        ("2007-06-15", "2025-06-14", 17),
        ("2000-12-31", "2025-12-31", 25),
        ("2000-12-31", "2026-01-01", 25),
        ("2001-01-01", "2025-12-31", 24),
        // Born on 29 February: in common years a year older on 1 March, not on 28 February.
        ("2004-02-29", "2025-02-28", 20),
        ("2004-02-29", "2025-03-01", 21),
        ("2000-02-29", "2001-02-28", 0),
        ("2000-02-29", "2001-03-01", 1),
        // … and on 29 February itself in leap years.
        ("2004-02-29", "2028-02-28", 23),
        ("2004-02-29", "2028-02-29", 24),
        ("2004-02-29", "2024-02-29", 20),
        // Born on 28 February or 1 March of a leap year: nothing special.
        ("2004-02-28", "2025-02-28", 21),
        ("2004-03-01", "2025-02-28", 20),
        ("2004-03-01", "2025-03-01", 21),
        // The day of birth, and a date before it.
        ("2025-03-01", "2025-03-01", 0),
        ("2025-03-01", "2025-02-28", -1),
    ])
    func completedYears(_ birth: String, _ on: String, _ years: Int) {
        #expect(Self.day(birth).completedYears(on: Self.day(on)) == years)
    }

    // MARK: Working days

    @Test(arguments: [
        // (from, to, working days in (from, to])
        ("2025-01-06", "2025-01-06", 0),  // the day itself is day 0
        ("2025-01-06", "2025-01-07", 1),  // Monday → Tuesday
        ("2025-01-06", "2025-01-10", 4),  // Monday → Friday
        ("2025-01-03", "2025-01-06", 1),  // Friday → Monday: the weekend does not count
        ("2025-01-03", "2025-01-04", 0),  // Friday → Saturday
        ("2025-01-03", "2025-01-05", 0),  // Friday → Sunday
        ("2025-01-04", "2025-01-05", 0),  // Saturday → Sunday
        ("2025-01-04", "2025-01-06", 1),  // Saturday → Monday: a death on a weekend still counts from day 0
        ("2025-01-06", "2025-01-13", 5),  // one week
        ("2025-01-06", "2025-02-03", 20),  // four weeks
        ("1969-12-26", "1970-01-05", 6),  // across the epoch (negative ordinals)
        ("2024-12-27", "2025-01-03", 5),  // across a year end, no days off
    ])
    func workingDaysWithoutDaysOff(_ from: String, _ to: String, _ count: Int) {
        let calendar = Self.calendar([])
        #expect(calendar.workingDays(from: Self.day(from), to: Self.day(to)) == count)
        #expect(calendar.workingDays(from: Self.day(to), to: Self.day(from)) == -count, "reversed order is negative")
    }

    @Test func aHolidayOnAWeekdayDoesNotCount() {
        let calendar = Self.calendar(["2025-01-08"])  // a Wednesday
        #expect(calendar.workingDays(from: Self.day("2025-01-07"), to: Self.day("2025-01-09")) == 1)
        #expect(calendar.workingDays(from: Self.day("2025-01-07"), to: Self.day("2025-01-08")) == 0)
        #expect(calendar.workingDays(from: Self.day("2025-01-08"), to: Self.day("2025-01-09")) == 1, "death on a holiday: day 0 all the same")
        #expect(calendar.workingDays(from: Self.day("2025-01-06"), to: Self.day("2025-01-10")) == 3)
        #expect(!calendar.isWorkingDay(Self.day("2025-01-08")))
        #expect(calendar.isWorkingDay(Self.day("2025-01-09")))
    }

    @Test func aHolidayOnASundayChangesNothing() {
        let withSunday = Self.calendar(["2025-06-01"])  // Hari Lahir Pancasila 2025, a Sunday
        let plain = Self.calendar([])
        for (from, to) in [("2025-05-30", "2025-06-02"), ("2025-05-26", "2025-06-06"), ("2025-06-01", "2025-06-02")] {
            #expect(withSunday.workingDays(from: Self.day(from), to: Self.day(to)) == plain.workingDays(from: Self.day(from), to: Self.day(to)))
        }
        #expect(withSunday.workingDays(from: Self.day("2025-05-30"), to: Self.day("2025-06-02")) == 1)
        #expect(!withSunday.isWorkingDay(Self.day("2025-06-01")))
    }

    @Test func aDayOffListedTwiceCountsOnce() {
        let calendar = Self.calendar(["2025-01-08", "2025-01-08"])
        #expect(calendar.workingDays(from: Self.day("2025-01-06"), to: Self.day("2025-01-10")) == 3)
    }

    /// The week arithmetic agrees with counting day by day, for spans around weekends, days off,
    /// the epoch and a year end.
    @Test func workingDaysAgreeWithCountingDayByDay() {
        let calendar = Self.calendar(["1969-12-31", "1970-01-01", "2024-12-25", "2024-12-26", "2025-01-01", "2025-01-04"])
        let starts = ["1969-12-20", "1969-12-31", "1970-01-03", "2024-12-20", "2024-12-25", "2024-12-28"].map { Self.day($0) }
        for start in starts {
            for length in 0..<30 {
                let end = start.adding(days: length)
                var expected = 0
                var d = start
                while d < end {
                    d = d.adding(days: 1)
                    if d.weekday < 5 && !calendar.daysOff.contains(where: { $0.day == d }) { expected += 1 }
                }
                #expect(calendar.workingDays(from: start, to: end) == expected, "\(start) → \(end)")
                #expect(calendar.workingDays(from: end, to: start) == -expected)
            }
        }
    }

    @Test func addingWorkingDays() {
        let calendar = Self.calendar(["2025-01-08"])
        #expect(calendar.adding(workingDays: 0, to: Self.day("2025-01-03")) == Self.day("2025-01-03"))
        #expect(calendar.adding(workingDays: 1, to: Self.day("2025-01-03")) == Self.day("2025-01-06"))
        #expect(calendar.adding(workingDays: 2, to: Self.day("2025-01-06")) == Self.day("2025-01-09"))
    }

    // MARK: The 2025 calendar: the 40-working-day deadline of the santunan kematian

    @Test func realCalendarLoads() throws {
        let calendar = try #require(Self.indonesia2025, "policies/calendars/indonesia-2025.yaml should load without diagnostics")
        #expect(calendar.name == "indonesia-2025")
        #expect(calendar.daysOff.count == 28)
        #expect(calendar.daysOff.filter { $0.kind == "cuti_bersama" }.count == 11)
        // The days off that fall on a weekend: 29 March (Saturday), 20 April, 1 June, 17 August (Sundays).
        #expect(calendar.daysOff.filter { $0.day.weekday >= 5 }.map(\.day.iso) == ["2025-03-29", "2025-04-20", "2025-06-01", "2025-08-17"])
    }

    @Test(arguments: [
        // Death on Friday 10 January, application on Friday 14 March: 45 weekdays, less the
        // Isra Mikraj / Imlek days off of 27–29 January.
        ("2025-01-10", "2025-03-14", 42),
        // Death on Thursday 30 January: the 40th working day is Thursday 27 March. Nyepi
        // (28–29 March), Idulfitri (31 March – 1 April) and its cuti bersama (2–4 and 7 April)
        // keep the count at 40 until Monday 7 April; Tuesday 8 April is the 41st.
        ("2025-01-30", "2025-03-26", 39),
        ("2025-01-30", "2025-03-27", 40),
        ("2025-01-30", "2025-03-28", 40),
        ("2025-01-30", "2025-03-31", 40),
        ("2025-01-30", "2025-04-04", 40),
        ("2025-01-30", "2025-04-07", 40),
        ("2025-01-30", "2025-04-08", 41),
        // Death on Friday 31 January: the 40th working day falls on Tuesday 8 April, the 41st on the 9th.
        ("2025-01-31", "2025-03-27", 39),
        ("2025-01-31", "2025-04-07", 39),
        ("2025-01-31", "2025-04-08", 40),
        ("2025-01-31", "2025-04-09", 41),
        // Death on the Saturday of Nyepi: nothing counts until Tuesday 8 April.
        ("2025-03-29", "2025-04-07", 0),
        ("2025-03-29", "2025-04-08", 1),
        // Good Friday (18 April) counts as a day off; Easter Sunday (20 April) changes nothing.
        ("2025-04-17", "2025-04-21", 1),
        // The whole year: 261 weekdays in 2025, less 24 days off on weekdays.
        ("2024-12-31", "2025-12-31", 237),
    ])
    func idulfitri2025(_ death: String, _ application: String, _ count: Int) throws {
        let calendar = try #require(Self.indonesia2025)
        #expect(calendar.workingDays(from: Self.day(death), to: Self.day(application)) == count)
        #expect(calendar.workingDays(from: Self.day(application), to: Self.day(death)) == -count)
    }

    @Test func lastDayToFileWithinFortyWorkingDays() throws {
        let calendar = try #require(Self.indonesia2025)
        #expect(calendar.adding(workingDays: 40, to: Self.day("2025-01-30")) == Self.day("2025-03-27"))
        #expect(calendar.adding(workingDays: 41, to: Self.day("2025-01-30")) == Self.day("2025-04-08"))
        #expect(calendar.adding(workingDays: 40, to: Self.day("2025-01-31")) == Self.day("2025-04-08"))
        #expect(calendar.adding(workingDays: 40, to: Self.day("2025-01-10")) == Self.day("2025-03-12"))
    }

    // MARK: Rational

    @Test(arguments: [
        // (numerator, denominator, round, floor, ceil)
        (5, 2, 3, 2, 3),
        (-5, 2, -3, -3, -2),
        (7, 3, 2, 2, 3),
        (-7, 3, -2, -3, -2),
        (8, 3, 3, 2, 3),
        (-8, 3, -3, -3, -2),
        (1, 2, 1, 0, 1),
        (-1, 2, -1, -1, 0),
        (1, 3, 0, 0, 1),
        (4, 1, 4, 4, 4),
        (-4, 1, -4, -4, -4),
        (0, 5, 0, 0, 0),
        (8400, 1, 8400, 8400, 8400),
    ] as [(Int64, Int64, Int64, Int64, Int64)])
    func rationalRounding(_ n: Int64, _ d: Int64, _ round: Int64, _ floor: Int64, _ ceil: Int64) throws {
        let r = try #require(Rational(n, d))
        #expect(r.rounded(.halfAwayFromZero) == round)
        #expect(r.rounded(.down) == floor)
        #expect(r.rounded(.up) == ceil)
    }

    @Test(arguments: [
        // (value, step, round, floor, ceil)
        (12_345, 100, 12_300, 12_300, 12_400),
        (12_350, 100, 12_400, 12_300, 12_400),
        (-12_350, 100, -12_400, -12_400, -12_300),
        (12_300, 100, 12_300, 12_300, 12_300),
        (16_800, 1_000, 17_000, 16_000, 17_000),
        (499, 1_000, 0, 0, 1_000),
    ] as [(Int64, Int64, Int64, Int64, Int64)])
    func rationalRoundingToAMultiple(_ value: Int64, _ step: Int64, _ round: Int64, _ floor: Int64, _ ceil: Int64) {
        let r = Rational(value)
        #expect(r.rounded(.halfAwayFromZero, step: step) == round)
        #expect(r.rounded(.down, step: step) == floor)
        #expect(r.rounded(.up, step: step) == ceil)
    }

    @Test func rationalRoundingOfAFractionToAMultiple() throws {
        // Rp16.800 × 0.5 = 8.400; × 1/3 = 5.600; 16.801 / 2 = 8.400,5
        let half = try #require(Rational(16_801, 2))
        #expect(half.rounded(.halfAwayFromZero) == 8_401)
        #expect(half.rounded(.halfAwayFromZero, step: 100) == 8_400)
        #expect(half.rounded(.up, step: 100) == 8_500)
        #expect(Rational(1).rounded(.halfAwayFromZero, step: 0) == nil)
        #expect(Rational(1).rounded(.halfAwayFromZero, step: -100) == nil)
    }

    @Test func rationalRoundingAtTheLimits() throws {
        #expect(try #require(Rational(.max, 2)).rounded(.halfAwayFromZero) == 4_611_686_018_427_387_904)
        #expect(try #require(Rational(.max, 1)).rounded(.up) == .max)
        #expect(Rational(.max).rounded(.halfAwayFromZero, step: 10) == nil, "rounds up beyond Int64.max")
        #expect(try #require(Rational(.max, 3)).rounded(.halfAwayFromZero, step: .max) == nil, "denominator × step overflows")
    }

    @Test func rationalArithmetic() throws {
        let third = try #require(Rational(1, 3))
        let half = try #require(Rational(1, 2))
        #expect(third.adding(half) == Rational(5, 6))
        #expect(third.subtracting(half) == Rational(-1, 6))
        #expect(third.multiplied(by: half) == Rational(1, 6))
        #expect(third.divided(by: half) == Rational(2, 3))
        #expect(third.divided(by: Rational(0)) == nil)
        #expect(Rational(1, 0) == nil)
        #expect(Rational(6, -4) == Rational(-3, 2))
        #expect(Rational(6, -4)?.denominator == 2)
        #expect(Rational(.max).adding(Rational(1)) == nil)
        #expect(Rational(.min).subtracting(Rational(1)) == nil)
        #expect(third < half)
        #expect(try #require(Rational(-1, 2)) < third)
    }

    @Test(arguments: [
        ("0.01", 1, 100, "0.01"),
        ("0.1", 1, 10, "0.1"),
        ("1.01", 101, 100, "1.01"),
        ("-0.03", -3, 100, "-0.03"),
        ("12.30", 123, 10, "12.3"),
        ("7", 7, 1, "7"),
        ("0.000", 0, 1, "0"),
    ] as [(String, Int64, Int64, String)])
    func rationalDecimalText(_ text: String, _ n: Int64, _ d: Int64, _ rendered: String) throws {
        let r = try #require(Rational(decimal: text))
        #expect(r.numerator == n)
        #expect(r.denominator == d)
        #expect(r.decimalText == rendered)
    }

    @Test(arguments: ["", ".5", "1.", "1.2.3", "abc", "1,5", "٣", "99999999999999999999"])
    func notADecimal(_ text: String) {
        #expect(Rational(decimal: text) == nil)
    }

    @Test func decimalTextOfOtherFractions() throws {
        #expect(try #require(Rational(1, 3)).decimalText == "1/3")
        #expect(try #require(Rational(2, 3)).decimalText == "2/3")
        #expect(try #require(Rational(-7, 6)).decimalText == "-7/6")
        #expect(try #require(Rational(1, 30)).decimalText == "1/30")
    }

    /// Whole numbers, powers of ten, and the largest magnitudes (a scaled numerator that would
    /// overflow falls back to `n/d`).
    @Test func decimalTextEdgeCases() throws {
        #expect(Rational(5).decimalText == "5")
        #expect(Rational(-5).decimalText == "-5")
        #expect(Rational(0).decimalText == "0")
        #expect(try #require(Rational(1, 100)).decimalText == "0.01")
        #expect(try #require(Rational(3, 8)).decimalText == "0.375")
        #expect(try #require(Rational(1, 1_048_576)).decimalText == "0.00000095367431640625")
        #expect(try #require(Rational(Int64.max, 2)).decimalText == "\(Int64.max)/2")
        #expect(try #require(Rational(Int64.max, 5)).decimalText == "1844674407370955161.4")
        #expect(try #require(Rational(-Int64.max, 5)).decimalText == "-1844674407370955161.4")
        #expect(Rational(Int64.min).decimalText == "\(Int64.min)")
    }

    /// `0.5`, `0.25` and `0.05` reduce to 1/2, 1/4 and 1/20: their denominators are not powers of
    /// ten, but they still have an exact decimal form, which is how a policy writes them (`tarif: 0.5`).
    @Test(arguments: [("0.5", "0.5"), ("0.25", "0.25"), ("0.05", "0.05"), ("-0.125", "-0.125"), ("-1.5", "-1.5"), ("12.50", "12.5"), ("0.2", "0.2")])
    func decimalTextOfFractionsWithADecimalForm(_ text: String, _ rendered: String) throws {
        let r = try #require(Rational(decimal: text))
        #expect(r.decimalText == rendered)
    }

    // MARK: Rupiah

    @Test(arguments: [
        (0, "Rp0"),
        (999, "Rp999"),
        (1_000, "Rp1.000"),
        (6_800, "Rp6.800"),
        (16_800, "Rp16.800"),
        (168_000, "Rp168.000"),
        (3_000_000, "Rp3.000.000"),
        (294_000_000, "Rp294.000.000"),
        (999_936_000, "Rp999.936.000"),
        (-5_000, "-Rp5.000"),
        (-1, "-Rp1"),
        (Int64.max, "Rp9.223.372.036.854.775.807"),
        (Int64.min, "-Rp9.223.372.036.854.775.808"),
    ] as [(Int64, String)])
    func rupiahFormat(_ amount: Int64, _ text: String) {
        #expect(Rupiah.format(amount) == text)
    }

    @Test func rupiahCountsAndGroups() {
        #expect(Rupiah.count(6_120) == "6.120")
        #expect(Rupiah.count(5_952) == "5.952")
        #expect(Rupiah.count(98) == "98")
        #expect(Rupiah.count(-1_234) == "-1.234")
        #expect(Rupiah.grouped(1_234_567, separator: ",") == "1,234,567")
        #expect(Rupiah.grouped(100_000) == "100.000")
    }
}
