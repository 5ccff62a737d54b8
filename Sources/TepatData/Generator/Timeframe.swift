import TepatModel

/// The dates the generator works from, all derived from the reference date `asOf` so that a
/// population for another snapshot stays internally consistent. For the default `2025-03-01`:
/// data period `2025-02`, deaths 2024-06-01…2025-04-30, applications kept when submitted
/// 2024-10-01…2025-06-30 (santunan tahap I 2025 and the months around it).
struct Timeframe: Sendable {
    let asOf: Day
    /// The DTKS snapshot: the month before the reference date.
    let dataPeriod: Month
    let deathsFrom: Day
    let deathsThrough: Day
    let applicationsFrom: Day
    let applicationsThrough: Day
    /// The earliest and latest date a family card (KK) may carry as its issue date.
    let oldestCardIssue: Day
    let newestCardIssue: Day

    init(asOf: Day) {
        self.asOf = asOf
        let previous = Timeframe.adding(months: -1, to: asOf).civil
        dataPeriod = Month(ordinal: previous.year * 12 + previous.month - 1)
        deathsFrom = Timeframe.adding(months: -9, to: asOf)
        deathsThrough = Timeframe.adding(months: 2, to: asOf).adding(days: -1)
        applicationsFrom = Timeframe.adding(months: -5, to: asOf)
        applicationsThrough = Timeframe.adding(months: 4, to: asOf).adding(days: -1)
        oldestCardIssue = Timeframe.adding(years: -25, to: asOf)
        newestCardIssue = Timeframe.adding(months: -1, to: asOf)
    }

    /// The same calendar day `months` later (earlier when negative), clamped to the month's last
    /// day (31 March − 1 month = 28 or 29 February).
    static func adding(months: Int, to day: Day) -> Day {
        let c = day.civil
        let index = c.year * 12 + (c.month - 1) + months
        let year = index / 12, month = index % 12 + 1
        let dayOfMonth = min(c.day, Day.daysIn(month: month, year: year))
        return Day(year: year, month: month, day: dayOfMonth) ?? day
    }

    static func adding(years: Int, to day: Day) -> Day { adding(months: 12 * years, to: day) }

    /// A birth date uniformly drawn among those that make the person exactly `age` completed years
    /// old on `asOf`: born after `asOf − (age + 1)` years, on or before `asOf − age` years.
    func birthDate(age: Int, _ random: inout GeneratorRandom) -> Day {
        let latest = Timeframe.adding(years: -age, to: asOf).ordinal
        let earliest = Timeframe.adding(years: -(age + 1), to: asOf).ordinal + 1
        return Day(ordinal: random.between(earliest, latest))
    }
}
