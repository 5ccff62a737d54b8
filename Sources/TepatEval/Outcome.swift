import TepatModel

/// A rule's result for one subject, in three-valued logic.
public enum RuleOutcome: UInt8, Sendable, Hashable, Codable {
    case fail = 0, pass = 1
    /// A value the rule needs is missing because an earlier rule already failed.
    case unknown = 2

    @inlinable init(cell: Cell) {
        self = cell == .null ? .unknown : cell != 0 ? .pass : .fail
    }
}

/// The result of evaluating one subject against a policy's rules (before allocation).
public struct Evaluation: Sendable, Hashable {
    /// True when no rule failed: the subject goes on to allocation.
    public var eligible: Bool
    /// The first failing rule in order (for an `all` group, its first failing child); -1 when eligible.
    public var decisive: Int
    /// For an eligible subject: the passing branch of the first `any` group that let it in; -1 otherwise.
    public var acceptedBy: Int
    public var failing: RuleSet
    public var unknown: RuleSet
    /// The benefit for an eligible subject; 0 otherwise.
    public var amount: Int64
    /// Set when the subject could not be evaluated (an overflow on its data).
    public var fault: EvalFault?

    public init(eligible: Bool, decisive: Int, acceptedBy: Int, failing: RuleSet, unknown: RuleSet, amount: Int64, fault: EvalFault? = nil) {
        self.eligible = eligible
        self.decisive = decisive
        self.acceptedBy = acceptedBy
        self.failing = failing
        self.unknown = unknown
        self.amount = amount
        self.fault = fault
    }

    public func outcome(of rule: Int) -> RuleOutcome {
        failing.contains(rule) ? .fail : unknown.contains(rule) ? .unknown : .pass
    }
}
