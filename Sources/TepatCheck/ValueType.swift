import TepatModel

/// The static type of an expression. Nullability is tracked beside it (`TypedExpr.nullable`).
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case integer, money, decimal, boolean, string, date, month
    case digits(Int)
    case enumeration(EnumDomain)
    case list(ValueType)
    /// The type of the `null` literal.
    case null
    /// A link followed to its record (only meaningful inside `present(…)`).
    case record(entity: Int, name: String)

    public var description: String {
        switch self {
        case .integer: "integer"
        case .money: "money"
        case .decimal: "decimal"
        case .boolean: "boolean"
        case .string: "string"
        case .date: "date"
        case .month: "month"
        case .digits(let n): "digits(\(n))"
        case .enumeration(let d): "enum `\(d.name)`"
        case .list(let t): "list of \(t)"
        case .null: "null"
        case .record(_, let name): "record `\(name)`"
        }
    }

    public var isNumeric: Bool { self == .integer || self == .money || self == .decimal }
    public var isOrdered: Bool { isNumeric || self == .date || self == .month }

    public init(_ field: FieldType, name: String) {
        switch field {
        case .string: self = .string
        case .digits(let n): self = .digits(n)
        case .integer: self = .integer
        case .money: self = .money
        case .boolean: self = .boolean
        case .date: self = .date
        case .month: self = .month
        case .enumeration(let values): self = .enumeration(EnumDomain(name: name, values: values))
        }
    }
}

/// The codes of an enum field; two enum types are the same when their codes are.
public struct EnumDomain: Sendable, Hashable {
    public var name: String
    public var values: [String]

    public static func == (lhs: EnumDomain, rhs: EnumDomain) -> Bool { lhs.values == rhs.values }
    public func hash(into hasher: inout Hasher) { hasher.combine(values) }
}
