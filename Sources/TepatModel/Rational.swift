/// An exact fraction for rates and divisions (`0.01`, `a / b`). Money never passes through
/// floating point: a rational becomes whole rupiah only through an explicit `round`, `floor` or
/// `ceil`. Every operation reports overflow instead of trapping.
public struct Rational: Sendable, Hashable, CustomStringConvertible {
    public private(set) var numerator: Int64
    /// Always positive.
    public private(set) var denominator: Int64

    public init(_ value: Int64) {
        numerator = value
        denominator = 1
    }

    /// Nil when `denominator` is zero or the reduced form does not fit.
    public init?(_ numerator: Int64, _ denominator: Int64) {
        guard denominator != 0 else { return nil }
        var n = numerator, d = denominator
        if d < 0 {
            guard n != .min, d != .min else { return nil }
            n = -n
            d = -d
        }
        let g = Rational.gcd(n.magnitude, d.magnitude)
        if g > 1 {
            n /= Int64(g)
            d /= Int64(g)
        }
        self.numerator = n
        self.denominator = d
    }

    /// Parses `12.345` (an optional `-`, digits, an optional fraction).
    public init?(decimal text: String) {
        var text = Substring(text)
        var negative = false
        if text.first == "-" {
            negative = true
            text = text.dropFirst()
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber)
        else { return nil }
        var n: Int64 = 0, d: Int64 = 1
        for ch in whole {
            guard let v = ch.wholeNumberValue else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(v))
            guard !o1, !o2 else { return nil }
            n = s
        }
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            for ch in fraction {
                guard let v = ch.wholeNumberValue else { return nil }
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(v))
                let (dd, o3) = d.multipliedReportingOverflow(by: 10)
                guard !o1, !o2, !o3 else { return nil }
                n = s
                d = dd
            }
        }
        self.init(negative ? -n : n, d)
    }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    public func adding(_ other: Rational) -> Rational? {
        let (a, o1) = numerator.multipliedReportingOverflow(by: other.denominator)
        let (b, o2) = other.numerator.multipliedReportingOverflow(by: denominator)
        let (n, o3) = a.addingReportingOverflow(b)
        let (d, o4) = denominator.multipliedReportingOverflow(by: other.denominator)
        guard !o1, !o2, !o3, !o4 else { return nil }
        return Rational(n, d)
    }

    public func subtracting(_ other: Rational) -> Rational? {
        guard other.numerator != .min else { return nil }
        return adding(Rational(unchecked: -other.numerator, other.denominator))
    }

    public func multiplied(by other: Rational) -> Rational? {
        let (n, o1) = numerator.multipliedReportingOverflow(by: other.numerator)
        let (d, o2) = denominator.multipliedReportingOverflow(by: other.denominator)
        guard !o1, !o2 else { return nil }
        return Rational(n, d)
    }

    public func divided(by other: Rational) -> Rational? {
        guard other.numerator != 0 else { return nil }
        let (n, o1) = numerator.multipliedReportingOverflow(by: other.denominator)
        let (d, o2) = denominator.multipliedReportingOverflow(by: other.numerator)
        guard !o1, !o2 else { return nil }
        return Rational(n, d)
    }

    private init(unchecked n: Int64, _ d: Int64) {
        numerator = n
        denominator = d
    }

    public enum Rounding: Sendable { case halfAwayFromZero, down, up }

    /// The nearest whole multiple of `step` (default 1) by `mode` (`down` = floor, `up` = ceiling).
    public func rounded(_ mode: Rounding, step: Int64 = 1) -> Int64? {
        guard step > 0 else { return nil }
        let (d, o) = denominator.multipliedReportingOverflow(by: step)
        guard !o else { return nil }
        var q = numerator / d
        let r = numerator % d
        switch mode {
        case .down: if r < 0 { q -= 1 }
        case .up: if r > 0 { q += 1 }
        case .halfAwayFromZero:
            let twice = r.magnitude.multipliedReportingOverflow(by: 2)
            if twice.overflow || twice.partialValue >= d.magnitude { q += r < 0 ? -1 : (r > 0 ? 1 : 0) }
        }
        let (value, o2) = q.multipliedReportingOverflow(by: step)
        return o2 ? nil : value
    }

    public static func < (lhs: Rational, rhs: Rational) -> Bool {
        // Compare with 128-bit products to avoid overflow.
        let l = lhs.numerator.multipliedFullWidth(by: rhs.denominator)
        let r = rhs.numerator.multipliedFullWidth(by: lhs.denominator)
        return (l.high, l.low) < (r.high, r.low)
    }

    public var description: String {
        denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)"
    }

    /// An exact decimal rendering when the denominator has no prime factors but 2 and 5
    /// (`0.01`, `0.5`, `0.125`), else `n/d`.
    public var decimalText: String {
        // d = 2^twos · 5^fives; then n/d = n · 5^(places−fives) · 2^(places−twos) / 10^places.
        var d = denominator, twos = 0, fives = 0
        while d % 2 == 0 { d /= 2; twos += 1 }
        while d % 5 == 0 { d /= 5; fives += 1 }
        guard d == 1 else { return description }
        let places = max(twos, fives)
        var scaled = numerator.magnitude
        for _ in 0..<(places - twos) {
            let (m, o) = scaled.multipliedReportingOverflow(by: 2)
            guard !o else { return description }
            scaled = m
        }
        for _ in 0..<(places - fives) {
            let (m, o) = scaled.multipliedReportingOverflow(by: 5)
            guard !o else { return description }
            scaled = m
        }
        let magnitude = String(scaled)
        let padded = magnitude.count <= places ? String(repeating: "0", count: places - magnitude.count + 1) + magnitude : magnitude
        let split = padded.index(padded.endIndex, offsetBy: -places)
        return (numerator < 0 ? "-" : "") + padded[..<split] + (places > 0 ? "." + padded[split...] : "")
    }
}
