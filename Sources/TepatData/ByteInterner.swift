import TepatModel

/// A byte-keyed front for a `StringPool`: repeated values of `string` fields (names, kelurahan,
/// city codes) are found by hashing their bytes, so a `String` is made and UTF-8 validated only
/// the first time a value is seen in a chunk.
struct ByteInterner: ~Copyable {
    /// Per slot: the top 32 bits of the hash and the entry index + 1 (0 = empty), so a probe
    /// touches one word until the bytes themselves are compared.
    private var slots: [UInt64]
    private var mask: Int
    private var offsets: [Int] = []
    private var lengths: [Int] = []
    private var ids: [Int64] = []
    private var arena: [UInt8] = []

    init() {
        slots = Array(repeating: 0, count: 1024)
        mask = 1023
    }

    /// The pool id of these bytes, interning them on first sight; nil when they are not UTF-8.
    @inline(__always)
    mutating func id(_ b: UnsafePointer<UInt8>, _ n: Int, pool: inout StringPool) -> Int64? {
        let h = Self.hash(b, n)
        let tag = h & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { break }
            if s & 0xFFFF_FFFF_0000_0000 == tag {
                let e = Int(s & 0xFFFF_FFFF) - 1
                if lengths[e] == n {
                    let offset = offsets[e]
                    let same = arena.withUnsafeBufferPointer { arena in
                        var i = 0
                        let a = arena.baseAddress! + offset
                        while i < n, a[i] == b[i] { i += 1 }
                        return i == n
                    }
                    if same { return ids[e] }
                }
            }
            slot = (slot + 1) & mask
        }
        guard let text = decodeUTF8(b, n) else { return nil }
        let id = pool.intern(text)
        ids.append(id)
        offsets.append(arena.count)
        lengths.append(n)
        arena.append(contentsOf: UnsafeBufferPointer(start: b, count: n))
        slots[slot] = tag | UInt64(ids.count)
        if ids.count * 10 > slots.count * 7 { grow() }
        return id
    }

    private mutating func grow() {
        let old = slots
        let capacity = slots.count * 2
        slots = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for s in old where s != 0 {
            let e = Int(s & 0xFFFF_FFFF) - 1
            let h = arena.withUnsafeBufferPointer { Self.hash($0.baseAddress! + offsets[e], lengths[e]) }
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = s
        }
    }

    /// A fast 64-bit hash of a short byte string, eight bytes at a time.
    @inline(__always)
    static func hash(_ b: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        let raw = UnsafeRawPointer(b)
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(b[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 31)
    }
}

/// The text of these bytes if they are valid UTF-8 (ASCII checked first, the common case).
@inline(__always)
func decodeUTF8(_ b: UnsafePointer<UInt8>, _ n: Int) -> String? {
    let buffer = UnsafeBufferPointer(start: b, count: n)
    if isASCII(b, n) { return String(decoding: buffer, as: UTF8.self) }
    return String(validating: buffer, as: UTF8.self)
}

/// Whether these bytes are valid UTF-8, without making a `String` for RawByte.
@inline(__always)
func isValidUTF8(_ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    isASCII(b, n) || String(validating: UnsafeBufferPointer(start: b, count: n), as: UTF8.self) != nil
}

@inline(__always)
func isASCII(_ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    let raw = UnsafeRawPointer(b)
    while i + 8 <= n {
        if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
        i += 8
    }
    while i < n {
        if b[i] >= 0x80 { return false }
        i += 1
    }
    return true
}
