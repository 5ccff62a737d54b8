import TepatModel

/// NIK and No. KK, 16 digits each, built the way Dukcapil builds them (domain brief §2):
/// `PP KK CC DDMMYY SSSS` = province, regency/city, district of first registration, the birth date
/// (day + 40 for women) or, for a KK, its issue date, and a 4-digit sequence from 0001.
///
/// Uniqueness without holding every number issued: the sequence comes from a counter picked by a
/// deterministic hash of the first 12 digits. Two different 12-digit heads that share a counter
/// still differ in their heads, and one head always uses the same counter, so every number is
/// issued once. The tables have a fixed size (4 M counters for NIKs, 1 M for KKs: 10 MB), not one
/// that depends on the population, so the first N households of a larger run are numbered exactly
/// as a run of N. Up to a few million people the sequences look like real ones (mostly 0001–0003);
/// even 10 M households stay far below the 9,999 a sequence allows.
struct IdentityNumbers {
    private var people = SequenceCounters(slotsLog2: 22)
    private var cards = SequenceCounters(slotsLog2: 20)

    /// A NIK first registered in district `prefix` (`367105`) for someone born on `birth`.
    mutating func nik(prefix: Int, birth: Day, male: Bool) throws(GeneratorError) -> UInt64 {
        let c = birth.civil
        let head = UInt64(prefix) * 1_000_000 + UInt64((male ? c.day : c.day + 40) * 10_000 + c.month * 100 + c.year % 100)
        return head * 10_000 + UInt64(try people.next(for: head))
    }

    /// A KK number issued in district `prefix` on `issued`.
    mutating func familyCard(prefix: Int, issued: Day) throws(GeneratorError) -> UInt64 {
        let c = issued.civil
        let head = UInt64(prefix) * 1_000_000 + UInt64(c.day * 10_000 + c.month * 100 + c.year % 100)
        return head * 10_000 + UInt64(try cards.next(for: head))
    }

    // MARK: where NIKs come from

    /// NIKs whose first registration was in Kota Tangerang (§8: ~75 % of members). People keep the
    /// NIK prefix of their first registration when they move, so the rest carry the codes of the
    /// regions Tangerang's migrants come from.
    static let migrantOrigins: [(regency: Int, districts: Int)] = [
        (3603, 29), (3674, 7), (3174, 8), (3171, 10), (3172, 10), (3173, 8), (3175, 6),  // Banten, Jakarta
        (3201, 40), (3275, 12), (3204, 31), (3209, 40), (3212, 31), (3215, 30),  // Jawa Barat
        (3601, 35), (3604, 29),  // Pandeglang, Kab. Serang
        (3329, 17), (3328, 18), (3327, 14), (3302, 27), (3301, 24), (3315, 19),  // Jawa Tengah
        (3578, 31), (3507, 33), (1871, 20), (1803, 17), (1271, 21), (1371, 11), (7371, 15),
    ]
    static let migrantOriginWeights = WeightedChoice([
        140, 60, 100, 40, 40, 30, 30,
        40, 30, 30, 40, 40, 30,
        40, 40,
        50, 40, 30, 20, 20, 10,
        10, 10, 20, 10, 10, 10, 5,
    ])

    static func migrantPrefix(_ random: inout GeneratorRandom) -> Int {
        let origin = migrantOrigins[migrantOriginWeights.pick(&random)]
        return origin.regency * 100 + random.between(1, origin.districts)
    }

    /// A district no member's NIK comes from (Kab. Lebak, 36.02.08): applicants named with a NIK
    /// that is not in members.csv get theirs from here, so they can never match a member.
    static let outsiderPrefix = 360_208

    /// A district that does not exist in Kota Tangerang (36.71.14; the city has 13): dirty rows
    /// that name a household missing from households.csv use KK numbers from here.
    static let missingHouseholdPrefix = 367_114
}

/// Sequence counters addressed by a hash of the 12-digit head of a number.
struct SequenceCounters {
    private var counts: [UInt16]
    private let mask: UInt64

    init(slotsLog2: Int) {
        counts = Array(repeating: 0, count: 1 << slotsLog2)
        mask = UInt64((1 << slotsLog2) - 1)
    }

    mutating func next(for head: UInt64) throws(GeneratorError) -> Int {
        let slot = Int(truncatingIfNeeded: SplitMix64.mix(head) & mask)
        let value = counts[slot] &+ 1
        guard value <= 9_999 else { throw GeneratorError.identityNumbersExhausted }
        counts[slot] = value
        return Int(value)
    }
}
