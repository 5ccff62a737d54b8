import TepatModel

/// A byte-keyed front for a `StringPool`: repeated values of `string` fields (names, kelurahan,
/// city codes) are found by hashing their bytes, so a `String` is made and UTF-8 validated only
/// the first time a value is seen in a chunk.
struct ByteInterner: ~Copyable {
    /// One slot: what a probe needs in 16 bytes, so a lookup costs one cache line for the slot
    /// and one for the bytes (tables of high-cardinality columns such as names outgrow the cache).
    private struct Slot {
        /// The top 32 bits of the hash, 0 for an empty slot (a real tag of 0 is stored as 1).
        var tag: UInt32
        var length: UInt32
        var offset: UInt32
        var id: UInt32
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var capacity: Int
    private var count = 0
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCapacity: Int
    private var arenaUsed = 0

    init() {
        capacity = 1024
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(tag: 0, length: 0, offset: 0, id: 0), count: capacity)
        arenaCapacity = 16 * 1024
        arena = .allocate(capacity: arenaCapacity)
    }

    deinit {
        slots.deallocate()
        arena.deallocate()
    }

    /// The pool id of these bytes, interning them on first sight; nil when they are not UTF-8.
    @inline(__always)
    mutating func id(_ b: UnsafePointer<UInt8>, _ n: Int, pool: inout StringPool) -> Int64? {
        let h = Self.hash(b, n)
        let tag = max(UInt32(truncatingIfNeeded: h >> 32), 1)
        let mask = capacity - 1
        var slot = Int(tag) & mask
        while true {
            let s = slots[slot]
            if s.tag == 0 { break }
            if s.tag == tag, Int(s.length) == n {
                let a = arena + Int(s.offset)
                var i = 0
                while i < n, a[i] == b[i] { i += 1 }
                if i == n { return Int64(s.id) }
            }
            slot = (slot + 1) & mask
        }
        guard let text = decodeUTF8(b, n) else { return nil }
        let id = pool.intern(text)
        // Values too large for the compact slot (over 4 GiB of text, 4 billion ids) are just not cached.
        guard arenaUsed + n <= Int(UInt32.max), id <= Int64(UInt32.max) else { return id }
        if arenaUsed + n > arenaCapacity { growArena(arenaUsed + n) }
        (arena + arenaUsed).update(from: b, count: n)
        slots[slot] = Slot(tag: tag, length: UInt32(n), offset: UInt32(arenaUsed), id: UInt32(id))
        arenaUsed += n
        count += 1
        if count * 10 > capacity * 7 { grow() }
        return id
    }

    private mutating func growArena(_ needed: Int) {
        var bigger = arenaCapacity * 2
        while bigger < needed { bigger *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        fresh.update(from: arena, count: arenaUsed)
        arena.deallocate()
        arena = fresh
        arenaCapacity = bigger
    }

    private mutating func grow() {
        let old = slots, oldCapacity = capacity
        capacity *= 2
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(tag: 0, length: 0, offset: 0, id: 0), count: capacity)
        let mask = capacity - 1
        for i in 0..<oldCapacity where old[i].tag != 0 {
            // The tag is the hash's top half, which also chose the slot: no rehashing.
            var slot = Int(old[i].tag) & mask
            while slots[slot].tag != 0 { slot = (slot + 1) & mask }
            slots[slot] = old[i]
        }
        old.deallocate()
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
