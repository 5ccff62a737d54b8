import CTepatSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A Bloom filter over key cells (NIK, No. KK): "certainly not seen before" or "perhaps seen".
/// Blocked: a key's probes all fall in one 64-byte block, so an insert costs one cache miss, not
/// eight (a filter for millions of keys is far larger than the cache).
///
/// Streaming a population must find duplicate keys without holding every key: an exact index of
/// 16 million NIKs is 256 MB, this filter about 24 MB (12 bits a key, false positives about
/// 0.3 %). A "perhaps" is settled exactly later (`tepat run` defers those rows and checks them
/// against a spill of the keys on disk), so a false positive costs time, never a wrong answer.
public struct SeenKeys: Sendable {
    private var storage: HugePageWords
    private let mask: UInt64
    private static let probes = 8

    /// A filter sized for about `expectedKeys` keys, and at least `minimumBits` (tests make
    /// filters tiny, and so wrong often).
    public init(expectedKeys: Int, minimumBits: Int = 1 << 16) {
        var bits: UInt64 = 512  // at least one 512-bit block; a power of two (`mask`)
        while bits < UInt64(clamping: minimumBits), bits < 1 << 40 { bits <<= 1 }
        let wanted = UInt64(max(1, expectedKeys)).multipliedReportingOverflow(by: 12)
        let target = wanted.overflow ? UInt64(1) << 40 : min(wanted.partialValue, UInt64(1) << 40)
        while bits < target { bits <<= 1 }
        storage = HugePageWords(count: Int(bits / 64))
        mask = bits - 1
    }

    /// Bytes held.
    public var byteCount: Int { storage.count * 8 }

    /// Adds `key`; returns true when it was perhaps seen before (every probed bit already set).
    @inline(__always)
    public mutating func insert(_ key: Int64) -> Bool {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let (block, bits) = place(key)
        let words = storage.words
        var seen = true
        for i in 0..<Self.probes {
            let bit = (i < 7 ? bits.0 >> UInt64(i * 9) : bits.1) & 511
            let w = block + Int(bit >> 6), b = UInt64(1) << (bit & 63)
            if words[w] & b == 0 {
                seen = false
                words[w] |= b
            }
        }
        return seen
    }

    /// Inserts `keys[i]` for each index `i` of `rows` (in order), with `perhaps[i]` set to what
    /// `insert` returns. The block of a key a few places ahead is fetched while this one is
    /// inserted, so the cache misses of a chunk overlap instead of coming one after another.
    public mutating func insert(_ keys: UnsafeBufferPointer<Int64>, rows: [Int], perhaps: inout [Bool]) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let ahead = 12
        let words = storage.words
        for (n, r) in rows.enumerated() {
            if n + ahead < rows.count { tepat_prefetch_for_write(words + place(keys[rows[n + ahead]]).0) }
            perhaps[r] = insert(keys[r])
        }
    }

    /// True when `key` was perhaps inserted (false: certainly not).
    public func mightContain(_ key: Int64) -> Bool {
        let (block, bits) = place(key)
        let words = storage.words
        for i in 0..<Self.probes {
            let bit = (i < 7 ? bits.0 >> UInt64(i * 9) : bits.1) & 511
            if words[block + Int(bit >> 6)] & (UInt64(1) << (bit & 63)) == 0 { return false }
        }
        return true
    }

    /// The first word of the key's block, and 72 bits that choose its probes (9 bits each):
    /// seven from the second hash, the last from the first hash's top bits.
    @inline(__always)
    private func place(_ key: Int64) -> (Int, (UInt64, UInt64)) {
        let (h1, h2) = Self.hashes(key)
        let block = Int((h1 & mask) >> 9) << 3
        return (block, (h2, h1 >> 40))
    }

    /// Two independent 64-bit hashes (splitmix64 finalisers); probes are `h1 + i·h2`.
    @inline(__always)
    static func hashes(_ key: Int64) -> (UInt64, UInt64) {
        func mix(_ x: UInt64) -> UInt64 {
            var z = x
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        let k = UInt64(bitPattern: key)
        return (mix(k &+ 0x9e37_79b9_7f4a_7c15), mix(k ^ 0x6a09_e667_f3bc_c909) | 1)
    }
}

/// Zeroed words for a table probed at random, on huge pages where the system allows: a filter
/// of millions of keys spans thousands of 4 KB pages, so nearly every probe would also miss the
/// TLB (and in a virtual machine a page walk costs several memory reads); on 2 MB pages the
/// probe costs its one cache miss. Owned by one `SeenKeys`, copied before a shared one is written.
final class HugePageWords: @unchecked Sendable {
    let words: UnsafeMutablePointer<UInt64>
    let count: Int
    private static let hugePage = 2 << 20

    init(count: Int) {
        self.count = count
        let bytes = max(1, count) * 8
        let large = bytes >= Self.hugePage
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, large ? Self.hugePage : 64, bytes) == 0, let raw else {
            fatalError("out of memory for a key filter of \(bytes) bytes")  // as an Array would
        }
        #if os(Linux)
            // Advice only: where transparent huge pages are off, the words stay on small pages.
            if large { _ = madvise(raw, bytes, Int32(MADV_HUGEPAGE)) }
        #endif
        memset(raw, 0, bytes)
        words = raw.bindMemory(to: UInt64.self, capacity: max(1, count))
    }

    func copy() -> HugePageWords {
        let copy = HugePageWords(count: count)
        copy.words.update(from: words, count: count)
        return copy
    }

    deinit { free(words) }
}
