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
    /// The CSV field of an allocation reason: (limit, or nil for the cap; by budget; rank).
    let allocationField: (Int?, Bool, Int) -> [UInt8]
    /// Reason fields already escaped, by interned id.
    private var reasonFields: [Int32: [UInt8]] = [:]
    private var ruleFields: [[UInt8]]
    /// Sentence pieces as bytes: after a count, per rule slot (" anggota tidak memenuhi “Usia
    /// kerja” (usia)"), for invalid data, and around an acceptance ("1 dari 4 anggota diterima").
    private let afterCount: [[UInt8]]
    private let invalidPiece: [UInt8]
    private let acceptedOf: [UInt8]
    private let acceptedEnd: [UInt8]

    init(program: ProgramRun, language: Language, allocationField: @escaping (Int?, Bool, Int) -> [UInt8]) {
        self.allocationField = allocationField
        let checked = program.policy.checked
        self.language = language
        var field: [UInt8] = []
        field.append(csvField: Array(checked.id.utf8)[...])
        programField = field
        ruleIds = checked.rules.map(\.id) + (checked.allocation?.limits.map(\.id) ?? [])
        ruleTitles = checked.rules.map(\.title) + (checked.allocation?.limits.map { _ in nil } ?? [])
        capId = checked.allocation?.quota?.id ?? checked.allocation?.budget?.id ?? ""
        let en = language == .en
        let nounText = program.layout.subject == program.layout.person ? (language == .en ? "member" : "anggota") : (language == .en ? "application" : "permohonan")
        noun = nounText
        let ids = ruleIds, titles = ruleTitles
        afterCount = zip(ids, titles).map { id, title in
            let what = title.map { en ? "fail “\($0)”" : "tidak memenuhi “\($0)”" } ?? (en ? "fail" : "tidak memenuhi")
            return Array(" \(nounText) \(what) (\(id))".utf8)
        }
        invalidPiece = Array((en ? " \(nounText) with invalid data" : " \(nounText) dengan data tidak valid").utf8)
        acceptedOf = Array((en ? " of " : " dari ").utf8)
        acceptedEnd = Array((en ? " \(nounText)s accepted" : " \(nounText) diterima").utf8)
        ruleFields = ids.map { id in
            var f: [UInt8] = []
            f.append(csvField: Array(id.utf8)[...])
            return f
        }
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
        let decision: String
        var ruleField: [UInt8] = []
        var reasonField: [UInt8] = []
        func field(_ text: String) -> [UInt8] {
            var f: [UInt8] = []
            f.append(csvField: Array(text.utf8)[...])
            return f
        }
        var sentence: [UInt8] = []
        if c.accepted > 0 {
            decision = "accepted"
            decisions.accepted += 1
            sentence.append(integer: Int64(c.accepted))
            sentence.append(contentsOf: acceptedOf)
            sentence.append(integer: Int64(total))
            sentence.append(contentsOf: acceptedEnd)
            reasonField.append(csvField: sentence[...])
        } else if c.waitlisted > 0 {
            decision = "waitlisted"
            decisions.waitlisted += 1
            ruleField = field(capId)
            if let w = t.waitlist { reasonField = allocationField(nil, w.byBudget, w.rank) }
        } else if c.rejected > 0 {
            decision = "rejected"
            decisions.rejected += 1
            var byRule: [(slot: Int, count: Int)] = []
            for (r, n) in t.ruleCounts.enumerated() where n > 0 { byRule.append((r, Int(n))) }
            byRule.sort { $0.count != $1.count ? $0.count > $1.count : $0.slot < $1.slot }
            if byRule.count == 1, c.invalid == 0 {
                ruleField = byRule[0].slot < ruleFields.count ? ruleFields[byRule[0].slot] : []
                if t.firstReason >= 0 {
                    if let cached = reasonFields[t.firstReason] { reasonField = cached } else {
                        reasonField = field(reasons[t.firstReason])
                        reasonFields[t.firstReason] = reasonField
                    }
                } else if let l = t.limited {
                    reasonField = allocationField(l.limit, false, l.rank)
                }
            } else {
                var ids: [UInt8] = []
                for (i, item) in byRule.enumerated() where item.slot < ruleIds.count {
                    if i > 0 { ids.append(59) }
                    ids.append(contentsOf: ruleIds[item.slot].utf8)
                }
                ruleField.append(csvField: ids[...])
                for (i, item) in byRule.enumerated() where item.slot < afterCount.count {
                    if i > 0 { sentence.append(contentsOf: [44, 32]) }
                    sentence.append(integer: Int64(item.count))
                    sentence.append(contentsOf: afterCount[item.slot])
                }
                if c.invalid > 0 {
                    if !byRule.isEmpty { sentence.append(contentsOf: [44, 32]) }
                    sentence.append(integer: Int64(c.invalid))
                    sentence.append(contentsOf: invalidPiece)
                }
                reasonField.append(csvField: sentence[...])
            }
        } else {
            decision = "invalid"
            decisions.invalid += 1
            sentence.append(integer: Int64(c.invalid))
            sentence.append(contentsOf: invalidPiece)
            reasonField.append(csvField: sentence[...])
        }
        text.append(contentsOf: programField)
        text.append(44)
        key(&text)
        text.append(44)
        text.append(utf8: decision)
        text.append(44)
        text.append(contentsOf: ruleField)
        text.append(44)
        text.append(contentsOf: reasonField)
        text.append(44)
        text.append(integer: Int64(c.accepted))
        text.append(44)
        text.append(integer: t.amount)
        text.append(10)
        rows += 1
    }
}
