import TepatModel

/// A value as a person reads it, computed from a cell and its type. Rendering is per language.
public enum DisplayValue: Sendable, Hashable {
    case null
    case integer(Int64)
    /// An integer shown with thousands separators (ranks, counts in allocation texts).
    case count(Int64)
    case money(Int64)
    case decimal(Rational)
    case boolean(Bool)
    case date(Day)
    case month(Month)
    case text(String)
    case list([DisplayValue])

    public func text(_ language: Language) -> String {
        switch self {
        case .null: return language == .en ? "empty" : "kosong"
        case .integer(let v): return String(v)
        case .count(let v): return language == .en ? (v < 0 ? "-" : "") + Rupiah.grouped(v.magnitude, separator: ",") : Rupiah.count(Int(v))
        case .money(let v): return Rupiah.format(v)
        case .decimal(let r): return language == .en ? r.decimalText : r.decimalText.replacingOccurrences(of: ".", with: ",")
        case .boolean(let b): return language == .en ? (b ? "yes" : "no") : (b ? "ya" : "tidak")
        case .date(let d): return d.long(language)
        case .month(let m): return m.long(language)
        case .text(let s): return s
        case .list(let items): return items.map { $0.text(language) }.joined(separator: ", ")
        }
    }

    /// The plain machine form (`2025-03-01`, `168000`), for JSON.
    public var plain: String {
        switch self {
        case .null: return ""
        case .integer(let v), .count(let v), .money(let v): return String(v)
        case .decimal(let r): return r.decimalText
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return d.iso
        case .month(let m): return m.iso
        case .text(let s): return s
        case .list(let items): return items.map(\.plain).joined(separator: ",")
        }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
