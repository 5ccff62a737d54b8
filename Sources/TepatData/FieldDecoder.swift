import TepatModel

/// How the text of one field becomes a `Cell` (encodings in `Cell.swift`), prepared once per
/// file from the schema so the per-value path is a switch over bytes: no `String`, no Foundation.
/// `string` fields are interned by `RecordParser` (they need the table's pool), not here.
struct FieldDecoder: Sendable {
    enum Kind: Sendable {
        case string
        case digits(Int)
        case integer(min: Int64, max: Int64)
        case money
        case boolean
        case date
        case month
        case enumeration
    }

    let name: String
    let type: FieldType
    let kind: Kind
    let optional: Bool
    let codes: EnumCodes

    init(_ field: Field) {
        name = field.name
        type = field.type
        optional = field.optional
        switch field.type {
        case .string: kind = .string
        case .digits(let n): kind = .digits(n)
        case .integer(let lo, let hi): kind = .integer(min: lo ?? .min, max: hi ?? .max)
        case .money: kind = .money
        case .boolean: kind = .boolean
        case .date: kind = .date
        case .month: kind = .month
        case .enumeration: kind = .enumeration
        }
        if case .enumeration(let values) = field.type { codes = EnumCodes(values) } else { codes = EnumCodes([]) }
    }

    var isString: Bool { if case .string = kind { true } else { false } }

    /// The cell for non-empty text of a non-string field, or nil when the text is not valid.
    @inline(__always)
    func decode(_ b: UnsafePointer<UInt8>, _ n: Int) -> Cell? {
        if case .enumeration = kind { return codes.index(of: b, n).map(Int64.init) }
        return Self.decodeScalar(kind, b, n)
    }

    /// `decode` for every kind but `enumeration` (and `string`, which is interned elsewhere).
    @inline(__always)
    static func decodeScalar(_ kind: Kind, _ b: UnsafePointer<UInt8>, _ n: Int) -> Cell? {
        switch kind {
        case .string, .enumeration:
            return nil
        case .digits(let width):
            guard n == width else { return nil }
            return Self.unsignedDigits(b, n)
        case .integer(let lo, let hi):
            guard let v = Self.signedInteger(b, n), v >= lo, v <= hi else { return nil }
            return v
        case .money:
            return Self.unsignedDigits(b, n, checked: true)
        case .boolean:
            return Self.boolean(b, n)
        case .date:
            return Self.date(b, n)
        case .month:
            return Self.month(b, n)
        }
    }

    /// Why `decode` refused this text (only called on the slow path of an invalid row).
    func problem(_ b: UnsafePointer<UInt8>, _ n: Int) -> DataProblem {
        switch kind {
        case .string: return .invalidUTF8
        case .digits(let width): return .badDigits(width)
        case .integer:
            guard case .integer(let lo, let hi) = type else { return .badInteger }
            return Self.isIntegerSyntax(b, n) ? .outOfRange(min: lo, max: hi) : .badInteger
        case .money: return .badMoney
        case .boolean: return .badBoolean
        case .date: return .badDate
        case .month: return .badMonth
        case .enumeration:
            guard case .enumeration(let values) = type else { return .unknownCode(allowed: []) }
            return .unknownCode(allowed: values)
        }
    }

    // MARK: byte parsers

    /// Exactly `n` ASCII digits (n ≥ 1). Values above 18 digits wrap unless `checked`, which
    /// refuses them instead (money must never wrap).
    @inline(__always)
    static func unsignedDigits(_ b: UnsafePointer<UInt8>, _ n: Int, checked: Bool = false) -> Int64? {
        guard n > 0 else { return nil }
        var v: Int64 = 0
        if checked && n > 18 {
            for i in 0..<n {
                let d = b[i] &- RawByte.zero
                guard d < 10 else { return nil }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                v = s
            }
            return v
        }
        var i = 0
        while i + 8 <= n {
            // Eight digits at once (the common 16-digit NIK and No. KK are two words).
            let w = UInt64(littleEndian: UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self))
            guard let eight = Self.eightDigits(w) else { return nil }
            v = v &* 100_000_000 &+ Int64(eight)
            i += 8
        }
        while i < n {
            let d = b[i] &- RawByte.zero
            guard d < 10 else { return nil }
            v = v &* 10 &+ Int64(d)
            i += 1
        }
        return v
    }

    /// The value of eight ASCII digits in a little-endian word (first digit in the low byte), or
    /// nil when a byte is not a digit.
    @inline(__always)
    static func eightDigits(_ w: UInt64) -> UInt64? {
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0, threes: UInt64 = 0x3030_3030_3030_3030
        // Every byte 0x30...0x39: high nibble 3, and still 3 after adding 6 (no byte above 9).
        guard w & high == threes, (w &+ 0x0606_0606_0606_0606) & high == threes else { return nil }
        var x = w & 0x0F0F_0F0F_0F0F_0F0F
        x = (x &* 2561) >> 8  // pairs of digits
        x = ((x & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16  // groups of four
        x = ((x & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32  // eight
        return x & 0xFFFF_FFFF
    }

    /// Optional `-` then digits, within 64 bits (never `Int64.min`, which is `Cell.null`).
    @inline(__always)
    static func signedInteger(_ b: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        var i = 0
        let negative = n > 0 && b[0] == RawByte.minus
        if negative { i = 1 }
        guard i < n else { return nil }
        var v: Int64 = 0
        while i < n {
            let d = b[i] &- RawByte.zero
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            v = s
            i += 1
        }
        return negative ? -v : v
    }

    /// Whether the text is `-?[0-9]+` (so a failure is a range problem, not a syntax problem).
    static func isIntegerSyntax(_ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = n > 0 && b[0] == RawByte.minus ? 1 : 0
        guard i < n else { return false }
        while i < n {
            guard b[i] &- RawByte.zero < 10 else { return false }
            i += 1
        }
        return true
    }

    /// `true`/`false`, any case.
    @inline(__always)
    static func boolean(_ b: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        let raw = UnsafeRawPointer(b)
        if n == 4 {
            let w = UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)) | 0x2020_2020
            return w == 0x6575_7274 ? 1 : nil  // "true"
        }
        if n == 5 {
            let w = UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)) | 0x2020_2020
            return w == 0x736C_6166 && b[4] | 0x20 == UInt8(ascii: "e") ? 0 : nil  // "fals" + "e"
        }
        return nil
    }

    @inline(__always)
    static func twoDigits(_ b: UnsafePointer<UInt8>) -> Int? {
        let a = b[0] &- RawByte.zero, c = b[1] &- RawByte.zero
        guard a < 10, c < 10 else { return nil }
        return Int(a) * 10 + Int(c)
    }

    /// Exactly `YYYY-MM-DD`, a day that exists: `Day.ordinal` (computed here, checked against
    /// `Day` by the tests, so the hot path makes no call into another module).
    @inline(__always)
    static func date(_ b: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n == 10, b[4] == RawByte.minus, b[7] == RawByte.minus, let y1 = twoDigits(b), let y2 = twoDigits(b + 2),
            let m = twoDigits(b + 5), let d = twoDigits(b + 8)
        else { return nil }
        let y = y1 * 100 + y2
        guard y >= 1, m >= 1, m <= 12, d >= 1 else { return nil }
        let leap = y & 3 == 0 && (y % 100 != 0 || y % 400 == 0)
        let monthDays = m == 2 ? (leap ? 29 : 28) : (m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31)
        guard d <= monthDays else { return nil }
        // Howard Hinnant's days_from_civil, for years 1...9999 (never negative here).
        let yy = m <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let mp = m > 2 ? m - 3 : m + 9
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    /// Exactly `YYYY-MM`: `Month.ordinal`.
    @inline(__always)
    static func month(_ b: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n == 7, b[4] == RawByte.minus, let y1 = twoDigits(b), let y2 = twoDigits(b + 2), let m = twoDigits(b + 5),
            let month = Month(year: y1 * 100 + y2, month: m)
        else { return nil }
        return Int64(month.ordinal)
    }
}

/// The codes of an enumeration, found by hashing the value's first and last eight bytes and
/// its length, and confirmed by comparing those words (and, for codes over 16 bytes, the middle):
/// one probe, a few word compares, no per-code scan and no call to `memcmp`.
struct EnumCodes: Sendable {
    private let bytes: [UInt8]
    private let starts: [Int]
    private let lengths: [Int]
    private let heads: [UInt64]
    private let tails: [UInt64]
    /// Code index + 1 per slot, 0 for empty.
    private let slots: [Int32]
    private let mask: Int

    init(_ values: [String]) {
        var bytes: [UInt8] = [], starts: [Int] = [], lengths: [Int] = [], heads: [UInt64] = [], tails: [UInt64] = []
        for value in values {
            let u = Array(value.utf8)
            starts.append(bytes.count)
            bytes.append(contentsOf: u)
            lengths.append(u.count)
            let words = u.withUnsafeBufferPointer { Self.words($0.baseAddress, u.count, limit: nil) }
            heads.append(words.head)
            tails.append(words.tail)
        }
        var capacity = 16
        while capacity < values.count * 4 { capacity *= 2 }
        var slots = Array(repeating: Int32(0), count: capacity)
        for k in values.indices where lengths[k] > 0 {
            var slot = Self.hash(heads[k], tails[k], lengths[k]) & (capacity - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(k + 1)
        }
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.heads = heads
        self.tails = tails
        self.slots = slots
        self.mask = capacity - 1
    }

    /// The first min(n, 8) bytes (zero-padded) and, when n > 8, the last eight, as little-endian
    /// words. Reads a whole word past short values only when `limit` allows it.
    @inline(__always)
    private static func words(_ b: UnsafePointer<UInt8>?, _ n: Int, limit: UnsafePointer<UInt8>?) -> (head: UInt64, tail: UInt64) {
        guard let b, n > 0 else { return (0, 0) }
        let raw = UnsafeRawPointer(b)
        if n >= 8 {
            let head = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let tail = n > 8 ? UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) : 0
            return (head, tail)
        }
        if let limit, limit - b >= 8 {
            let word = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            return (word & ((UInt64(1) << UInt64(n * 8)) &- 1), 0)
        }
        var head: UInt64 = 0
        for i in 0..<n { head |= UInt64(b[i]) << UInt64(i * 8) }
        return (head, 0)
    }

    @inline(__always)
    private static func hash(_ head: UInt64, _ tail: UInt64, _ n: Int) -> Int {
        let h = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(n)
        return Int(truncatingIfNeeded: (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9 >> 40)
    }

    /// The index of the code these (non-empty) bytes spell, if any. Bytes up to `limit` may be
    /// read (but not used) past the value.
    @inline(__always)
    func index(of b: UnsafePointer<UInt8>, _ n: Int, limit: UnsafePointer<UInt8>) -> Int? {
        let (head, tail) = Self.words(b, n, limit: limit)
        return slots.withUnsafeBufferPointer { slots -> Int? in
            var slot = Self.hash(head, tail, n) & mask
            while true {
                let k = Int(slots[slot]) - 1
                if k < 0 { return nil }
                if lengths[k] == n, heads[k] == head, tails[k] == tail {
                    if n <= 16 { return k }
                    let same = bytes.withUnsafeBufferPointer { all -> Bool in
                        let code = all.baseAddress! + starts[k]
                        var i = 8
                        while i < n - 8, code[i] == b[i] { i += 1 }
                        return i >= n - 8
                    }
                    if same { return k }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// `index(of:)` for bytes with nothing readable past them.
    func index(of b: UnsafePointer<UInt8>, _ n: Int) -> Int? { index(of: b, n, limit: b + n) }
}
