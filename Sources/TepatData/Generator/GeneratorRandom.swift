/// The generator's only source of randomness: xoshiro256** (Blackman & Vigna), seeded through
/// SplitMix64. It is our own code rather than `SystemRandomNumberGenerator` or a platform
/// generator so that the same seed gives the same bytes on every machine and Swift version.
///
/// Every household gets its own stream (`stream: householdIndex`), so a household's content does
/// not depend on how many random numbers earlier households used, and turning `dirty` on (which
/// draws from separate streams) leaves the clean population unchanged underneath the faults.
struct GeneratorRandom {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(state: seed)
        let base = mixer.next()
        var expander = SplitMix64(state: base ^ SplitMix64.mix(stream &+ 0x632B_E59B_D9B4_E019))
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
        // An all-zero state would only ever produce zeros; SplitMix64 output makes it practically
        // impossible, but the guard costs nothing.
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject).
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "empty range")
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold { product = next().multipliedFullWidth(by: n) }
        }
        return Int(product.high)
    }

    /// A uniform integer in a closed range.
    @inline(__always)
    mutating func between(_ low: Int, _ high: Int) -> Int {
        low + below(high - low + 1)
    }

    /// True with probability `perMillion` / 1,000,000. Rates are integers so that no floating-point
    /// rounding can differ between machines.
    @inline(__always)
    mutating func chance(perMillion: Int) -> Bool {
        below(1_000_000) < perMillion
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea & Flood): expands a 64-bit seed into a well-mixed xoshiro state, and
/// doubles as the deterministic hash for identity-number counters (Swift's `Hasher` is seeded per
/// process and must never decide anything that reaches the output).
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
