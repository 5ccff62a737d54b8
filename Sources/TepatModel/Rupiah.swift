/// Formatting of whole rupiah amounts the Indonesian way: `Rp999.936.000`.
public enum Rupiah {
    /// `Rp999.936.000`, `-Rp5.000`.
    public static func format(_ amount: Int64) -> String {
        (amount < 0 ? "-Rp" : "Rp") + grouped(amount.magnitude)
    }

    /// `6.120` — a count with Indonesian thousands separators.
    public static func count(_ value: Int) -> String {
        (value < 0 ? "-" : "") + grouped(UInt64(value.magnitude))
    }

    /// `1,234,567` with `separator` between groups of three digits.
    public static func grouped(_ value: UInt64, separator: Character = ".") -> String {
        let digits = Array(String(value).utf8)
        let mark = separator.asciiValue ?? UInt8(ascii: ".")
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + digits.count / 3)
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(mark) }
            out.append(d)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
