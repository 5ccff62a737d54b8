import TepatModel

/// What one evaluation reads: a table per schema entity (the subject's batch, the households,
/// the applications…), with links resolved to row numbers, and the policy's aggregate values
/// per host record. Built once per batch; evaluating a subject is then array reads only.
public struct EvalInput: Sendable {
    /// Indexed by entity (schema order). An entity that is not loaded has an empty table.
    public var tables: [Table]
    /// Per aggregate of the policy (`CompiledPolicy.aggregates`): its value per host row.
    public var aggregates: [[Cell]]

    public init(tables: [Table], aggregates: [[Cell]] = []) {
        self.tables = tables
        self.aggregates = aggregates
    }
}

/// A problem met while evaluating one subject on real data (an amount that overflows): the
/// subject becomes `invalid` with this reason; the run goes on.
public struct EvalFault: Error, Sendable, Hashable {
    public var message: String
    public var expression: String

    public init(message: String, expression: String) {
        self.message = message
        self.expression = expression
    }

    public func reason(_ language: Language) -> String {
        language == .en
            ? "Cannot be assessed: `\(expression)` \(message)"
            : "Tidak dapat dinilai: `\(expression)` \(message == "overflows" ? "melampaui batas angka" : message)"
    }
}

/// Up to 128 rules as bits: which failed, which could not be assessed.
public struct RuleSet: Sendable, Hashable {
    public var low: UInt64 = 0
    public var high: UInt64 = 0

    public init() {}

    @inlinable public mutating func insert(_ i: Int) {
        if i < 64 { low |= 1 << UInt64(i) } else { high |= 1 << UInt64(i - 64) }
    }

    @inlinable public func contains(_ i: Int) -> Bool {
        i < 64 ? low & (1 << UInt64(i)) != 0 : high & (1 << UInt64(i - 64)) != 0
    }

    public var isEmpty: Bool { low == 0 && high == 0 }

    public var indices: [Int] { (0..<128).filter(contains) }

    public static let capacity = 128
}
