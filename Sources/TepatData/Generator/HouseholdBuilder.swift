import TepatModel

/// One family card as generated: where it is, its desil and its number.
struct GeneratedHousehold {
    var familyCard: UInt64
    /// Index into `Geography.tangerang`, or into `Geography.elsewhere` when `outsideCity`.
    var district: Int
    var outsideCity: Bool
    var village: Int
    /// 1–10, or 0 when the household is not in DTKS.
    var desil: Int

    var location: Kecamatan { outsideCity ? Geography.elsewhere[district] : Geography.tangerang[district] }
}

/// One member as generated, before any dirty-mode fault is applied.
struct GeneratedMember {
    var nik: UInt64
    var role: FamilyRole
    var male: Bool
    /// Completed years on the reference date.
    var age: Int
    var birth: Day
    var name: PersonName
    var occupation: Occupation
    var bpjsActive: Bool
    var disabled: Bool
    var death: Day?
    var cause: CauseOfDeath?
}

/// Builds one household at a time into a reused member buffer, so the whole population never
/// sits in memory.
///
/// Composition (§8): a head (82 % men, age 19–89 with the mode in the forties); a spouse for
/// 93 % of male heads and 10 % of female heads; a parent of the head in some larger households;
/// occasionally an "other" relative; children fill the rest, aged between their mother's age
/// − 45 and − 18. DTKS desil is D1–D4 for 85 % of households in the brief's proportions
/// 14/20/28/38, D5 5 %, D6–D10 0.4 % each, and 8 % not in DTKS (empty).
struct HouseholdBuilder {
    let frame: Timeframe
    private(set) var members: [GeneratedMember] = []
    /// Ages and sexes planned before birth dates and identities are drawn.
    private var plan: [(role: FamilyRole, male: Bool, age: Int)] = []
    /// Parents and other relatives, listed after the children as on a family card.
    private var extras: [(role: FamilyRole, male: Bool, age: Int)] = []
    private let deathWindowDays: Int

    /// Desil per 10,000 households, in the order: not in DTKS, D1 … D10.
    static let desil = WeightedChoice([800, 1_190, 1_700, 2_380, 3_230, 500, 40, 40, 40, 40, 40])

    /// Per mille of members whose NIK was first registered outside the city, by role. Children are
    /// mostly born in Tangerang; heads, spouses and parents often came from elsewhere.
    static func migrantPerMille(_ role: FamilyRole, headIsMigrant: Bool) -> Int {
        switch role {
        case .head: 380
        case .spouse: headIsMigrant ? 650 : 250
        case .child: 80
        case .parent: 650
        case .other: 450
        }
    }

    /// Per mille of Tangerang-born members whose NIK was issued in another kecamatan of the city.
    static let otherKecamatanPerMille = 150

    init(frame: Timeframe) {
        self.frame = frame
        deathWindowDays = frame.deathsThrough.ordinal - frame.deathsFrom.ordinal + 1
        members.reserveCapacity(16)
        plan.reserveCapacity(16)
        extras.reserveCapacity(4)
    }

    mutating func build(_ random: inout GeneratorRandom, ids: inout IdentityNumbers) throws(GeneratorError)
        -> GeneratedHousehold
    {
        let outside = random.below(10_000) < Geography.outsideCityPer10k
        let district = outside ? Geography.elsewhereWeights.pick(&random) : Geography.tangerangWeights.pick(&random)
        let location = outside ? Geography.elsewhere[district] : Geography.tangerang[district]
        let village = random.below(location.villages.count)
        let desil = HouseholdBuilder.desil.pick(&random)

        planComposition(&random)
        members.removeAll(keepingCapacity: true)
        var headIsMigrant = false
        for (role, male, plannedAge) in plan {
            let birth = Demography.birthDate(age: plannedAge, frame: frame, &random)
            let age = birth.completedYears(on: frame.asOf)
            let migrant = random.below(1000) < HouseholdBuilder.migrantPerMille(role, headIsMigrant: headIsMigrant)
            if role == .head { headIsMigrant = migrant }
            let prefix: Int
            if migrant {
                prefix = IdentityNumbers.migrantPrefix(&random)
            } else if !outside, random.below(1000) < HouseholdBuilder.otherKecamatanPerMille {
                prefix = Geography.tangerangCityCode * 100 + random.between(1, Geography.tangerang.count)
            } else {
                prefix = location.prefix
            }
            let nik = try ids.nik(prefix: prefix, birth: birth, male: male)
            let name = IndonesianNames.draw(male: male, birthYear: birth.civil.year, &random)
            let occupation = Occupations.draw(age: age, male: male, &random)
            let bpjsActive = random.chance(perMillion: occupation.employment.activeCoveragePerMillion)
            let disabled = random.chance(
                perMillion: age >= 18 ? Demography.disabledAdultsPerMillion : Demography.disabledChildrenPerMillion)
            var death: Day?
            var cause: CauseOfDeath?
            let windowPerMillion = Demography.annualDeathPerMillion(age: age) * deathWindowDays / 365
            if random.chance(perMillion: windowPerMillion) {
                let first = max(frame.deathsFrom.ordinal, birth.ordinal)
                death = Day(ordinal: random.between(first, frame.deathsThrough.ordinal))
                cause = Demography.cause(age: age, working: occupation.employment != .tidakBekerja, &random)
            }
            members.append(
                GeneratedMember(
                    nik: nik, role: role, male: male, age: age, birth: birth, name: name, occupation: occupation,
                    bpjsActive: bpjsActive, disabled: disabled, death: death, cause: cause))
        }

        let head = members[0]
        let cardFrom = max(frame.oldestCardIssue.ordinal, Timeframe.adding(years: 17, to: head.birth).ordinal)
        let cardThrough = max(cardFrom, frame.newestCardIssue.ordinal)
        let issued = Day(ordinal: random.between(cardFrom, cardThrough))
        let familyCard = try ids.familyCard(prefix: location.prefix, issued: issued)
        return GeneratedHousehold(
            familyCard: familyCard, district: district, outsideCity: outside, village: village,
            desil: desil)
    }

    /// Roles, sexes and ages of the members, head first, in family-card order.
    private mutating func planComposition(_ random: inout GeneratorRandom) {
        plan.removeAll(keepingCapacity: true)
        let size = Demography.householdSize.pick(&random) + 1
        let headMale = random.below(1000) < Demography.maleHeadPerMille
        let headAge = Demography.headAge(&random)
        plan.append((.head, headMale, headAge))
        var left = size - 1
        var motherAge = headMale ? -1 : headAge

        let spouseShare = headMale ? Demography.spouseWithMaleHeadPerMille : Demography.spouseWithFemaleHeadPerMille
        if left > 0, random.below(1000) < spouseShare {
            let age = max(18, headMale ? headAge - random.between(0, 10) : headAge + random.between(-3, 8))
            plan.append((.spouse, !headMale, age))
            if headMale { motherAge = age }
            left -= 1
        }
        if motherAge < 0 { motherAge = headAge }

        extras.removeAll(keepingCapacity: true)
        if left > 0, headAge <= 62, random.below(1000) < (left >= 3 ? 150 : 50) {
            let age = min(95, headAge + random.between(20, 35))
            let mother = random.below(1000) < 650
            extras.append((.parent, !mother, age))
            left -= 1
            if left > 1, random.below(1000) < 300 {
                extras.append((.parent, mother, min(95, age + random.between(-4, 6))))
                left -= 1
            }
        }
        if left > 0, random.below(1000) < 70 {
            extras.append((.other, random.below(2) == 0, random.between(0, 70)))
            left -= 1
        }
        let youngest = max(0, motherAge - 45)
        let oldest = max(youngest, motherAge - 18)
        for _ in 0..<left {
            plan.append((.child, random.below(1000) < 505, random.between(youngest, oldest)))
        }
        plan.append(contentsOf: extras)
    }
}
