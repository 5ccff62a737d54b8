import TepatModel

/// The heir's relationship to the deceased, as written on the heir statement (§9.2 rule 6).
enum HeirRelationship: Sendable {
    case pasangan, anak, orangTua, saudara

    var code: StaticString {
        switch self {
        case .pasangan: "pasangan"
        case .anak: "anak"
        case .orangTua: "orang_tua"
        case .saudara: "saudara"
        }
    }

    /// Heir order: spouse, child, parent, sibling.
    var rank: Int {
        switch self {
        case .pasangan: 0
        case .anak: 1
        case .orangTua: 2
        case .saudara: 3
        }
    }

    /// What `applicant` is to `deceased` given their places on the family card, or nil when the
    /// pair is not an heir relation of the four (a grandchild, an in-law).
    static func of(applicant: FamilyRole, deceased: FamilyRole) -> HeirRelationship? {
        switch (deceased, applicant) {
        case (.head, .spouse), (.spouse, .head), (.parent, .parent): .pasangan
        case (.head, .child), (.spouse, .child), (.parent, .head): .anak
        case (.head, .parent), (.child, .head), (.child, .spouse): .orangTua
        case (.head, .other), (.child, .child), (.other, .head): .saudara
        default: nil
        }
    }
}

/// A death-grant application waiting to be written (the file is sorted, so it is written last).
struct PendingApplication {
    var deceased: UInt64
    var applicant: UInt64
    var relationship: HeirRelationship
    var submitted: Day
    var documentsComplete: Bool
    /// Generation order: the tie-breaker that makes the sort total.
    var order: Int
}

/// Santunan kematian applications (§5, §9.2), decided while each household is generated so that
/// only the applications, never the members, are kept until the end.
///
/// - 85 % of the deceased of desil 1–5 households get an application, 10 % of the others (families
///   outside DTKS or above desil 5 apply too, and are turned down), when an heir is in the household:
///   a living member aged 17+ who is the deceased's spouse, child, parent or sibling (70 % the first
///   in heir order, otherwise any of them).
/// - Filed a number of working days after the death (day 0) drawn from a piecewise-linear
///   distribution: median 12, 85 % within 40, 97 % within 75, none beyond 120 (§8). Working days
///   come from the calendar passed in, or Monday–Friday without one.
/// - `documents_complete` is true for 85 %.
/// - 3 % get a second application from another heir (or the same one again when there is no other),
///   5–60 working days later: the "two heirs applying" case.
/// - 1 % name an applicant NIK that is in no household (an heir registered elsewhere).
/// - Only applications submitted inside the filing window are written (2024-10-01…2025-06-30 for
///   the default reference date), sorted by date, and numbered per year in that order:
///   `SKM-2025-000001`.
struct SantunanApplications {
    let frame: Timeframe
    let calendar: WorkCalendar
    private(set) var pending: [PendingApplication] = []
    private var heirs: [(member: Int, relationship: HeirRelationship)] = []

    static let applyingPerMilleInDesil1to5 = 850
    static let applyingPerMilleOtherwise = 100
    static let firstInHeirOrderPerMille = 700
    static let completePerMille = 850
    static let secondHeirPerMille = 30
    static let outsiderApplicantPerMille = 10
    /// (cumulative per million, working days): the filing-delay quantiles, interpolated linearly.
    static let delayQuantiles: [(at: Int, days: Int)] = [
        (0, 1), (500_000, 12), (850_000, 40), (970_000, 75), (1_000_000, 120),
    ]

    init(frame: Timeframe, calendar: WorkCalendar) {
        self.frame = frame
        self.calendar = calendar
    }

    mutating func consider(
        _ household: GeneratedHousehold, members: [GeneratedMember], _ random: inout GeneratorRandom,
        ids: inout IdentityNumbers
    ) throws(GeneratorError) {
        for deceasedIndex in members.indices {
            guard let death = members[deceasedIndex].death else { continue }
            let inScope = (1...5).contains(household.desil)
            let share = inScope ? SantunanApplications.applyingPerMilleInDesil1to5 : SantunanApplications.applyingPerMilleOtherwise
            guard random.below(1000) < share else { continue }
            collectHeirs(of: deceasedIndex, in: members)
            guard !heirs.isEmpty else { continue }

            let firstChoice = random.below(1000) < SantunanApplications.firstInHeirOrderPerMille
            let first = firstChoice ? bestHeir() : random.below(heirs.count)
            let delay = SantunanApplications.filingDelay(&random)
            let submitted = calendar.adding(workingDays: delay, to: death)
            try add(deceased: members[deceasedIndex].nik, heir: heirs[first], members: members, submitted: submitted, &random, ids: &ids)

            if random.below(1000) < SantunanApplications.secondHeirPerMille {
                var second = first
                if heirs.count > 1 {
                    second = random.below(heirs.count - 1)
                    if second >= first { second += 1 }
                }
                let later = calendar.adding(workingDays: random.between(5, 60), to: submitted)
                try add(deceased: members[deceasedIndex].nik, heir: heirs[second], members: members, submitted: later, &random, ids: &ids)
            }
        }
    }

    private mutating func add(
        deceased: UInt64, heir: (member: Int, relationship: HeirRelationship), members: [GeneratedMember],
        submitted: Day, _ random: inout GeneratorRandom, ids: inout IdentityNumbers
    ) throws(GeneratorError) {
        var applicant = members[heir.member].nik
        if random.below(1000) < SantunanApplications.outsiderApplicantPerMille {
            let male = random.below(2) == 0
            let birth = frame.birthDate(age: random.between(20, 70), &random)
            applicant = try ids.nik(prefix: IdentityNumbers.outsiderPrefix, birth: birth, male: male)
        }
        pending.append(
            PendingApplication(
                deceased: deceased, applicant: applicant, relationship: heir.relationship, submitted: submitted,
                documentsComplete: random.below(1000) < SantunanApplications.completePerMille, order: pending.count))
    }

    private mutating func collectHeirs(of deceasedIndex: Int, in members: [GeneratedMember]) {
        heirs.removeAll(keepingCapacity: true)
        let deceased = members[deceasedIndex]
        for i in members.indices where i != deceasedIndex {
            let candidate = members[i]
            guard candidate.death == nil, candidate.age >= 17,
                let relationship = HeirRelationship.of(applicant: candidate.role, deceased: deceased.role)
            else { continue }
            heirs.append((i, relationship))
        }
    }

    /// The first heir in heir order (among equals, the one listed first on the family card).
    private func bestHeir() -> Int {
        var best = 0
        for i in heirs.indices where heirs[i].relationship.rank < heirs[best].relationship.rank { best = i }
        return best
    }

    static func filingDelay(_ random: inout GeneratorRandom) -> Int {
        let u = random.below(1_000_000)
        var i = 1
        while delayQuantiles[i].at <= u, i < delayQuantiles.count - 1 { i += 1 }
        let (u0, d0) = delayQuantiles[i - 1]
        let (u1, d1) = delayQuantiles[i]
        return d0 + (u - u0) * (d1 - d0) / (u1 - u0)
    }

    /// The applications to write: inside the filing window, by submission date then generation
    /// order, with their per-year numbers.
    func numbered() -> [(application: PendingApplication, year: Int, number: Int)] {
        let kept = pending.filter { $0.submitted >= frame.applicationsFrom && $0.submitted <= frame.applicationsThrough }
            .sorted { ($0.submitted, $0.order) < ($1.submitted, $1.order) }
        var result: [(application: PendingApplication, year: Int, number: Int)] = []
        result.reserveCapacity(kept.count)
        var year = 0, number = 0
        for application in kept {
            let y = application.submitted.civil.year
            if y != year {
                year = y
                number = 0
            }
            number += 1
            result.append((application, year, number))
        }
        return result
    }
}
