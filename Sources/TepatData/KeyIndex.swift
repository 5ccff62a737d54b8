/// A hash map from a key cell (NIK, No. KK: 16-digit numbers as `Int64`) to a row (`Int32`),
/// for duplicate-key detection and link resolution over millions of records without a
/// `Dictionary` of strings. Open addressing with linear probing in one flat array (key and value
/// side by side, so a probe is one cache miss in an index of millions), a power-of-two capacity,
/// growing at 70 % load.
public struct KeyIndex: Sendable {
    /// `Int64.min` (`Cell.null`) marks an empty slot; that key itself is kept aside.
    private static let empty = Int64.min
    private struct Slot: Sendable {
        var key: Int64
        var value: Int32
    }

    private var slots: [Slot]
    private var mask: Int
    private var minKeyValue: Int32?
    public private(set) var count = 0

    /// An empty index with room for `minimumCapacity` keys before it grows.
    public init(minimumCapacity: Int = 0) {
        var capacity = 16
        while capacity * 7 < minimumCapacity * 10 { capacity *= 2 }
        slots = Array(repeating: Slot(key: Self.empty, value: 0), count: capacity)
        mask = capacity - 1
    }

    public var isEmpty: Bool { count == 0 }

    /// The value stored for `key`.
    public subscript(key: Int64) -> Int32? {
        if key == Self.empty { return minKeyValue }
        return slots.withUnsafeBufferPointer { slots -> Int32? in
            var slot = Self.slot(key, mask)
            while true {
                let s = slots[slot]
                if s.key == key { return s.value }
                if s.key == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    public func contains(_ key: Int64) -> Bool { self[key] != nil }

    /// Loads the slot `key` hashes to and returns a word of it. Touching the slots of many keys
    /// before using them lets the processor fetch them in parallel, instead of waiting for one
    /// cache miss per key (an index of millions of keys is far larger than the cache).
    @inline(__always)
    func touch(_ key: Int64) -> Int64 {
        slots.withUnsafeBufferPointer { $0[Self.slot(key, mask)].key }
    }

    /// Stores `value` for `key` unless the key is already present. Returns whether it was inserted
    /// and the value now stored (the earlier one when the key was present): "the first one wins".
    @discardableResult
    public mutating func insert(_ key: Int64, _ value: Int32) -> (inserted: Bool, value: Int32) {
        if key == Self.empty {
            if let existing = minKeyValue { return (false, existing) }
            minKeyValue = value
            count += 1
            return (true, value)
        }
        let mask = self.mask
        let found = slots.withUnsafeMutableBufferPointer { slots -> Int32? in
            var slot = Self.slot(key, mask)
            while true {
                let s = slots[slot]
                if s.key == key { return s.value }
                if s.key == Self.empty { break }
                slot = (slot + 1) & mask
            }
            slots[slot] = Slot(key: key, value: value)
            return nil
        }
        if let found { return (false, found) }
        count += 1
        if count * 10 > slots.count * 7 { grow() }
        return (true, value)
    }

    /// Sets the value for `key`, replacing any earlier one; returns the earlier value.
    @discardableResult
    public mutating func updateValue(_ value: Int32, forKey key: Int64) -> Int32? {
        if key == Self.empty {
            let old = minKeyValue
            if old == nil { count += 1 }
            minKeyValue = value
            return old
        }
        var slot = Self.slot(key, mask)
        while true {
            let k = slots[slot].key
            if k == key {
                let old = slots[slot].value
                slots[slot].value = value
                return old
            }
            if k == Self.empty { break }
            slot = (slot + 1) & mask
        }
        slots[slot] = Slot(key: key, value: value)
        count += 1
        if count * 10 > slots.count * 7 { grow() }
        return nil
    }

    /// Every key and value, in no particular order.
    public var entries: [(key: Int64, value: Int32)] {
        var out: [(key: Int64, value: Int32)] = []
        out.reserveCapacity(count)
        if let v = minKeyValue { out.append((Self.empty, v)) }
        for s in slots where s.key != Self.empty { out.append((s.key, s.value)) }
        return out
    }

    private mutating func grow() {
        let old = slots
        let capacity = slots.count * 2
        mask = capacity - 1
        let mask = self.mask
        slots = Array(repeating: Slot(key: Self.empty, value: 0), count: capacity)
        slots.withUnsafeMutableBufferPointer { slots in
            for s in old where s.key != Self.empty {
                var slot = Self.slot(s.key, mask)
                while slots[slot].key != Self.empty { slot = (slot + 1) & mask }
                slots[slot] = s
            }
        }
    }

    /// Mixes all 64 bits (NIKs share long prefixes: region codes, birth dates) before masking.
    @inline(__always)
    private static func slot(_ key: Int64, _ mask: Int) -> Int {
        var h = UInt64(bitPattern: key)
        h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return Int(truncatingIfNeeded: h) & mask
    }
}
