import Foundation
import TepatAllocate
import TepatCheck
import TepatData
import TepatEval
import TepatModel
import TepatReport

/// An eligible subject waiting for allocation, with its output line pre-rendered in every
/// possible outcome (rank and amounts used are filled in afterwards).
struct PendingDecision: Sendable {
    var prefix: String
    var suffix: String
    var acceptRule: String
    var acceptReason: String
    var amount: Int64
    var limitReasons: [String]
    var quotaReason: String
    var budgetReason: String
    var householdRow: Int32
    var householdKey: String
    var group: Int32
    /// The rule trace for `decisions.jsonl` (empty for CSV).
    var trace: String = ""
}

/// One subject row's outcome, as the sequential merge needs it.
struct RowOutcome: Sendable {
    enum Kind: UInt8, Sendable { case accepted, rejected, invalid, pending }
    var kind: Kind
    var rule: Int32 = -1
    var top: Int32 = -1
    var householdRow: Int32 = -1
    var householdKey: String = ""
    var group: Int32 = -1
    var amount: Int64 = 0
    var reason: String = ""
    var acceptedBy: Int32 = -1
}

/// The result of evaluating a slice of a batch (in parallel with other slices).
struct SliceResult: Sendable {
    var text: [UInt8] = []
    var outcomes: [RowOutcome] = []
    var pending: [PendingDecision] = []
    var candidates: [Candidate] = []
    var firstInvalid: InvalidRecord?
}

/// Marker values rendered into allocation texts before the rank is known, then replaced.
enum AllocationMarkers {
    static let rank: Int64 = 987_654_321_012_345
    static let used: Int64 = 987_654_321_054_321

    static func context(quota: Int64, budget: Int64) -> AllocationContext {
        AllocationContext(rank: rank, quota: quota, budget: budget, used: used)
    }

    static func fill(_ text: String, rank: Int, used: Int64, language: Language) -> String {
        var out = text
        for l in [Language.id, .en] {
            out = out.replacingOccurrences(of: DisplayValue.count(Self.rank).text(l), with: DisplayValue.count(Int64(rank)).text(language))
            out = out.replacingOccurrences(of: DisplayValue.money(Self.used).text(l), with: DisplayValue.money(used).text(language))
        }
        return out
    }
}

/// The read-only part of a program's run: evaluates slices of a batch on any thread.
struct ProgramEvaluator: Sendable {
    let policy: CompiledPolicy
    let layout: SubjectLayout
    let language: Language
    let jsonl: Bool
    /// Position of each rule's top-level ancestor.
    let topPosition: [Int32]
    /// The kecamatan field of the household entity, when there is one.
    let groupField: Int?

    init(policy: CompiledPolicy, language: Language, jsonl: Bool) {
        self.policy = policy
        let checked = policy.checked
        layout = SubjectLayout(schema: checked.schema, subject: checked.subject)
        self.language = language
        self.jsonl = jsonl
        var top = [Int32](repeating: -1, count: checked.rules.count)
        for (position, index) in checked.topLevel.enumerated() {
            var stack = [index]
            while let r = stack.popLast() {
                top[r] = Int32(position)
                stack.append(contentsOf: checked.rules[r].children)
            }
        }
        topPosition = top
        groupField = layout.household.flatMap { checked.schema.entities[$0].fieldIndex(named: "kecamatan") }
    }

    var hasAllocation: Bool {
        guard let a = policy.checked.allocation else { return false }
        return !a.limits.isEmpty || a.quota != nil || a.budget != nil
    }

    // MARK: Evaluating a slice (runs in parallel; reads only)

    func evaluate(
        batch: RecordBatch, input: EvalInput, rows: Range<Int>, householdTable: Table?, linker: Linker, failOnError: Bool
    ) -> SliceResult {
        var result = SliceResult()
        result.outcomes.reserveCapacity(rows.count)
        let checked = policy.checked
        let program = checked.id
        let quota = checked.allocation?.quota?.max ?? 0
        let budget = checked.allocation?.budget?.max ?? 0
        let markers = AllocationMarkers.context(quota: quota, budget: budget)
        for i in rows {
            switch batch.rows[i] {
            case .invalid(let k):
                let record = batch.invalid[Int(k)]
                if failOnError, result.firstInvalid == nil { result.firstInvalid = record }
                let ids = layout.ids(record)
                let reason = record.reason(language)
                var outcome = RowOutcome(kind: .invalid)
                outcome.householdKey = ids.household
                if let h = layout.household, !ids.household.isEmpty, let row = linker.row(ofKey: ids.household, entity: h) {
                    outcome.householdRow = row
                    outcome.group = group(householdTable, Int(row))
                }
                outcome.reason = reason
                emit(&result.text, program, ids, "invalid", "", reason, 0, evaluation: nil)
                result.outcomes.append(outcome)
            case .valid(let r):
                let row = Int(r)
                let evaluation = policy.evaluate(input, row: row)
                let ids = layout.ids(input, row)
                var outcome = RowOutcome(kind: .rejected)
                let h = layout.householdRow(input, row)
                outcome.householdRow = Int32(h)
                outcome.householdKey = ids.household
                outcome.group = group(householdTable, h)
                if let fault = evaluation.fault {
                    outcome.kind = .invalid
                    outcome.reason = fault.reason(language)
                    emit(&result.text, program, ids, "invalid", "", outcome.reason, 0, evaluation: evaluation)
                } else if !evaluation.eligible {
                    outcome.rule = Int32(evaluation.decisive)
                    outcome.top = topPosition[evaluation.decisive]
                    outcome.reason = policy.rejectReason(evaluation.decisive, input, row, language)
                    emit(&result.text, program, ids, "rejected", policy.ruleId(evaluation.decisive), outcome.reason, 0, evaluation: evaluation)
                } else {
                    outcome.acceptedBy = Int32(evaluation.acceptedBy)
                    let rule = evaluation.acceptedBy >= 0 ? policy.ruleId(evaluation.acceptedBy) : ""
                    let reason = evaluation.acceptedBy >= 0
                        ? policy.acceptReason(evaluation.acceptedBy, input, row, language)
                        : (language == .en ? "Meets every requirement" : "Memenuhi semua syarat")
                    outcome.amount = evaluation.amount
                    if hasAllocation {
                        outcome.kind = .pending
                        let limits = (checked.allocation?.limits ?? []).indices.map { policy.limitReason($0, input, row, language, markers) }
                        result.pending.append(
                            PendingDecision(
                                prefix: CSV.field(program) + "," + CSV.field(ids.household) + "," + CSV.field(ids.person),
                                suffix: layout.ownKeyColumn ? "," + CSV.field(ids.own) : "",
                                acceptRule: rule, acceptReason: reason, amount: evaluation.amount, limitReasons: limits,
                                quotaReason: policy.waitlistReason(budget: false, input, row, language, markers),
                                budgetReason: policy.waitlistReason(budget: true, input, row, language, markers),
                                householdRow: Int32(h), householdKey: ids.household, group: outcome.group,
                                trace: jsonl ? DecisionJSON.trace(evaluation, policy: policy) : ""))
                        result.candidates.append(
                            Candidate(
                                ordinal: 0, keys: policy.orderKeys.map { $0(input, row) },
                                limitKeys: policy.limitKeys.map { f in
                                    let c = (try? f(input, row)) ?? .null
                                    return c == .null ? .null : .cell(c)
                                },
                                subjectKey: .text(ids.own), amount: evaluation.amount))
                        // A placeholder line: the k-th one in the spool is the k-th pending decision.
                        result.text.append(0)
                        result.text.append(10)
                    } else {
                        outcome.kind = .accepted
                        outcome.reason = reason
                        emit(&result.text, program, ids, "accepted", rule, reason, evaluation.amount, evaluation: evaluation)
                    }
                }
                result.outcomes.append(outcome)
            }
        }
        return result
    }

    private func group(_ households: Table?, _ row: Int) -> Int32 {
        guard let households, let f = groupField, row >= 0, row < households.count, households.loaded[f] else { return -1 }
        let c = households.columns[f][row]
        return c == .null ? -1 : Int32(c)
    }

    private func emit(
        _ out: inout [UInt8], _ program: String, _ ids: (household: String, person: String, own: String), _ decision: String,
        _ rule: String, _ reason: String, _ amount: Int64, evaluation: Evaluation?
    ) {
        if jsonl {
            out.append(contentsOf: DecisionJSON.line(
                program: program, ids: ids, ownKey: layout.ownKeyColumn, decision: decision, rule: rule, reason: reason, amount: amount,
                evaluation: evaluation, policy: policy).utf8)
            return
        }
        var line = CSV.field(program) + "," + CSV.field(ids.household) + "," + CSV.field(ids.person) + "," + decision + ","
        line += CSV.field(rule) + "," + CSV.field(reason) + "," + String(amount)
        if layout.ownKeyColumn { line += "," + CSV.field(ids.own) }
        line += "\n"
        out.append(contentsOf: line.utf8)
    }

}

/// Everything a run keeps about one program while the population streams through.
final class ProgramRun {
    let evaluator: ProgramEvaluator
    var policy: CompiledPolicy { evaluator.policy }
    var layout: SubjectLayout { evaluator.layout }
    var spool: AtomicFile
    var pending: [PendingDecision] = []
    var candidates: [Candidate] = []
    var counts = DecisionCounts()
    /// Rejections per rule index (decisive rule).
    var rejectedBy: [Int]
    /// Acceptances per `any` branch.
    var acceptedBy: [Int]
    /// Rejections at each top-level position (for the funnel).
    var rejectedAtTop: [Int]
    var validSubjects = 0
    var amount: Int64 = 0
    var groups: [Int32: (DecisionCounts, Int64)] = [:]
    var households: HouseholdTallies
    var allocation: (results: [Allocation], totals: AllocationTotals)?

    init(policy: CompiledPolicy, output: String, language: Language, jsonl: Bool, households: Int) throws(RunError) {
        evaluator = ProgramEvaluator(policy: policy, language: language, jsonl: jsonl)
        let checked = policy.checked
        spool = try AtomicFile(path: output + "/.spool-\(checked.id)")
        rejectedBy = Array(repeating: 0, count: checked.rules.count)
        acceptedBy = Array(repeating: 0, count: checked.rules.count)
        rejectedAtTop = Array(repeating: 0, count: checked.topLevel.count)
        self.households = HouseholdTallies(households: households, ruleSlots: checked.rules.count + (checked.allocation?.limits.count ?? 0) + 2)
    }

    var hasAllocation: Bool {
        guard let a = policy.checked.allocation else { return false }
        return !a.limits.isEmpty || a.quota != nil || a.budget != nil
    }

    // MARK: Merging a slice (sequential, in input order)

    func merge(_ slice: SliceResult) {
        spool.write(bytes: slice.text)
        let base = pending.count
        pending.append(contentsOf: slice.pending)
        for (k, var candidate) in slice.candidates.enumerated() {
            candidate.ordinal = base + k
            candidates.append(candidate)
        }
        for outcome in slice.outcomes {
            let slot = households.slot(row: Int(outcome.householdRow)) { outcome.householdKey }
            let skipHousehold = outcome.householdRow < 0 && outcome.householdKey.isEmpty
            switch outcome.kind {
            case .invalid:
                counts.invalid += 1
                if !skipHousehold { households.counts[slot].invalid += 1 }
                addGroup(outcome.group) { $0.invalid += 1 }
            case .rejected:
                counts.rejected += 1
                validSubjects += 1
                rejectedBy[Int(outcome.rule)] += 1
                if outcome.top >= 0 { rejectedAtTop[Int(outcome.top)] += 1 }
                if !skipHousehold { households.reject(slot, ruleSlot: Int(outcome.rule), reason: outcome.reason) }
                addGroup(outcome.group) { $0.rejected += 1 }
            case .accepted:
                counts.accepted += 1
                validSubjects += 1
                amount += outcome.amount
                if outcome.acceptedBy >= 0 { acceptedBy[Int(outcome.acceptedBy)] += 1 }
                if !skipHousehold {
                    households.counts[slot].accepted += 1
                    households.amount[slot] += outcome.amount
                }
                addGroup(outcome.group, amount: outcome.amount) { $0.accepted += 1 }
            case .pending:
                validSubjects += 1
                if outcome.acceptedBy >= 0 { acceptedBy[Int(outcome.acceptedBy)] += 1 }
                // Counted once allocation has decided.
                break
            }
        }
    }

    func addGroup(_ group: Int32, amount: Int64 = 0, _ update: (inout DecisionCounts) -> Void) {
        var entry = groups[group] ?? (DecisionCounts(), 0)
        update(&entry.0)
        entry.1 += amount
        groups[group] = entry
    }
}

