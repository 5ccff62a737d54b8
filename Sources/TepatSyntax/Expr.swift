import TepatModel

/// An expression as written in a policy: a tree whose every node keeps its source range.
/// Produced by `ExpressionParser`; resolved and typed by `TepatCheck`.
public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case integer(Int64)
        case money(Int64)
        case decimal(Rational)
        case string(String)
        case date(Day)
        case boolean(Bool)
        case null
        case list([Expr])
        /// A dotted name: `household.desil`, `iuran_bulanan.jkk`, `kepala_keluarga`.
        case name([NamePart])
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        case call(NamePart, [Expr])
        /// `count(household.members where age_on(as_of) >= 18)`
        case aggregate(AggregateKind, collection: Expr, condition: Expr?)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

public struct NamePart: Sendable, Hashable {
    public var name: String
    public var range: SourceRange

    public init(_ name: String, _ range: SourceRange) {
        self.name = name
        self.range = range
    }
}

public enum UnaryOperator: String, Sendable, Hashable {
    case not
    case negate = "-"
}

public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case `in`, notIn = "not in"
    case coalesce = "??"
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in, .notIn: true
        default: false
        }
    }

    public var isArithmetic: Bool { self == .add || self == .subtract || self == .multiply || self == .divide }
}

public enum AggregateKind: String, Sendable, Hashable {
    case count, any, all
}

extension Expr {
    /// The source text form of the expression, normalised (for explanations and tests).
    /// It parses back to the same tree: parentheses are kept wherever the tree needs them.
    public var text: String {
        switch kind {
        case .integer(let v): return String(v)
        case .money(let v): return Rupiah.format(v)
        case .decimal(let r): return r.decimalText
        case .string(let s): return "\"\(s)\""
        case .date(let d): return d.iso
        case .boolean(let b): return b ? "true" : "false"
        case .null: return "null"
        // List items are read above `??` (ExpressionParser.postfix).
        case .list(let items): return "[" + items.map { $0.bracketed(if: $0.level < 5) }.joined(separator: ", ") + "]"
        case .name(let parts): return parts.map(\.name).joined(separator: ".")
        case .unary(.not, let x): return "not \(x.bracketed(if: x.isBinary))"
        case .unary(.negate, let x): return "-\(x.bracketed(if: x.level < Self.negateLevel))"
        case .binary(let op, let l, let r):
            // Every binary operator is left-associative (comparisons do not chain at all), so the
            // left operand needs parentheses only when it binds more loosely (or, for a
            // comparison, equally), the right one whenever it does not bind more tightly.
            let level = ExpressionParser.precedence(of: op)
            let left = l.bracketed(if: l.level < level || (op.isComparison && l.level == level))
            let right = r.bracketed(if: r.level <= level)
            return "\(left) \(op.rawValue) \(right)"
        case .call(let f, let args): return "\(f.name)(" + args.map(\.text).joined(separator: ", ") + ")"
        case .aggregate(let k, let c, let cond):
            return "\(k.rawValue)(\(c.bracketed(if: c.level < Self.negateLevel))" + (cond.map { " where \($0.text)" } ?? "") + ")"
        }
    }

    /// The precedence levels of docs/policy-language.md §6 that are not binary operators.
    private static let notLevel = 3, negateLevel = 8, atomLevel = 10

    /// How tightly the expression binds as an operand: its operator's precedence level.
    private var level: Int {
        switch kind {
        case .binary(let op, _, _): ExpressionParser.precedence(of: op)
        case .unary(.not, _): Self.notLevel
        case .unary(.negate, _): Self.negateLevel
        default: Self.atomLevel
        }
    }

    private var isBinary: Bool {
        if case .binary = kind { return true }
        return false
    }

    private func bracketed(if needed: Bool) -> String { needed ? "(\(text))" : text }
}
