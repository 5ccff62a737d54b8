import TepatModel

/// The faults of real registry exports that `dirty: true` injects (DESIGN.md, "Real exports are
/// dirty"), so that readers, the linker and the `invalid` path have something to catch.
///
/// Each data row of each file independently gets a fault with probability 0.5 %
/// (`ratePerMillion`); the kind is then drawn uniformly among the kinds that apply to that file:
///
/// | file | faults |
/// |---|---|
/// | households.csv | `desil` = `11`; `desil` = `x`; impossible `dtks_period` (`2025-13`); short row (3–5 of 6 fields); stray quote in `kelurahan` (`Poris" Gaga`, `"Poris" Gaga`); the row written twice (duplicate household) |
/// | members.csv | impossible `birth_date` (`1987-02-30`, `-04-31`, month 13, month 00, day 32, 29 Feb of a common year); impossible `death_date` (dead members only, else the birth date); unknown `occupation` (`supir`, `PNS`, `Buruh Harian Lepas`, …); duplicate NIK (an earlier member's `person_id` reused); `household_id` of a household not in households.csv (district 36.71.14, which does not exist); short row (8–11 of 12 fields); stray quote in `name` |
/// | santunan_applications.csv | impossible `submitted_on`; unknown `applicant_relationship` (`keponakan`, `tetangga`); short row (3–5 of 6 fields); stray quote in `application_id` |
///
/// Stray quotes never open a field that runs past the end of the line, so a damaged row damages
/// only itself. Faults come from their own random streams (one per file), so the population
/// underneath is the same as in clean mode: a dirty file differs from the clean one only in the
/// faulty rows.
struct FaultInjector {
    static let ratePerMillion = 5_000

    enum HouseholdFault: CaseIterable {
        case desilEleven, desilNotNumber, impossiblePeriod, shortRow, strayQuote, duplicateRow
    }

    enum MemberFault: CaseIterable {
        case impossibleBirthDate, impossibleDeathDate, unknownOccupation, duplicateNIK, missingHousehold, shortRow
        case strayQuote
    }

    enum ApplicationFault: CaseIterable {
        case impossibleDate, unknownRelationship, shortRow, strayQuote
    }

    static let unknownOccupations: [StaticString] = [
        "supir", "ojol", "PNS", "Buruh Harian Lepas", "petani", "satpam", "-", "lain-lain",
    ]
    static let unknownRelationships: [StaticString] = ["keponakan", "tetangga", "cucu"]

    private var households: GeneratorRandom
    private var members: GeneratorRandom
    private var applications: GeneratorRandom
    /// Recently written NIKs, for "duplicate NIK" faults.
    private var recentNIKs: [UInt64] = []
    private var recentNext = 0
    private(set) var faultyRows = 0

    init(seed: UInt64) {
        let faultSeed = seed ^ 0xD1A7_F00D_5EED_0000
        households = GeneratorRandom(seed: faultSeed, stream: 1)
        members = GeneratorRandom(seed: faultSeed, stream: 2)
        applications = GeneratorRandom(seed: faultSeed, stream: 3)
        recentNIKs.reserveCapacity(1024)
    }

    mutating func householdFault() -> HouseholdFault? {
        guard households.chance(perMillion: FaultInjector.ratePerMillion) else { return nil }
        faultyRows += 1
        return HouseholdFault.allCases[households.below(HouseholdFault.allCases.count)]
    }

    mutating func memberFault(for member: GeneratedMember) -> MemberFault? {
        defer { remember(member.nik) }
        guard members.chance(perMillion: FaultInjector.ratePerMillion) else { return nil }
        var fault = MemberFault.allCases[members.below(MemberFault.allCases.count)]
        if fault == .impossibleDeathDate, member.death == nil { fault = .impossibleBirthDate }
        if fault == .duplicateNIK, recentNIKs.isEmpty { fault = .unknownOccupation }
        faultyRows += 1
        return fault
    }

    mutating func applicationFault() -> ApplicationFault? {
        guard applications.chance(perMillion: FaultInjector.ratePerMillion) else { return nil }
        faultyRows += 1
        return ApplicationFault.allCases[applications.below(ApplicationFault.allCases.count)]
    }

    private mutating func remember(_ nik: UInt64) {
        if recentNIKs.count < 1024 {
            recentNIKs.append(nik)
        } else {
            recentNIKs[recentNext] = nik
            recentNext = (recentNext + 1) % 1024
        }
    }

    // MARK: fault values (drawn from the stream of the file being written)

    mutating func earlierNIK() -> UInt64 { recentNIKs[members.below(recentNIKs.count)] }

    mutating func missingFamilyCard() -> UInt64 {
        let head = UInt64(IdentityNumbers.missingHouseholdPrefix) * 1_000_000
            + UInt64(members.between(1, 28) * 10_000 + members.between(1, 12) * 100 + members.between(0, 24))
        return head * 10_000 + UInt64(members.between(1, 9_999))
    }

    mutating func unknownOccupation() -> StaticString {
        FaultInjector.unknownOccupations[members.below(FaultInjector.unknownOccupations.count)]
    }

    mutating func unknownRelationship() -> StaticString {
        FaultInjector.unknownRelationships[applications.below(FaultInjector.unknownRelationships.count)]
    }

    enum File { case households, members, applications }

    /// How many fields a short row keeps, out of `fields`.
    mutating func shortRowFields(_ file: File, of fields: Int) -> Int {
        fields - 1 - drawBelow(file, 3)
    }

    /// Which form a stray quote takes: 0 = a bare quote inside the field, 1 = text after a
    /// closing quote.
    mutating func strayQuoteForm(_ file: File) -> Int { drawBelow(file, 2) }

    /// A date that cannot exist, in the year of `day`: `2025-02-30` and its relatives.
    mutating func impossibleDate(near day: Day, _ file: File) -> (year: Int, month: Int, day: Int) {
        let c = day.civil
        switch drawBelow(file, 6) {
        case 0: return (c.year, 2, 30)
        case 1: return (c.year, [4, 6, 9, 11][drawBelow(file, 4)], 31)
        case 2: return (c.year, 13, c.day)
        case 3: return (c.year, 0, c.day)
        case 4: return (c.year, c.month, 32)
        default: return Day.isLeap(c.year) ? (c.year, 2, 31) : (c.year, 2, 29)
        }
    }

    private mutating func drawBelow(_ file: File, _ bound: Int) -> Int {
        switch file {
        case .households: households.below(bound)
        case .members: members.below(bound)
        case .applications: applications.below(bound)
        }
    }
}
