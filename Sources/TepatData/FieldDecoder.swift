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
        for i in 0..<n {
            let d = b[i] &- RawByte.zero
            guard d < 10 else { return nil }
            v = v &* 10 &+ Int64(d)
        }
        return v
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
        if n == 4, b[0] | 0x20 == UInt8(ascii: "t"), b[1] | 0x20 == UInt8(ascii: "r"), b[2] | 0x20 == UInt8(ascii: "u"),
            b[3] | 0x20 == UInt8(ascii: "e")
        {
            return 1
        }
        if n == 5, b[0] | 0x20 == UInt8(ascii: "f"), b[1] | 0x20 == UInt8(ascii: "a"), b[2] | 0x20 == UInt8(ascii: "l"),
            b[3] | 0x20 == UInt8(ascii: "s"), b[4] | 0x20 == UInt8(ascii: "e")
        {
            return 0
        }
        return nil
    }

    @inline(__always)
    static func twoDigits(_ b: UnsafePointer<UInt8>) -> Int? {
        let a = b[0] &- RawByte.zero, c = b[1] &- RawByte.zero
        guard a < 10, c < 10 else { return nil }
        return Int(a) * 10 + Int(c)
    }

    /// Exactly `YYYY-MM-DD`, a day that exists: `Day.ordinal`.
    @inline(__always)
    static func date(_ b: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n == 10, b[4] == RawByte.minus, b[7] == RawByte.minus, let y1 = twoDigits(b), let y2 = twoDigits(b + 2),
            let m = twoDigits(b + 5), let d = twoDigits(b + 8), let day = Day(year: y1 * 100 + y2, month: m, day: d)
        else { return nil }
        return Int64(day.ordinal)
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

/// The codes of an enumeration as bytes, matched exactly (a short linear scan filtered by length
/// and first byte: lists are a handful to a few dozen codes).
struct EnumCodes: Sendable {
    private let bytes: [UInt8]
    private let starts: [Int]
    private let firsts: [UInt8]
    private let lengths: [Int]

    init(_ values: [String]) {
        var bytes: [UInt8] = [], starts: [Int] = [], firsts: [UInt8] = [], lengths: [Int] = []
        for value in values {
            starts.append(bytes.count)
            let u = Array(value.utf8)
            bytes.append(contentsOf: u)
            firsts.append(u.first ?? 0)
            lengths.append(u.count)
        }
        self.bytes = bytes
        self.starts = starts
        self.firsts = firsts
        self.lengths = lengths
    }

    @inline(__always)
    func index(of b: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let first = b[0]
        return bytes.withUnsafeBufferPointer { all -> Int? in
            for k in 0..<lengths.count where lengths[k] == n && firsts[k] == first {
                if bytesEqual(all.baseAddress! + starts[k], b, n) { return k }
            }
            return nil
        }
    }
}
