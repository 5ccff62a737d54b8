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
    /// Writes the CSV field of an allocation reason: (limit, or nil for the cap; by budget; rank).
    let allocationField: (Int?, Bool, Int, inout [UInt8]) -> Void
    /// Whether that field reads the same at every rank: (limit, or nil for the cap; by budget).
    let allocationRankFree: (Int?, Bool) -> Bool
    private let limitCount: Int
    /// Per limit, then the quota, then the budget: the field once rendered when it reads the same
    /// at every rank (half a million waitlisted households share one text), and whether it
    /// was found not to.
    private var allocationFixed: [[UInt8]?]
    private var allocationVaries: [Bool]
    /// Reason fields already escaped, by interned id: one buffer, each field's start and end
    /// (start -1 when not yet escaped); no dictionary looked up per household.
    private var reasonBytes: [UInt8] = []
    private var reasonRanges: [(start: Int, end: Int)] = []
    private var ruleFields: [[UInt8]]
    private let ruleIdBytes: [[UInt8]]
    private let capField: [UInt8]
    /// Rules that rejected a household's subjects, most first: kept between households.
    private var byRule: [(slot: Int, count: Int)] = []
    /// Sentence pieces as bytes: after a count, per rule slot (" anggota tidak memenuhi “Usia
    /// kerja” (usia)"), for invalid data, and around an acceptance ("1 dari 4 anggota diterima").
    private let afterCount: [[UInt8]]
    private let invalidPiece: [UInt8]
    private let acceptedOf: [UInt8]
    private let acceptedEnd: [UInt8]
    /// What quoting those pieces and the rule ids ask of a field, known before it is written
    /// (counts are digits).
    private let afterCountCSV: [CSVBytes]
    private let ruleIdCSV: [CSVBytes]
    private let invalidCSV: CSVBytes
    private let acceptedCSV: CSVBytes

    init(
        program: ProgramRun, language: Language, allocationField: @escaping (Int?, Bool, Int, inout [UInt8]) -> Void,
        allocationRankFree: @escaping (Int?, Bool) -> Bool
    ) {
        self.allocationField = allocationField
        self.allocationRankFree = allocationRankFree
        let checked = program.policy.checked
        limitCount = checked.allocation?.limits.count ?? 0
        allocationFixed = Array(repeating: nil, count: limitCount + 2)
        allocationVaries = Array(repeating: false, count: limitCount + 2)
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
        ruleIdBytes = ids.map { Array($0.utf8) }
        afterCountCSV = afterCount.map { CSVBytes($0[...]) }
        ruleIdCSV = ruleIdBytes.map { CSVBytes($0[...]) }
        invalidCSV = CSVBytes(invalidPiece[...])
        acceptedCSV = CSVBytes(acceptedOf[...]).union(CSVBytes(acceptedEnd[...]))
        var cap: [UInt8] = []
        cap.append(csvField: Array(capId.utf8)[...])
        capField = cap
    }

    /// Hands over the rows written so far (to be written to the file).
    mutating func take() -> [UInt8] {
        defer { text.removeAll(keepingCapacity: true) }
        return text
    }

    /// Appends the row of one household (none when it has no subject); `key` writes its id field.
    /// Every field is written straight into `text` (and quoted there when it must be).
    mutating func write(_ t: HouseholdTally, reasons: ReasonPool, key: (inout [UInt8]) -> Void) {
        let c = t.counts
        let total = c.total
        guard total > 0 else { return }
        text.append(contentsOf: programField)
        text.append(44)
        key(&text)
        text.append(44)
        if c.accepted > 0 {
            decisions.accepted += 1
            append("accepted,,")
            let start = openField(acceptedCSV)
            text.append(integer: Int64(c.accepted))
            text.append(contentsOf: acceptedOf)
            text.append(integer: Int64(total))
            text.append(contentsOf: acceptedEnd)
            closeField(start, acceptedCSV)
        } else if c.waitlisted > 0 {
            decisions.waitlisted += 1
            append("waitlisted,")
            text.append(contentsOf: capField)
            text.append(44)
            if let w = t.waitlist { writeAllocationField(limit: nil, budget: w.byBudget, rank: w.rank) }
        } else if c.rejected > 0 {
            decisions.rejected += 1
            append("rejected,")
            byRule.removeAll(keepingCapacity: true)
            t.ruleCounts.withUnsafeBufferPointer { counts in
                for r in counts.indices where counts[r] > 0 {
                    // Most rejections first, then rule order (the slots come in rule order).
                    let item = (slot: r, count: Int(counts[r]))
                    var i = byRule.count
                    byRule.append(item)
                    while i > 0, byRule[i - 1].count < item.count {
                        byRule[i] = byRule[i - 1]
                        i -= 1
                    }
                    byRule[i] = item
                }
            }
            if byRule.count == 1, c.invalid == 0 {
                if byRule[0].slot < ruleFields.count { text.append(contentsOf: ruleFields[byRule[0].slot]) }
                text.append(44)
                if t.firstReason >= 0 {
                    writeReasonField(t.firstReason, reasons)
                } else if let l = t.limited {
                    writeAllocationField(limit: l.limit, budget: false, rank: l.rank)
                }
            } else {
                var ids: CSVBytes = []
                var sentence: CSVBytes = c.invalid > 0 ? invalidCSV : []
                for (i, item) in byRule.enumerated() {
                    if item.slot < ruleIdCSV.count { ids.formUnion(ruleIdCSV[item.slot]) }
                    if item.slot < afterCountCSV.count {
                        sentence.formUnion(afterCountCSV[item.slot])
                        if i > 0 { sentence.insert(.special) }  // ", " before it
                    }
                }
                if c.invalid > 0, !byRule.isEmpty { sentence.insert(.special) }
                var start = openField(ids)
                for (i, item) in byRule.enumerated() where item.slot < ruleIdBytes.count {
                    if i > 0 { text.append(59) }
                    text.append(contentsOf: ruleIdBytes[item.slot])
                }
                closeField(start, ids)
                text.append(44)
                start = openField(sentence)
                for (i, item) in byRule.enumerated() where item.slot < afterCount.count {
                    if i > 0 { append(", ") }
                    text.append(integer: Int64(item.count))
                    text.append(contentsOf: afterCount[item.slot])
                }
                if c.invalid > 0 {
                    if !byRule.isEmpty { append(", ") }
                    text.append(integer: Int64(c.invalid))
                    text.append(contentsOf: invalidPiece)
                }
                closeField(start, sentence)
            }
        } else {
            decisions.invalid += 1
            append("invalid,,")
            let start = openField(invalidCSV)
            text.append(integer: Int64(c.invalid))
            text.append(contentsOf: invalidPiece)
            closeField(start, invalidCSV)
        }
        text.append(44)
        text.append(integer: Int64(c.accepted))
        text.append(44)
        text.append(integer: t.amount)
        text.append(10)
        rows += 1
    }

    private mutating func append(_ literal: StaticString) {
        text.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Starts a field whose pieces ask `csv` of it: with its opening quote when it needs quotes
    /// and holds no quote; returns where its text starts.
    private mutating func openField(_ csv: CSVBytes) -> Int {
        if csv == .special { text.append(34) }
        return text.count
    }

    /// Ends the field `openField` started: a quote to close it, or its quotes doubled.
    private mutating func closeField(_ start: Int, _ csv: CSVBytes) {
        if csv == .special { text.append(34) } else if csv.contains(.quote) { quoteField(from: start) }
    }

    /// Makes `text[start...]` one CSV field, the bytes `append(csvField:)` would have written:
    /// quoted when it holds a comma, a quote or a line break, its quotes doubled.
    private mutating func quoteField(from start: Int) {
        text.quoteCSVField(from: start, holding: CSVBytes(text[start...]))
    }

    /// The first rejection's reason, escaped the first time its id is met.
    private mutating func writeReasonField(_ id: Int32, _ reasons: ReasonPool) {
        let i = Int(id)
        if i >= reasonRanges.count { reasonRanges.append(contentsOf: repeatElement((start: -1, end: -1), count: i + 1 - reasonRanges.count)) }
        if reasonRanges[i].start < 0 {
            let start = reasonBytes.count
            reasonBytes.append(csvField: Array(reasons[id].utf8)[...])
            reasonRanges[i] = (start, reasonBytes.count)
        }
        let range = reasonRanges[i]
        text.append(contentsOf: reasonBytes[range.start..<range.end])
    }

    /// An allocation reason's field: copied when it reads the same at every rank, else rendered.
    private mutating func writeAllocationField(limit: Int?, budget: Bool, rank: Int) {
        let slot = limit ?? (limitCount + (budget ? 1 : 0))
        guard slot >= 0, slot < allocationFixed.count else { return allocationField(limit, budget, rank, &text) }
        if let fixed = allocationFixed[slot] { return text.append(contentsOf: fixed) }
        let start = text.count
        allocationField(limit, budget, rank, &text)
        if !allocationVaries[slot] {
            if allocationRankFree(limit, budget) { allocationFixed[slot] = Array(text[start...]) } else { allocationVaries[slot] = true }
        }
    }
}
