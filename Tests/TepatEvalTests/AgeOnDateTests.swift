import Testing
@testable import TepatEval
import TepatModel

/// `age_on` against a constant date is compiled to a table of birthdays (`AgeOnDate`); it must
/// agree with `Day.completedYears` everywhere, 29 February and the ends of the calendar included.
@Suite struct AgeOnDateTests {
    static let referenceDates: [Day] = [
        Day(year: 2025, month: 3, day: 15)!, Day(year: 2024, month: 2, day: 29)!, Day(year: 2025, month: 2, day: 28)!,
        Day(year: 2025, month: 3, day: 1)!, Day(year: 2025, month: 1, day: 1)!, Day(year: 2025, month: 12, day: 31)!,
        Day(year: 2000, month: 2, day: 29)!, Day(year: 1, month: 1, day: 1)!, Day(year: 9999, month: 12, day: 31)!,
    ]

    @Test(arguments: referenceDates)
    func agreesWithCompletedYears(on day: Day) {
        let table = AgeOnDate(day)
        var births: [Int] = [Day(year: 1, month: 1, day: 1)!.ordinal, Day(year: 9999, month: 12, day: 31)!.ordinal]
        // Every day around the birthdays of the ages people have, and some far off.
        for years in [0, 1, 3, 4, 17, 18, 59, 60, 99, 100, 101, 400, -1, -5] {
            let year = day.civil.year - years
            guard year >= 1, year <= 9999 else { continue }
            let around = Day(year: year, month: 3, day: 1)!.ordinal
            births += (around - 400)...(around + 400)
        }
        births += stride(from: births[0], through: births[1], by: 997)
        for born in births where born >= births[0] && born <= births[1] {
            let expected = Day.completedYears(born: Day(ordinal: born).civil, on: day.civil)
            #expect(table.years(born: born) == expected, "born \(Day(ordinal: born)), on \(day)")
        }
    }

    @Test func datesOutsideTheCalendarAreLeftToTheSlowPath() {
        let table = AgeOnDate(Day(year: 2025, month: 3, day: 15)!)
        #expect(table.years(born: Day(year: 1, month: 1, day: 1)!.ordinal - 1) == nil)
        #expect(table.years(born: Day(year: 9999, month: 12, day: 31)!.ordinal + 1) == nil)
    }
}
