import TepatCheck
import TepatEval
import TepatModel

/// An eligible subject waiting for allocation: only what ranking needs, so memory grows with
/// the eligible subjects, not the population.
public struct Candidate: Sendable {
    /// The subject's position in the run's output order (its row among all subjects).
    public var ordinal: Int
    /// Values of the policy's `order` keys.
    public var keys: [OrderValue]
    /// Values of each limit's `per` expression.
    public var limitKeys: [OrderValue]
    /// The subject's own key (NIK, application id) as the tie-breaker.
    public var subjectKey: OrderValue
    public var amount: Int64

    public init(ordinal: Int, keys: [OrderValue], limitKeys: [OrderValue], subjectKey: OrderValue, amount: Int64) {
        self.ordinal = ordinal
        self.keys = keys
        self.limitKeys = limitKeys
        self.subjectKey = subjectKey
        self.amount = amount
    }
}

/// What allocation decided for one candidate.
public enum Allocation: Sendable, Hashable {
    case accepted(rank: Int)
    /// Rejected by limit number `limit` (e.g. one per household).
    case limited(limit: Int, rank: Int)
    /// Beyond the quota (`byBudget == false`) or the budget.
    case waitlisted(rank: Int, byBudget: Bool)
}

/// Totals of one allocation, for summaries and reasons.
public struct AllocationTotals: Sendable, Hashable, Codable {
    public var accepted: Int = 0
    public var waitlisted: Int = 0
    public var limited: Int = 0
    public var amount: Int64 = 0
    public var quota: Int64?
    public var budget: Int64?

    public init() {}
}

/// Fills quota and budget in priority order (docs/policy-language.md §7): limits first, then
/// acceptance while both caps have room; from the first subject that does not fit, everyone
/// later is waitlisted, so the priority order is never jumped.
public enum Allocator {
    public static func allocate(_ candidates: [Candidate], policy: CheckedAllocation?) -> (results: [Allocation], totals: AllocationTotals) {
        allocate(CandidatePool(candidates), policy: policy)
    }

    public static func allocate(_ candidates: CandidatePool, policy: CheckedAllocation?) -> (results: [Allocation], totals: AllocationTotals) {
        var totals = AllocationTotals()
        totals.quota = policy?.quota?.max
        totals.budget = policy?.budget?.max
        var results = [Allocation](repeating: .accepted(rank: 0), count: candidates.count)
        let descending = policy?.order.map(\.descending) ?? []
        let order = (0..<candidates.count).sorted { candidates.compare($0, $1, descending: descending) < 0 }
        let limits = policy?.limits ?? []
        var used: [[OrderValue: Int64]] = Array(repeating: [:], count: limits.count)
        var rank = 0
        var full = false
        var fullByBudget = false
        var count: Int64 = 0
        for (position, index) in order.enumerated() {
            var limitedBy: Int?
            for (l, limit) in limits.enumerated() where l < candidates.limitCount {
                let key = candidates.limitKey(index, l)
                if key == .null { continue }
                if used[l][key, default: 0] >= limit.max {
                    limitedBy = l
                    break
                }
            }
            if let l = limitedBy {
                results[index] = .limited(limit: l, rank: position + 1)
                totals.limited += 1
                continue
            }
            for (l, _) in limits.enumerated() where l < candidates.limitCount && candidates.limitKey(index, l) != .null {
                used[l][candidates.limitKey(index, l), default: 0] += 1
            }
            rank += 1
            if !full {
                if let quota = totals.quota, count >= quota {
                    full = true
                } else if let budget = totals.budget {
                    let (next, overflow) = totals.amount.addingReportingOverflow(candidates.amounts[index])
                    if overflow || next > budget {
                        full = true
                        fullByBudget = true
                    }
                }
            }
            if full {
                results[index] = .waitlisted(rank: rank, byBudget: fullByBudget)
                totals.waitlisted += 1
            } else {
                results[index] = .accepted(rank: rank)
                totals.accepted += 1
                totals.amount &+= candidates.amounts[index]
                count += 1
            }
        }
        return (results, totals)
    }
}
