import Foundation
import TepatModel

/// The deterministic synthetic population of Kota Tangerang (DESIGN.md "Population data
/// contract", domain brief §8): `households.csv`, `members.csv` and `santunan_applications.csv`.
///
/// Households are generated and written one at a time through buffered writers; only the
/// santunan applications (a few per thousand households) are kept until the end, because their
/// file is sorted by submission date. All three files are written under temporary names and
/// renamed into place when complete. See `docs/generator.md` for the distributions.
public enum PopulationGenerator {
    public static let householdsFile = "households.csv"
    public static let membersFile = "members.csv"
    public static let applicationsFile = "santunan_applications.csv"

    /// Writes the population into `folder` (created if missing), replacing the three files.
    /// - Parameter calendar: working days for the santunan filing delays (national holidays and
    ///   cuti bersama); Monday–Friday when nil.
    public static func generate(_ options: GeneratorOptions, to folder: String, calendar: WorkCalendar?) throws
        -> GeneratorReport
    {
        guard options.households >= 0 else {
            throw GeneratorError.invalidOptions("households must not be negative (got \(options.households))")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw GeneratorError.io(path: folder, operation: "create the folder", message: "\(error.localizedDescription)")
        }

        let frame = Timeframe(asOf: options.asOf)
        var households = try CSVSink(folder: folder, name: householdsFile, header: CSVSink.householdsHeader)
        var members = try CSVSink(folder: folder, name: membersFile, header: CSVSink.membersHeader)
        var applicationRows = try CSVSink(folder: folder, name: applicationsFile, header: CSVSink.applicationsHeader)

        var ids = IdentityNumbers()
        var builder = HouseholdBuilder(frame: frame)
        var applications = SantunanApplications(
            frame: frame, calendar: calendar ?? WorkCalendar(name: "senin-jumat", path: "", daysOff: []))
        var faults: FaultInjector? = options.dirty ? FaultInjector(seed: options.seed) : nil

        for index in 0..<options.households {
            var random = GeneratorRandom(seed: options.seed, stream: UInt64(index))
            let household = try builder.build(&random, ids: &ids)
            try households.household(household, period: frame.dataPeriod, faults: &faults)
            for member in builder.members {
                try members.member(member, of: household, faults: &faults)
            }
            try applications.consider(household, members: builder.members, &random, ids: &ids)
        }
        for (application, year, number) in applications.numbered() {
            try applicationRows.application(application, year: year, number: number, faults: &faults)
        }

        try households.commit()
        try members.commit()
        try applicationRows.commit()
        return GeneratorReport(
            households: households.rows, members: members.rows, applications: applicationRows.rows,
            dirtyRows: faults?.faultyRows ?? 0)
    }
}
