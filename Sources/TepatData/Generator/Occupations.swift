/// The occupation codes of the population contract (DESIGN.md) and how people get one.
///
/// The domain brief §8 gives the adult (≥ 18) occupation shares in desil 1–4 with Dukcapil-style
/// categories; they are mapped onto the contract's codes as follows (per mille of adults):
/// mengurus_rumah_tangga 240, tidak_bekerja 120, pelajar 50, buruh_harian_lepas 185 (buruh harian
/// 13 % + tukang 4 % + juru parkir 1.5 %), karyawan_swasta 130 (12 % + 1 % of "lainnya"),
/// pedagang_kaki_lima 80, ojek 70 (ojek 5 % + sopir 2 %), wiraswasta 44, pekerja_rumah_tangga 30,
/// pemulung 10, buruh_tani 5, nelayan 1, pensiunan 4, and the rest of "lainnya" as kader_posyandu 12,
/// guru_ngaji 9, marbot 7, pns 2, tni_polri 1. The brief gives one table for both sexes; it is split
/// into a men's and a women's table whose average is the brief's (housework, domestic work and
/// posyandu volunteering mostly women; ojek, marbot and day labour mostly men).
enum Occupation: Int, CaseIterable, Sendable {
    case ojek, pedagangKakiLima, buruhHarianLepas, nelayan, buruhTani, pemulung, pekerjaRumahTangga, marbot
    case guruNgaji, kaderPosyandu, karyawanSwasta, pns, tniPolri, wiraswasta, pelajar, mengurusRumahTangga
    case tidakBekerja, pensiunan

    var code: StaticString {
        switch self {
        case .ojek: "ojek"
        case .pedagangKakiLima: "pedagang_kaki_lima"
        case .buruhHarianLepas: "buruh_harian_lepas"
        case .nelayan: "nelayan"
        case .buruhTani: "buruh_tani"
        case .pemulung: "pemulung"
        case .pekerjaRumahTangga: "pekerja_rumah_tangga"
        case .marbot: "marbot"
        case .guruNgaji: "guru_ngaji"
        case .kaderPosyandu: "kader_posyandu"
        case .karyawanSwasta: "karyawan_swasta"
        case .pns: "pns"
        case .tniPolri: "tni_polri"
        case .wiraswasta: "wiraswasta"
        case .pelajar: "pelajar"
        case .mengurusRumahTangga: "mengurus_rumah_tangga"
        case .tidakBekerja: "tidak_bekerja"
        case .pensiunan: "pensiunan"
        }
    }

    /// `pu` for wage employees, `bpu` for informal workers, `tidak_bekerja` for everyone else.
    var employment: EmploymentStatus {
        switch self {
        case .karyawanSwasta, .pns, .tniPolri: .pu
        case .pelajar, .mengurusRumahTangga, .tidakBekerja, .pensiunan: .tidakBekerja
        default: .bpu
        }
    }
}

/// BPJS Ketenagakerjaan segment: *penerima upah*, *bukan penerima upah*, or not working.
enum EmploymentStatus: Sendable {
    case pu, bpu, tidakBekerja

    var code: StaticString {
        switch self {
        case .pu: "pu"
        case .bpu: "bpu"
        case .tidakBekerja: "tidak_bekerja"
        }
    }

    /// Already covered by BPJS TK (§8): 70 % of wage employees; 8 % of informal workers
    /// (5 % paying themselves, 3 % through another Pemda scheme).
    var activeCoveragePerMillion: Int {
        switch self {
        case .pu: 700_000
        case .bpu: 80_000
        case .tidakBekerja: 0
        }
    }
}

enum Occupations {
    /// Per-mille weights in `Occupation` order, men aged 18+.
    static let men = WeightedChoice([
        136, 90, 300, 2, 7, 14, 4, 14,  // ojek … marbot
        10, 0, 160, 2, 2, 48, 0, 20,  // guru_ngaji … mengurus_rumah_tangga (pelajar by age)
        135, 6,  // tidak_bekerja, pensiunan
    ])
    /// Per-mille weights in `Occupation` order, women aged 18+.
    static let women = WeightedChoice([
        4, 70, 70, 0, 3, 6, 56, 0,
        8, 24, 100, 2, 0, 40, 0, 460,
        105, 2,
    ])

    /// Share of 18–24-year-olds still in school or college, per mille. The tables above give
    /// `pelajar` no weight: students come from this age rule only, and the adult marginal stays
    /// near the brief's 5 %.
    static let studentsAged18to24 = 300
    /// Share of people aged 65+ who no longer work, per mille.
    static let retiredFrom65 = 550

    static func draw(age: Int, male: Bool, _ random: inout GeneratorRandom) -> Occupation {
        if age < 6 { return .tidakBekerja }
        if age < 18 { return random.below(1000) < 930 ? .pelajar : .tidakBekerja }
        if age <= 24, random.below(1000) < studentsAged18to24 { return .pelajar }
        if age >= 65 {
            let x = random.below(1000)
            if x < 30 { return .pensiunan }
            if x < retiredFrom65 { return male ? .tidakBekerja : .mengurusRumahTangga }
        }
        let table = male ? men : women
        let occupation = Occupation(rawValue: table.pick(&random)) ?? .tidakBekerja
        // Civil servants, soldiers and police retire at 58; afterwards they are pensioners.
        if age > 58, occupation == .pns || occupation == .tniPolri { return .pensiunan }
        if occupation == .pensiunan, age < 45 { return .tidakBekerja }
        return occupation
    }
}
