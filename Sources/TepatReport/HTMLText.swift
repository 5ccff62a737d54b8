/// Small helpers for hand-written HTML: escaping, CSS widths and anchors.
enum HTMLText {
    /// Text or attribute value with `&`, `<`, `>`, `"` and `'` escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A CSS width such as `61.25%` (`part` of `whole`, clamped to 0…100%, two decimals,
    /// integer arithmetic so that the output is the same on every machine).
    static func width(_ part: Int64, of whole: Int64) -> String {
        guard whole > 0, part > 0 else { return "0%" }
        let clamped = min(part, whole)
        let (product, overflow) = clamped.multipliedReportingOverflow(by: 20_000)
        let hundredths = overflow ? Int64((Double(clamped) * 10_000 / Double(whole)).rounded()) : (product + whole) / (2 * whole)
        let fraction = hundredths % 100
        return "\(hundredths / 100)" + (fraction == 0 ? "" : fraction < 10 ? ".0\(fraction)" : ".\(fraction)") + "%"
    }

    static func width(_ part: Int, of whole: Int) -> String { width(Int64(part), of: Int64(whole)) }

    /// An element id made of `[a-z0-9-_]` from any text.
    static func anchor(_ prefix: String, _ text: String) -> String {
        var out = prefix
        for scalar in text.lowercased().unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9", "-", "_": out.unicodeScalars.append(scalar)
            default: out += "-"
            }
        }
        return out
    }
}
