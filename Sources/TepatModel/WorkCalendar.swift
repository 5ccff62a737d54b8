/// Working days: Monday to Friday minus the days off a calendar file lists (national holidays
/// and *cuti bersama*). Counting is arithmetic over whole weeks plus a binary search in the
/// sorted days off, so it costs the same for a week or a decade.
public struct WorkCalendar: Sendable, Hashable {
    public struct DayOff: Sendable, Hashable {
        public var day: Day
        public var name: String
        /// `libur_nasional` or `cuti_bersama`.
        public var kind: String

        public init(day: Day, name: String, kind: String) {
            self.day = day
            self.name = name
            self.kind = kind
        }
    }

    public var name: String
    public var path: String
    public var daysOff: [DayOff]
    /// Sorted ordinals of the days off that fall on a weekday (a holiday on a Sunday changes nothing).
    private let weekdayOff: [Int]

    public init(name: String, path: String, daysOff: [DayOff]) {
        self.name = name
        self.path = path
        self.daysOff = daysOff.sorted { $0.day < $1.day }
        self.weekdayOff = Array(Set(daysOff.map(\.day).filter { $0.weekday < 5 }.map(\.ordinal))).sorted()
    }

    public func isWorkingDay(_ day: Day) -> Bool {
        day.weekday < 5 && !binaryContains(day.ordinal)
    }

    /// Working days in `(from, to]`: the day of `from` is day 0. Negative when `to` is before `from`.
    public func workingDays(from: Day, to: Day) -> Int {
        if to < from { return -workingDays(from: to, to: from) }
        return weekdays(upTo: to.ordinal) - weekdays(upTo: from.ordinal)
            - (countOff(through: to.ordinal) - countOff(through: from.ordinal))
    }

    /// The date that is `count` working days after `from` (day 0), for "would qualify if filed by …".
    public func adding(workingDays count: Int, to from: Day) -> Day {
        var day = from
        var left = count
        while left > 0 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { left -= 1 }
        }
        return day
    }

    /// Weekdays (Mon–Fri) in days `[epochBase, ordinal]` relative to a fixed Monday; differences are what matter.
    private func weekdays(upTo ordinal: Int) -> Int {
        // 1969-12-29 (ordinal -3) was a Monday; shift so that week boundaries fall on Mondays.
        let shifted = ordinal + 3
        let weeks = shifted >= 0 ? shifted / 7 : (shifted - 6) / 7
        let rest = shifted - weeks * 7  // 0 = Monday … 6 = Sunday
        return weeks * 5 + min(rest + 1, 5)
    }

    private func countOff(through ordinal: Int) -> Int {
        var low = 0, high = weekdayOff.count
        while low < high {
            let mid = (low + high) / 2
            if weekdayOff[mid] <= ordinal { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func binaryContains(_ ordinal: Int) -> Bool {
        let n = countOff(through: ordinal)
        return n > 0 && weekdayOff[n - 1] == ordinal
    }

    public static func == (lhs: WorkCalendar, rhs: WorkCalendar) -> Bool { lhs.name == rhs.name && lhs.daysOff == rhs.daysOff }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
