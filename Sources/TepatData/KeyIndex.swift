/// A hash map from a key cell (NIK, No. KK: 16-digit numbers as `Int64`) to a row (`Int32`),
/// for duplicate-key detection and link resolution over millions of records without a
/// `Dictionary` of strings. Open addressing with linear probing in two flat arrays (12 bytes a
/// slot), a power-of-two capacity, growing at 70 % load.
public struct KeyIndex: Sendable {
    /// `Int64.min` (`Cell.null`) marks an empty slot; that key itself is kept aside.
    private static let empty = Int64.min
    private var keys: [Int64]
    private var values: [Int32]
    private var mask: Int
    private var minKeyValue: Int32?
    public private(set) var count = 0

    /// An empty index with room for `minimumCapacity` keys before it grows.
    public init(minimumCapacity: Int = 0) {
        var capacity = 16
        while capacity * 7 < minimumCapacity * 10 { capacity *= 2 }
        keys = Array(repeating: Self.empty, count: capacity)
        values = Array(repeating: 0, count: capacity)
        mask = capacity - 1
    }

    public var isEmpty: Bool { count == 0 }

    /// The value stored for `key`.
    public subscript(key: Int64) -> Int32? {
        if key == Self.empty { return minKeyValue }
        var slot = Self.slot(key, mask)
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == Self.empty { return nil }
            slot = (slot + 1) & mask
        }
    }

    public func contains(_ key: Int64) -> Bool { self[key] != nil }

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
        var slot = Self.slot(key, mask)
        while true {
            let k = keys[slot]
            if k == key { return (false, values[slot]) }
            if k == Self.empty { break }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = value
        count += 1
        if count * 10 > keys.count * 7 { grow() }
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
            let k = keys[slot]
            if k == key {
                let old = values[slot]
                values[slot] = value
                return old
            }
            if k == Self.empty { break }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = value
        count += 1
        if count * 10 > keys.count * 7 { grow() }
        return nil
    }

    /// Every key and value, in no particular order.
    public var entries: [(key: Int64, value: Int32)] {
        var out: [(key: Int64, value: Int32)] = []
        out.reserveCapacity(count)
        if let v = minKeyValue { out.append((Self.empty, v)) }
        for slot in keys.indices where keys[slot] != Self.empty { out.append((keys[slot], values[slot])) }
        return out
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let capacity = keys.count * 2
        keys = Array(repeating: Self.empty, count: capacity)
        values = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for i in oldKeys.indices where oldKeys[i] != Self.empty {
            var slot = Self.slot(oldKeys[i], mask)
            while keys[slot] != Self.empty { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]
            values[slot] = oldValues[i]
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
