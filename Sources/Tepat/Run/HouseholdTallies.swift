import TepatModel
import TepatReport

/// Per program, what happened to the subjects of each household, for `households.csv`:
/// kept sparse (a slot per household that has subjects in the program) so a program with a few
/// hundred applications does not pay for a million households.
struct HouseholdTallies {
    /// Household table row → slot, or -1.
    var slotOfRow: [Int32]
    /// Households known only by text (their row is invalid or missing) → slot.
    var slotOfText: [String: Int32] = [:]
    /// Per slot: the household key as text (households known only by text) or "".
    var keys: [String] = []
    /// Per slot: the household table row, or -1.
    var rows: [Int32] = []
    var counts: [DecisionCounts] = []
    var amount: [Int64] = []
    /// Interned reason of the first rejected subject, or -1.
    var firstReason: [Int32] = []
    /// Allocation outcomes of the first waitlisted subject and the first limited one.
    var waitlist: [(rank: Int, byBudget: Bool)?] = []
    var limited: [(limit: Int, rank: Int)?] = []
    /// Per slot, rejection counts per rule slot (rules, then limits).
    var ruleCounts: [UInt16] = []
    let ruleSlots: Int
    var reasons = ReasonPool()

    init(households: Int, ruleSlots: Int) {
        slotOfRow = Array(repeating: -1, count: households)
        self.ruleSlots = ruleSlots
    }

    mutating func slot(row: Int, key: () -> String) -> Int {
        if row >= 0, row < slotOfRow.count {
            if slotOfRow[row] >= 0 { return Int(slotOfRow[row]) }
            let s = newSlot("")
            rows[s] = Int32(row)
            slotOfRow[row] = Int32(s)
            return s
        }
        let text = key()
        if let s = slotOfText[text] { return Int(s) }
        let s = newSlot(text)
        slotOfText[text] = Int32(s)
        return s
    }

    private mutating func newSlot(_ key: String) -> Int {
        keys.append(key)
        rows.append(-1)
        counts.append(DecisionCounts())
        amount.append(0)
        firstReason.append(-1)
        waitlist.append(nil)
        limited.append(nil)
        ruleCounts.append(contentsOf: repeatElement(0, count: ruleSlots))
        return keys.count - 1
    }

    mutating func reject(_ slot: Int, ruleSlot: Int, reason: () -> String) {
        counts[slot].rejected += 1
        if ruleSlot >= 0, ruleSlot < ruleSlots {
            let i = slot * ruleSlots + ruleSlot
            if ruleCounts[i] < .max { ruleCounts[i] += 1 }
        }
        if firstReason[slot] < 0 { firstReason[slot] = reasons.intern(reason()) }
    }

    /// The slots in output order: households by their row in the file, then households known
    /// only by text in the order their first subject came (as a streamed run writes them).
    var outputOrder: [Int] {
        let withRow = keys.indices.filter { rows[$0] >= 0 }.sorted { rows[$0] < rows[$1] }
        return withRow + keys.indices.filter { rows[$0] < 0 }
    }

    /// Replaces slot `slot` by `t` (allocation outcomes added at the end).
    mutating func set(_ slot: Int, _ t: HouseholdTally) {
        counts[slot] = t.counts
        amount[slot] = t.amount
        firstReason[slot] = t.firstReason
        waitlist[slot] = t.waitlist
        limited[slot] = t.limited
        for r in 0..<ruleSlots { ruleCounts[slot * ruleSlots + r] = t.ruleCounts[r] }
    }

    /// Slot `slot` as a tally.
    func tally(_ slot: Int) -> HouseholdTally {
        var t = HouseholdTally(ruleSlots: ruleSlots)
        t.counts = counts[slot]
        t.amount = amount[slot]
        t.firstReason = firstReason[slot]
        t.firstReasonRow = firstReason[slot] >= 0 ? 0 : Int.max
        t.waitlist = waitlist[slot]
        t.limited = limited[slot]
        for r in 0..<ruleSlots { t.ruleCounts[r] = ruleCounts[slot * ruleSlots + r] }
        return t
    }
}
