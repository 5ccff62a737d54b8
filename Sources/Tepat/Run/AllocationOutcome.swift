import TepatAllocate
import TepatModel
import TepatReport

/// What allocation decided for a program's candidates, kept on disk: the outcomes sorted by
/// input row (read alongside the spool when the decisions are written) and sorted by household
/// (merged into the household tallies), plus the counts the summary needs. Nothing here grows
/// with the candidates but the rare households known only by text.
struct AllocationOutcome {
    var totals: AllocationTotals
    /// Records `OutcomeRecord.byInput`, by input row.
    var byInput: SortedRecords
    /// Records `OutcomeRecord.byHousehold`: by household file row then input row (streamed
    /// runs), or by input row (whole runs, whose tallies take households in their subjects' order).
    var byHousehold: SortedRecords
    /// The summary's allocation counts.
    var counts = DecisionCounts()
    var amount: Int64 = 0
    var limitCounts: [Int]
    var waitlistedByQuota = 0
    var waitlistedByBudget = 0
    /// Per kecamatan slot (as `ProgramRun.groupCounts`).
    var groupCounts: [DecisionCounts] = []
    var groupAmounts: [Int64] = []
}

/// The records of `AllocationOutcome`: an outcome is two words, a code and the rank.
enum OutcomeRecord {
    /// Input row, candidate index, code, rank.
    static let byInputWords = 4
    /// Sort key (household row or input row), input row, candidate index, code, rank, amount,
    /// household key cell, household row.
    static let byHouseholdWords = 8

    /// 0 accepted, 1 waitlisted by the quota, 2 by the budget, 3 + l limited by limit l.
    static func code(_ result: Allocation) -> (code: UInt64, rank: UInt64) {
        switch result {
        case .accepted(let rank): (0, UInt64(bitPattern: Int64(rank)))
        case .waitlisted(let rank, let byBudget): (byBudget ? 2 : 1, UInt64(bitPattern: Int64(rank)))
        case .limited(let limit, let rank): (3 + UInt64(clamping: max(0, limit)), UInt64(bitPattern: Int64(rank)))
        }
    }

    static func allocation(code: UInt64, rank: UInt64) -> Allocation {
        let r = Int(Int64(bitPattern: rank))
        switch code {
        case 0: return .accepted(rank: r)
        case 1: return .waitlisted(rank: r, byBudget: false)
        case 2: return .waitlisted(rank: r, byBudget: true)
        default: return .limited(limit: Int(clamping: code - 3), rank: r)
        }
    }

    /// Signed values as order-preserving unsigned words.
    static func key(_ v: Int) -> UInt64 { UInt64(bitPattern: Int64(v)) ^ (1 << 63) }
    static func value(_ key: UInt64) -> Int { Int(Int64(bitPattern: key ^ (1 << 63))) }

    /// Then by the words at `from...` (input row, candidate index): a total order.
    static func compare(from: Int) -> ExternalSort.Compare {
        { a, b in
            if a[from] != b[from] { return a[from] < b[from] ? -1 : 1 }
            if a[from + 1] != b[from + 1] { return a[from + 1] < b[from + 1] ? -1 : 1 }
            return 0
        }
    }
}

/// An allocation outcome as `StreamLedger.forEachHousehold` merges it into a household's tally.
struct AllocatedSubject {
    var row: Int
    var key: Cell
    var result: Allocation
    var amount: Int64
}

extension ProgramRun {
    /// Allocates the candidates (on disk, see `CandidateStore`) and sorts the outcomes for the
    /// decisions and the household tallies; `byHouseholdRow` for streamed runs.
    func allocate(byHouseholdRow: Bool, background: Bool = false) throws(RunError) {
        // With `background`, the outcomes' runs are sorted and written beside the walk: two
        // buffers each, so runs of half the size keep memory where it was.
        func runRecords(words: Int) -> Int? {
            sortRunRecords ?? (background ? ExternalSort.defaultRunRecords(words: words) / 2 : nil)
        }
        let byInput = ExternalSort(
            words: OutcomeRecord.byInputWords, primary: 0, path: scratch + "-decisions", runRecords: runRecords(words: OutcomeRecord.byInputWords),
            background: background, compare: OutcomeRecord.compare(from: 0))
        let byHousehold = ExternalSort(
            words: OutcomeRecord.byHouseholdWords, primary: 0, path: scratch + "-households",
            runRecords: runRecords(words: OutcomeRecord.byHouseholdWords), background: background, compare: OutcomeRecord.compare(from: 1))
        let limits = policy.checked.allocation?.limits.count ?? 0
        var counts = DecisionCounts()
        var amount: Int64 = 0
        var limitCounts = [Int](repeating: 0, count: limits)
        var byQuota = 0, byBudget = 0
        var groupCounts: [DecisionCounts] = []
        var groupAmounts: [Int64] = []
        let totals: AllocationTotals
        do {
            totals = try candidates.allocate(policy: policy.checked.allocation, background: background) { record, result in
                let ordinal = OutcomeRecord.key(record.ordinal)
                let index = OutcomeRecord.key(record.index)
                let (code, rank) = OutcomeRecord.code(result)
                byInput.append { r in
                    r[0] = ordinal
                    r[1] = index
                    r[2] = code
                    r[3] = rank
                }
                let row = record.payload(PendingPayload.householdRow)
                byHousehold.append { r in
                    r[0] = byHouseholdRow ? OutcomeRecord.key(Int(row)) : ordinal
                    r[1] = ordinal
                    r[2] = index
                    r[3] = code
                    r[4] = rank
                    r[5] = UInt64(bitPattern: record.amount)
                    r[6] = UInt64(bitPattern: record.payload(PendingPayload.householdCell))
                    r[7] = UInt64(bitPattern: row)
                }
                // The summary's counts, per kecamatan too (order does not matter).
                let group = record.payload(PendingPayload.group)
                let g = group >= 0 && group < Int64(Int32.max) ? Int(group) + 1 : 0
                if g >= groupCounts.count {
                    groupCounts.append(contentsOf: repeatElement(DecisionCounts(), count: g + 1 - groupCounts.count))
                    groupAmounts.append(contentsOf: repeatElement(0, count: g + 1 - groupAmounts.count))
                }
                switch result {
                case .accepted:
                    counts.accepted += 1
                    amount &+= record.amount
                    groupCounts[g].accepted += 1
                    groupAmounts[g] &+= record.amount
                case .limited(let limit, _):
                    counts.rejected += 1
                    if limit >= 0, limit < limitCounts.count { limitCounts[limit] += 1 }
                    groupCounts[g].rejected += 1
                case .waitlisted(_, let budget):
                    counts.waitlisted += 1
                    if budget { byBudget += 1 } else { byQuota += 1 }
                    groupCounts[g].waitlisted += 1
                }
            }
            allocation = AllocationOutcome(
                totals: totals, byInput: try byInput.sorted(), byHousehold: try byHousehold.sorted(), counts: counts, amount: amount,
                limitCounts: limitCounts, waitlistedByQuota: byQuota, waitlistedByBudget: byBudget, groupCounts: groupCounts,
                groupAmounts: groupAmounts)
        } catch {
            throw RunError(error.message)
        }
    }
}
