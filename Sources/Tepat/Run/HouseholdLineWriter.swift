import TepatEval
import TepatModel
import TepatReport

/// Renders `households.csv` rows from tallies: the household's decision, the rule that rejected
/// it (or the rules, most frequent first) and one Indonesian sentence saying why.
struct HouseholdLineWriter {
    let language: Language
    let programField: [UInt8]
    let ruleIds: [String]
    let ruleTitles: [String?]
    let capId: String
    let noun: String
    private(set) var text: [UInt8] = []
    private(set) var rows = 0
    private(set) var decisions = DecisionCounts()

    init(program: ProgramRun, language: Language) {
        let checked = program.policy.checked
        self.language = language
        var field: [UInt8] = []
        field.append(csvField: Array(checked.id.utf8)[...])
        programField = field
        ruleIds = checked.rules.map(\.id) + (checked.allocation?.limits.map(\.id) ?? [])
        ruleTitles = checked.rules.map(\.title) + (checked.allocation?.limits.map { _ in nil } ?? [])
        capId = checked.allocation?.quota?.id ?? checked.allocation?.budget?.id ?? ""
        noun = program.layout.subject == program.layout.person ? (language == .en ? "member" : "anggota") : (language == .en ? "application" : "permohonan")
    }

    /// Hands over the rows written so far (to be written to the file).
    mutating func take() -> [UInt8] {
        defer { text.removeAll(keepingCapacity: true) }
        return text
    }

    /// Appends the row of one household (none when it has no subject); `key` writes its id field.
    mutating func write(_ t: HouseholdTally, reasons: ReasonPool, key: (inout [UInt8]) -> Void) {
        let c = t.counts
        let total = c.total
        guard total > 0 else { return }
        let en = language == .en
        var decision: String, rule = "", reason: String
        if c.accepted > 0 {
            decision = "accepted"
            decisions.accepted += 1
            reason = en ? "\(c.accepted) of \(total) \(noun)s accepted" : "\(c.accepted) dari \(total) \(noun) diterima"
        } else if c.waitlisted > 0 {
            decision = "waitlisted"
            decisions.waitlisted += 1
            rule = capId
            reason = reasons[t.firstWaitlist]
        } else if c.rejected > 0 {
            decision = "rejected"
            decisions.rejected += 1
            var byRule: [(slot: Int, count: Int)] = []
            for (r, n) in t.ruleCounts.enumerated() where n > 0 { byRule.append((r, Int(n))) }
            byRule.sort { $0.count != $1.count ? $0.count > $1.count : $0.slot < $1.slot }
            func id(_ slot: Int) -> String { slot < ruleIds.count ? ruleIds[slot] : "" }
            if byRule.count == 1, c.invalid == 0 {
                rule = id(byRule[0].slot)
                reason = reasons[t.firstReason]
            } else {
                rule = byRule.map { id($0.slot) }.joined(separator: ";")
                var parts = byRule.map { item -> String in
                    let title = item.slot < ruleTitles.count ? ruleTitles[item.slot] : nil
                    let what = title.map { en ? "fail “\($0)”" : "tidak memenuhi “\($0)”" } ?? (en ? "fail" : "tidak memenuhi")
                    return "\(item.count) \(noun) \(what) (\(id(item.slot)))"
                }
                if c.invalid > 0 { parts.append(en ? "\(c.invalid) \(noun) with invalid data" : "\(c.invalid) \(noun) dengan data tidak valid") }
                reason = parts.joined(separator: ", ")
            }
        } else {
            decision = "invalid"
            decisions.invalid += 1
            reason = en ? "\(c.invalid) \(noun) with invalid data" : "\(c.invalid) \(noun) dengan data tidak valid"
        }
        text.append(contentsOf: programField)
        text.append(44)
        key(&text)
        text.append(44)
        text.append(utf8: decision)
        text.append(44)
        text.append(csvField: Array(rule.utf8)[...])
        text.append(44)
        text.append(csvField: Array(reason.utf8)[...])
        text.append(44)
        text.append(integer: Int64(c.accepted))
        text.append(44)
        text.append(integer: t.amount)
        text.append(10)
        rows += 1
    }
}
