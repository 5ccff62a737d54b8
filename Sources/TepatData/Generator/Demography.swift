import TepatModel

/// Position in the family card (SHDK), collapsed to the contract's five codes.
enum FamilyRole: Sendable {
    case head, spouse, child, parent, other

    var code: StaticString {
        switch self {
        case .head: "kepala_keluarga"
        case .spouse: "pasangan"
        case .child: "anak"
        case .parent: "orang_tua"
        case .other: "lainnya"
        }
    }
}

/// Causes of death (§8). Stillbirths and neonatal deaths (2 % in the brief) have no code of their
/// own and count as `sakit`.
enum CauseOfDeath: Int, Sendable {
    case sakit, kecelakaanKerja, kecelakaanLain, bencanaAlam, bunuhDiri, narkoba, hukumanMati

    var code: StaticString {
        switch self {
        case .sakit: "sakit"
        case .kecelakaanKerja: "kecelakaan_kerja"
        case .kecelakaanLain: "kecelakaan_lain"
        case .bencanaAlam: "bencana_alam"
        case .bunuhDiri: "bunuh_diri"
        case .narkoba: "narkoba"
        case .hukumanMati: "hukuman_mati"
        }
    }
}

/// Household composition, ages, mortality and the boundary people a policy's age rules need.
/// All shares are the domain brief's §8 unless noted.
enum Demography {
    /// Household size 1…9 (the brief's "7+" 7 % split 4/2/1), per mille; mean ≈ 3.9.
    static let householdSize = WeightedChoice([70, 130, 210, 250, 180, 90, 40, 20, 10])

    /// Heads are 82 % men; female heads are mostly widows, without a spouse in the household.
    static let maleHeadPerMille = 820
    static let spouseWithMaleHeadPerMille = 930
    static let spouseWithFemaleHeadPerMille = 100

    /// Head age bands (years, inclusive) and weights: 25–75 with the mode in the forties, plus a
    /// few very young and very old heads.
    static let headAgeBands: [(low: Int, high: Int)] = [
        (19, 24), (25, 29), (30, 34), (35, 39), (40, 44), (45, 49), (50, 54), (55, 59), (60, 64), (65, 69),
        (70, 74), (75, 79), (80, 89),
    ]
    static let headAgeWeights = WeightedChoice([15, 50, 85, 115, 140, 145, 130, 110, 85, 60, 35, 20, 10])

    static func headAge(_ random: inout GeneratorRandom) -> Int {
        let band = headAgeBands[headAgeWeights.pick(&random)]
        return random.between(band.low, band.high)
    }

    /// Annual probability of death by age, per million (§8), with the 45+ rates scaled by 1.2 to
    /// reach the national crude rate of ~6.8 per 1,000.
    static func annualDeathPerMillion(age: Int) -> Int {
        switch age {
        case ..<1: 20_000
        case 1...14: 600
        case 15...44: 1_500
        case 45...59: 8_400
        case 60...69: 24_000
        case 70...79: 60_000
        default: 144_000
        }
    }

    /// Causes of death per 10,000 deaths: sakit 91.98 % (with neonatal 2 %), kecelakaan_kerja 2 %,
    /// kecelakaan_lain 4 %, bencana_alam 0.5 %, bunuh_diri 1 %, narkoba 0.5 %, hukuman_mati 0.02 %.
    static let causes = WeightedChoice([9_198, 200, 400, 50, 100, 50, 2])

    static func cause(age: Int, working: Bool, _ random: inout GeneratorRandom) -> CauseOfDeath {
        let cause = CauseOfDeath(rawValue: causes.pick(&random)) ?? .sakit
        switch cause {
        case .kecelakaanKerja where !working: return .sakit
        case .bunuhDiri, .narkoba, .hukumanMati: return age < 15 ? .sakit : cause
        default: return cause
        }
    }

    /// Disability (§8: 2.5 % of adults; children 1 %, an assumption), per million.
    static let disabledAdultsPerMillion = 25_000
    static let disabledChildrenPerMillion = 10_000

    // MARK: boundary people

    /// Ages at which policies draw lines (17 for KTP-el, 18 and 64/65 for the worker programme).
    static func isBoundary(age: Int) -> Bool { age == 17 || age == 18 || age == 64 || age == 65 }
    /// Of the people aged 17, 18, 64 or 65, this share is born exactly that many years before the
    /// reference date (a birthday *on* it), per mille.
    static let birthdayOnReferencePerMille = 100
    /// Of the people aged 16, 17, 63 or 64, this share turns a year older the day after the
    /// reference date (still the younger age on it), per mille.
    static let birthdayAfterReferencePerMille = 50
    /// Of the people whose birth year is a leap year, this share is born on 29 February
    /// (about ten times the natural rate), per mille: 2004-02-29 and 1960-02-29 turn 21 and 65 on
    /// 1 March 2025 in a common year.
    static let leapDayPerMille = 30

    /// A birth date for someone `age` years old on `frame.asOf`, with the boundary cases above
    /// over-represented. A leap-day birth may be a year off `age` when the reference date falls in
    /// January or February; no birth date lies after the reference date.
    static func birthDate(age: Int, frame: Timeframe, _ random: inout GeneratorRandom) -> Day {
        if isBoundary(age: age), random.below(1000) < birthdayOnReferencePerMille {
            return Timeframe.adding(years: -age, to: frame.asOf)
        }
        if isBoundary(age: age + 1), random.below(1000) < birthdayAfterReferencePerMille {
            return Timeframe.adding(years: -(age + 1), to: frame.asOf).adding(days: 1)
        }
        let year = frame.asOf.civil.year - age
        if Day.isLeap(year), random.below(1000) < leapDayPerMille, let leapDay = Day(year: year, month: 2, day: 29),
            leapDay <= frame.asOf
        {
            return leapDay
        }
        return frame.birthDate(age: age, &random)
    }
}
