import Foundation
import TepatAllocate
import TepatCheck
import TepatData
import TepatEval
import TepatModel
import TepatReport

/// Where a subject waiting for allocation stands, written beside its candidate record
/// (`PendingPayload`; the text key, when there is one, in `ProgramRun.householdTexts`).
struct PendingPlace: Sendable {
    /// The household's row: in the household table (whole runs) or its record index in the
    /// file (streamed runs, once merged); -1 when the household is not a valid record.
    var householdSlotRow: Int32
    /// The household key as read, for households that are not valid records.
    var householdKey: String?
    /// The household's key cell (streamed runs write late households from it).
    var householdCell: Cell = .null
    var group: Int32
}

/// One subject row's outcome, as the sequential merge needs it: numbers only, plus the byte
/// range of its reason in the slice's output (read for households.csv, at most once per household).
struct RowOutcome: Sendable {
    enum Kind: UInt8, Sendable { case accepted, rejected, invalid, pending, deferred }
    var kind: Kind
    var rule: Int32 = -1
    var top: Int32 = -1
    var householdRow: Int32 = -1
    /// Only for subjects whose household is not a valid row (its key as read).
    var householdKey: String?
    var group: Int32 = -1
    var amount: Int64 = 0
    var reason: Range<Int> = 0..<0
    var acceptedBy: Int32 = -1
    /// Where the row's line (or special record, see `SpoolBytes`) starts in the slice's text.
    var line = 0
}

/// The result of evaluating a slice of a batch (in parallel with other slices).
struct SliceResult: Sendable {
    var text: [UInt8] = []
    var outcomes: [RowOutcome] = []
    var candidates: [Candidate] = []
    var places: [PendingPlace] = []
    var firstInvalid: InvalidRecord?
    /// JSON Lines only: the reasons of rejected rows, by their index in `outcomes`.
    var jsonReasons: [(Int, String)] = []
    /// The batch row of `outcomes[0]`.
    var firstRow = 0
}

/// How the household rows of a slice's outcomes map to the households of `households.csv`.
enum HouseholdRef {
    /// Rows of the whole household table.
    case whole
    /// Rows of a streamed run's household window (with each row's record index and key).
    case window(fileRows: [Int], keys: [Cell])
    /// Rows of the households read again at the end of a streamed run, for deferred members.
    case late(fileRows: [Int], keys: [Cell])
}

/// Allocation texts are rendered before the rank is known, with these markers in place of
/// `{rank}` and `{used}`; the spool is finished by replacing them.
enum AllocationMarkers {
    static let rank: Int64 = 987_654_321_012_345
    static let used: Int64 = 987_654_321_054_321

    static func context(quota: Int64, budget: Int64) -> AllocationContext {
        AllocationContext(rank: rank, quota: quota, budget: budget, used: used)
    }

    static func bytes(_ value: DisplayValue, _ language: Language) -> [UInt8] {
        var out: [UInt8] = []
        value.write(into: &out, language)
        return out
    }

    /// The markers' bytes in one language, in memory that is never freed: two threads read them
    /// for every waitlisted line, and reading a shared Swift array retains and releases it.
    struct Bytes: @unchecked Sendable {
        let rank: UnsafeBufferPointer<UInt8>
        let used: UnsafeBufferPointer<UInt8>

        init(_ language: Language) {
            func immortal(_ bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
                let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
                _ = copy.initialize(from: bytes)
                return UnsafeBufferPointer(copy)
            }
            rank = immortal(AllocationMarkers.bytes(.count(AllocationMarkers.rank), language))
            used = immortal(AllocationMarkers.bytes(.money(AllocationMarkers.used), language))
        }
    }

    private static let indonesian = Bytes(.id)
    private static let english = Bytes(.en)

    static func markers(_ language: Language) -> Bytes {
        switch language {
        case .id: indonesian
        case .en: english
        }
    }

    /// Appends `line` to `out` with the markers replaced by the real rank and amount used,
    /// written in place (no intermediate arrays: this runs once per waitlisted subject).
    static func fill(_ line: UnsafeBufferPointer<UInt8>, rank: Int, used: Int64, language: Language, into out: inout [UInt8]) {
        let bytes = markers(language)
        let markers = (bytes.rank, bytes.used)
        var copied = 0
        // The next of each marker; only the one just replaced is looked for again (the markers
        // do not overlap, so the other's next place stands).
        var r = find(markers.0, in: line, from: 0), u = find(markers.1, in: line, from: 0)
        while r != nil || u != nil {
            let isRank = (r ?? Int.max) <= (u ?? Int.max)
            let at = (isRank ? r : u) ?? line.count
            out.append(contentsOf: UnsafeBufferPointer(rebasing: line[copied..<at]))
            (isRank ? DisplayValue.count(Int64(rank)) : .money(used)).write(into: &out, language)
            copied = at + (isRank ? markers.0.count : markers.1.count)
            if isRank { r = find(markers.0, in: line, from: copied) } else { u = find(markers.1, in: line, from: copied) }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: line[copied...]))
    }

    /// Where `marker` next occurs in `text` at or after `from`.
    private static func find(_ marker: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = text.baseAddress, let first = marker.first, let markerBase = marker.baseAddress else { return nil }
        var i = from
        // Jump from one occurrence of the marker's first byte to the next.
        while i + marker.count <= text.count, let hit = memchr(base + i, Int32(first), text.count - i) {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            guard at + marker.count <= text.count else { return nil }
            if memcmp(base + at, markerBase, marker.count) == 0 { return at }
            i = at + 1
        }
        return nil
    }
}

/// A key function of a policy, held by a class so that it is called through an unowned reference.
final class KeyFunction<Function: Sendable>: Sendable {
    let function: Function
    init(_ function: Function) { self.function = function }
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
    /// The CSV fields every line is written from, as plain values that threads read without
    /// reference counting (see `Frozen`); `constants` owns them.
    let programField: Frozen<UInt8>
    let ruleFields: Frozen<Frozen<UInt8>>
    private let constants: FrozenStore
    let hasAllocation: Bool
    /// Allocation reason fields (CSV-escaped, with rank markers) for texts that read no data,
    /// rendered once; nil where a text reads the record and is rendered per subject.
    let limitReasons: [[UInt8]?]
    let quotaReason: [UInt8]?
    let budgetReason: [UInt8]?
    /// CSV lines end with an empty `application_id` field: another program of the run has one.
    let padColumn: Bool
    /// The caps a pending line has alternatives for, in spool order after the limits
    /// (false: the quota, true: the budget).
    let caps: [Bool]
    /// The `rule` fields of a pending line's alternatives: each limit's id, each cap's id.
    let limitFields: Frozen<Frozen<UInt8>>
    let capFields: Frozen<Frozen<UInt8>>
    /// Per alternative of a pending line (each limit, then each cap): true when the spool
    /// holds its middle (its reason reads the record).
    let alternativeInSpool: Frozen<Bool>
    let decisionAccepted: Frozen<UInt8>
    let decisionRejected: Frozen<UInt8>
    let decisionWaitlisted: Frozen<UInt8>
    let decisionInvalid: Frozen<UInt8>
    /// The policy's order and limit keys, called through unowned references (see `Frozen`): a
    /// closure copied out of a shared array is retained by both threads, for every candidate.
    let orderKeys: Frozen<Unmanaged<KeyFunction<OrderKeyFunction>>>
    let limitKeys: Frozen<Unmanaged<KeyFunction<CellFunction>>>

    init(policy: CompiledPolicy, language: Language, jsonl: Bool, padColumn: Bool = false) {
        self.policy = policy
        let checked = policy.checked
        layout = SubjectLayout(schema: checked.schema, subject: checked.subject)
        self.padColumn = padColumn && !jsonl && !layout.ownKeyColumn
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
        var constants = FrozenStore()
        func field(_ text: String) -> Frozen<UInt8> {
            var out: [UInt8] = []
            out.append(csvField: Array(text.utf8)[...])
            return constants.freeze(out)
        }
        programField = field(checked.id)
        ruleFields = constants.freeze(checked.rules.map { field($0.id) })
        decisionAccepted = constants.freeze(Array("accepted,".utf8))
        decisionRejected = constants.freeze(Array("rejected,".utf8))
        decisionWaitlisted = constants.freeze(Array("waitlisted,".utf8))
        decisionInvalid = constants.freeze(Array("invalid,".utf8))
        orderKeys = constants.freeze(policy.orderKeys.map { constants.keep(KeyFunction($0)) })
        limitKeys = constants.freeze(policy.limitKeys.map { constants.keep(KeyFunction($0)) })
        if let a = checked.allocation { hasAllocation = !a.limits.isEmpty || a.quota != nil || a.budget != nil } else { hasAllocation = false }
        let markers = AllocationMarkers.context(quota: checked.allocation?.quota?.max ?? 0, budget: checked.allocation?.budget?.max ?? 0)
        let empty = EvalInput(tables: [])
        func once(_ template: CompiledTemplate?, fallback: () -> String) -> [UInt8]? {
            var text: [UInt8] = []
            if let template {
                guard !template.readsData else { return nil }
                template.render(into: &text, empty, 0, language, markers)
            } else {
                text.append(utf8: fallback())
            }
            var field: [UInt8] = []
            field.append(csvField: text[...])
            return field
        }
        limitReasons = (checked.allocation?.limits ?? []).indices.map { l in
            once(policy.allocationTemplate(limit: l)) { checked.allocation?.limits[l].id ?? "" }
        }
        var caps: [Bool] = []
        if checked.allocation?.quota != nil { caps.append(false) }
        if checked.allocation?.budget != nil { caps.append(true) }
        self.caps = caps
        limitFields = constants.freeze((checked.allocation?.limits ?? []).map { field($0.id) })
        capFields = constants.freeze(caps.map { field(($0 ? checked.allocation?.budget?.id : checked.allocation?.quota?.id) ?? "") })
        let quotaReason = once(policy.allocationTemplate(budget: false)) { policy.waitlistReason(budget: false, empty, 0, language, markers) }
        let budgetReason = once(policy.allocationTemplate(budget: true)) { policy.waitlistReason(budget: true, empty, 0, language, markers) }
        self.quotaReason = quotaReason
        self.budgetReason = budgetReason
        alternativeInSpool = constants.freeze(limitReasons.map { $0 == nil } + caps.map { ($0 ? budgetReason : quotaReason) == nil })
        self.constants = constants
    }



    // MARK: Evaluating a slice (runs in parallel; reads only)

    /// `householdOfKey` finds the household row of an invalid subject's household key as read;
    /// `deferred` lists (ascending) the batch rows decided later, written as a placeholder line;
    /// `ordinals` gives each batch row's record index when the batch is not a run of the file.
    func evaluate(
        batch: RecordBatch, input: EvalInput, rows: Range<Int>, householdTable: Table?, householdOfKey: (String) -> Int32?,
        failOnError: Bool, deferred: [Int] = [], ordinals: [Int]? = nil
    ) -> SliceResult {
        var result = SliceResult()
        result.firstRow = rows.lowerBound
        var nextDeferred = deferred.firstIndex { $0 >= rows.lowerBound } ?? deferred.count
        result.outcomes.reserveCapacity(rows.count)
        // Room for a typical line and its reason (about 200 bytes): growing a slice's text copies it all.
        result.text.reserveCapacity(rows.count * 256)
        let checked = policy.checked
        let quota = checked.allocation?.quota?.max ?? 0
        let budget = checked.allocation?.budget?.max ?? 0
        let markers = AllocationMarkers.context(quota: quota, budget: budget)
        for i in rows {
            let lineStart = result.text.count
            if nextDeferred < deferred.count, deferred[nextDeferred] == i {
                nextDeferred += 1
                result.text.append(SpoolBytes.deferred)
                result.outcomes.append(RowOutcome(kind: .deferred, line: lineStart))
                continue
            }
            switch batch.rows[i] {
            case .invalid(let k):
                let record = batch.invalid[Int(k)]
                if failOnError, result.firstInvalid == nil { result.firstInvalid = record }
                let ids = layout.ids(record)
                var outcome = RowOutcome(kind: .invalid, line: lineStart)
                if layout.household != nil, !ids.household.isEmpty, let row = householdOfKey(ids.household) {
                    outcome.householdRow = row
                    outcome.group = group(householdTable, Int(row))
                } else if !ids.household.isEmpty {
                    outcome.householdKey = ids.household
                }
                let reason = record.reason(language)
                if jsonl {
                    result.text.append(utf8: DecisionJSON.line(
                        program: checked.id, ids: ids, ownKey: layout.ownKeyColumn, decision: "invalid", rule: "", reason: reason, amount: 0,
                        evaluation: nil, policy: policy))
                } else {
                    result.text.append(programField)
                    for text in [ids.household, ids.person] {
                        result.text.append(44)
                        result.text.append(csvField: Array(text.utf8)[...])
                    }
                    result.text.append(utf8: ",invalid,,")
                    let start = result.text.count
                    result.text.append(csvField: Array(reason.utf8)[...])
                    outcome.reason = start..<result.text.count
                    result.text.append(utf8: ",0")
                    if layout.ownKeyColumn {
                        result.text.append(44)
                        result.text.append(csvField: Array(ids.own.utf8)[...])
                    }
                    if padColumn { result.text.append(44) }
                    result.text.append(10)
                }
                result.outcomes.append(outcome)
            case .valid(let r):
                let row = Int(r)
                let evaluation = policy.evaluate(input, row: row)
                var outcome = RowOutcome(kind: .rejected, line: lineStart)
                let h = layout.householdRow(input, row)
                outcome.householdRow = Int32(h)
                if h < 0 {
                    let key = layout.ids(input, row).household
                    if !key.isEmpty { outcome.householdKey = key }
                }
                outcome.group = group(householdTable, h)
                if jsonl {
                    evaluateJSON(evaluation, input, row, &outcome, &result, markers, ordinal: ordinals?[i] ?? batch.firstRecord + i)
                    result.outcomes.append(outcome)
                    continue
                }
                if let fault = evaluation.fault {
                    outcome.kind = .invalid
                    line(&result.text, input, row, decisionInvalid, Frozen(), amount: 0) { out in out.append(csvField: Array(fault.reason(language).utf8)[...]) }
                } else if !evaluation.eligible {
                    outcome.rule = Int32(evaluation.decisive)
                    outcome.top = topPosition[evaluation.decisive]
                    let rule = evaluation.decisive >= 0 && evaluation.decisive < ruleFields.count ? ruleFields[evaluation.decisive] : Frozen()
                    outcome.reason = line(&result.text, input, row, decisionRejected, rule, amount: 0) { out in
                        policy.writeRejectReasonField(evaluation.decisive, input, row, language, into: &out)
                    }
                } else {
                    outcome.acceptedBy = Int32(evaluation.acceptedBy)
                    outcome.amount = evaluation.amount
                    let rule = evaluation.acceptedBy >= 0 && evaluation.acceptedBy < ruleFields.count ? ruleFields[evaluation.acceptedBy] : Frozen()
                    let writeAccept: (inout [UInt8]) -> Void = { out in
                        if evaluation.acceptedBy >= 0 {
                            policy.writeAcceptReasonField(evaluation.acceptedBy, input, row, language, into: &out)
                        } else {
                            out.append(utf8: language == .en ? "Meets every requirement" : "Memenuhi semua syarat")
                        }
                    }
                    if hasAllocation {
                        outcome.kind = .pending
                        // Prefix and suffix once, the middle as accepted, then one middle per
                        // allocation outcome whose reason reads the record (see `SpoolBytes`).
                        result.text.append(SpoolBytes.pending)
                        var field = result.text.beginSpoolField()
                        appendPrefix(into: &result.text, input, row)
                        result.text.endSpoolField(field)
                        field = result.text.beginSpoolField()
                        appendSuffix(into: &result.text, input, row)
                        result.text.endSpoolField(field)
                        field = result.text.beginSpoolField()
                        middle(&result.text, decisionAccepted, rule, amount: evaluation.amount, writeAccept)
                        result.text.endSpoolField(field)
                        for l in 0..<limitFields.count {
                            field = result.text.beginSpoolField()
                            if alternativeInSpool[l] {
                                middle(&result.text, decisionRejected, limitFields[l], amount: 0) { out in
                                    out.append(csvField: Array(policy.limitReason(l, input, row, language, markers).utf8)[...])
                                }
                            }
                            result.text.endSpoolField(field)
                        }
                        for c in 0..<caps.count {
                            let byBudget = caps[c]
                            field = result.text.beginSpoolField()
                            if alternativeInSpool[limitFields.count + c] {
                                middle(&result.text, decisionWaitlisted, capFields[c], amount: 0) { out in
                                    out.append(csvField: Array(policy.waitlistReason(budget: byBudget, input, row, language, markers).utf8)[...])
                                }
                            }
                            result.text.endSpoolField(field)
                        }
                        result.candidates.append(candidate(input, row, evaluation, ordinal: ordinals?[i] ?? batch.firstRecord + i))
                        result.places.append(PendingPlace(householdSlotRow: Int32(h), householdKey: outcome.householdKey, group: outcome.group))
                    } else {
                        outcome.kind = .accepted
                        line(&result.text, input, row, decisionAccepted, rule, amount: evaluation.amount, writeAccept)
                    }
                }
                result.outcomes.append(outcome)
            }
        }
        return result
    }

    func candidate(_ input: EvalInput, _ row: Int, _ evaluation: Evaluation, ordinal: Int) -> Candidate {
        var keys: [OrderValue] = [], limits: [OrderValue] = []
        keys.reserveCapacity(orderKeys.count)
        limits.reserveCapacity(limitKeys.count)
        for k in 0..<orderKeys.count { keys.append(orderKeys[k]._withUnsafeGuaranteedRef { $0.function(input, row) }) }
        for l in 0..<limitKeys.count {
            let c = limitKeys[l]._withUnsafeGuaranteedRef { f in (try? f.function(input, row)) ?? .null }
            limits.append(c == .null ? .null : .cell(c))
        }
        return Candidate(ordinal: ordinal, keys: keys, limitKeys: limits, subjectKey: layout.subjectKey(input, row), amount: evaluation.amount)
    }

    /// `program,household_id,person_id,` of a valid row: the same for each alternative of a
    /// pending line, so written once.
    private func appendPrefix(into prefix: inout [UInt8], _ input: EvalInput, _ row: Int) {
        prefix.append(programField)
        prefix.append(44)
        layout.writeHousehold(into: &prefix, input, row)
        prefix.append(44)
        layout.writePerson(into: &prefix, input, row)
        prefix.append(44)
    }

    /// What follows the amount: `,application_id` or the padding comma.
    private func appendSuffix(into suffix: inout [UInt8], _ input: EvalInput, _ row: Int) {
        if layout.ownKeyColumn {
            suffix.append(44)
            layout.writeOwnKey(into: &suffix, input, row)
        }
        if padColumn { suffix.append(44) }
    }

    /// Writes one CSV decision line of a valid row (`decision` ends with its comma) straight into
    /// `out`; returns the byte range of the reason field.
    @discardableResult
    private func line(
        _ out: inout [UInt8], _ input: EvalInput, _ row: Int, _ decision: Frozen<UInt8>, _ ruleField: Frozen<UInt8>, amount: Int64,
        _ reason: (inout [UInt8]) -> Void
    ) -> Range<Int> {
        appendPrefix(into: &out, input, row)
        let range = middle(&out, decision, ruleField, amount: amount, reason)
        appendSuffix(into: &out, input, row)
        out.append(10)
        return range
    }

    /// Writes the middle of a decision line, `decision,rule,reason,amount`; returns the byte
    /// range of the reason field.
    @discardableResult
    private func middle(_ out: inout [UInt8], _ decision: Frozen<UInt8>, _ ruleField: Frozen<UInt8>, amount: Int64, _ reason: (inout [UInt8]) -> Void) -> Range<Int> {
        out.append(decision)
        out.append(ruleField)
        out.append(44)
        let start = out.count
        reason(&out)
        let end = out.count
        out.append(44)
        out.append(integer: amount)
        return start..<end
    }

    /// The middle of a pending line for allocation outcome `alternative` (each limit, then each
    /// cap) when its reason reads no data, with rank markers: left out of the spool, written here
    /// when the decisions are finished. Nil when the spool holds it (or in JSON Lines).
    func fixedMiddle(_ alternative: Int) -> [UInt8]? {
        guard !jsonl, alternative >= 0 else { return nil }
        let limits = limitFields.count
        if alternative < limits {
            guard let once = limitReasons[alternative] else { return nil }
            var out: [UInt8] = []
            middle(&out, decisionRejected, limitFields[alternative], amount: 0) { $0.append(contentsOf: once) }
            return out
        }
        let c = alternative - limits
        guard c < caps.count, let once = caps[c] ? budgetReason : quotaReason else { return nil }
        var out: [UInt8] = []
        middle(&out, decisionWaitlisted, capFields[c], amount: 0) { $0.append(contentsOf: once) }
        return out
    }


    /// `decisions.jsonl` lines (a slower path than CSV: JSON with the rule trace).
    private func evaluateJSON(
        _ evaluation: Evaluation, _ input: EvalInput, _ row: Int, _ outcome: inout RowOutcome, _ result: inout SliceResult, _ markers: AllocationContext,
        ordinal: Int
    ) {
        let checked = policy.checked
        let ids = layout.ids(input, row)
        func emit(_ decision: String, _ rule: String, _ reason: String, _ amount: Int64, into text: inout [UInt8]) {
            text.append(utf8: String(DecisionJSON.line(
                program: checked.id, ids: ids, ownKey: layout.ownKeyColumn, decision: decision, rule: rule, reason: reason, amount: amount,
                evaluation: evaluation, policy: policy).dropLast()))
        }
        if let fault = evaluation.fault {
            outcome.kind = .invalid
            emit("invalid", "", fault.reason(language), 0, into: &result.text)
            result.text.append(10)
        } else if !evaluation.eligible {
            outcome.rule = Int32(evaluation.decisive)
            outcome.top = topPosition[evaluation.decisive]
            let reason = policy.rejectReason(evaluation.decisive, input, row, language)
            emit("rejected", policy.ruleId(evaluation.decisive), reason, 0, into: &result.text)
            result.text.append(10)
            // households.csv needs the reason; JSON text is not CSV, so keep it beside.
            result.jsonReasons.append((result.outcomes.count, reason))
        } else {
            outcome.acceptedBy = Int32(evaluation.acceptedBy)
            outcome.amount = evaluation.amount
            let rule = evaluation.acceptedBy >= 0 ? policy.ruleId(evaluation.acceptedBy) : ""
            let reason = evaluation.acceptedBy >= 0 ? policy.acceptReason(evaluation.acceptedBy, input, row, language) : (language == .en ? "Meets every requirement" : "Memenuhi semua syarat")
            if hasAllocation {
                outcome.kind = .pending
                // Every version of a JSON line is written whole: empty prefix and suffix.
                result.text.append(SpoolBytes.pending)
                result.text.appendSpoolField([])
                result.text.appendSpoolField([])
                var field = result.text.beginSpoolField()
                emit("accepted", rule, reason, evaluation.amount, into: &result.text)
                result.text.endSpoolField(field)
                for (l, limit) in (checked.allocation?.limits ?? []).enumerated() {
                    field = result.text.beginSpoolField()
                    emit("rejected", limit.id, policy.limitReason(l, input, row, language, markers), 0, into: &result.text)
                    result.text.endSpoolField(field)
                }
                for byBudget in caps {
                    let cap = byBudget ? checked.allocation?.budget : checked.allocation?.quota
                    field = result.text.beginSpoolField()
                    emit("waitlisted", cap?.id ?? "", policy.waitlistReason(budget: byBudget, input, row, language, markers), 0, into: &result.text)
                    result.text.endSpoolField(field)
                }
                result.candidates.append(candidate(input, row, evaluation, ordinal: ordinal))
                result.places.append(PendingPlace(householdSlotRow: outcome.householdRow, householdKey: outcome.householdKey, group: outcome.group))
            } else {
                outcome.kind = .accepted
                emit("accepted", rule, reason, evaluation.amount, into: &result.text)
                result.text.append(10)
            }
        }
    }

    private func group(_ households: Table?, _ row: Int) -> Int32 {
        guard let households, let f = groupField, row >= 0, row < households.count, households.loaded[f] else { return -1 }
        let c = households.columns[f][row]
        return c == .null ? -1 : Int32(c)
    }
}

/// What a run stores beside each candidate record (`CandidateStore` payload words): where the
/// subject's household stands (`PendingPlace`).
enum PendingPayload {
    /// `PendingPlace.householdSlotRow`: a table row (whole runs) or file row (streamed), or -1.
    static let householdRow = 0
    static let householdCell = 1
    static let group = 2
    static let count = 3
}

/// Everything a run keeps about one program while the population streams through.
///
/// One thread at a time works on a program's run (the merging stage, then the finishing steps):
/// the tallies that every subject updates are marked `@exclusivity(unchecked)`, as the dynamic
/// exclusivity checks on them took some 0.3 s of CPU at 1M households.
final class ProgramRun {
    let evaluator: ProgramEvaluator
    var policy: CompiledPolicy { evaluator.policy }
    var layout: SubjectLayout { evaluator.layout }
    @exclusivity(unchecked) var spool: AtomicFile
    /// The subjects waiting for allocation, as fixed-size records on disk (with their places).
    let candidates: CandidateStore
    /// The household keys of candidates whose household is known only by text (rare), by
    /// candidate index.
    @exclusivity(unchecked) var householdTexts: [Int: String] = [:]
    /// Where the scratch files of allocation go (the output folder, names starting with `.`).
    let scratch: String
    /// Records per in-memory run of the external sorts (tests make it tiny); nil for the default.
    let sortRunRecords: Int?
    @exclusivity(unchecked) var counts = DecisionCounts()
    /// Rejections per rule index (decisive rule).
    @exclusivity(unchecked) var rejectedBy: [Int]
    /// Acceptances per `any` branch.
    @exclusivity(unchecked) var acceptedBy: [Int]
    /// Rejections at each top-level position (for the funnel).
    @exclusivity(unchecked) var rejectedAtTop: [Int]
    @exclusivity(unchecked) var validSubjects = 0
    @exclusivity(unchecked) var amount: Int64 = 0
    /// Per kecamatan (a household string id; slot 0 is "unknown"): decisions and amount.
    @exclusivity(unchecked) var groupCounts: [DecisionCounts] = []
    @exclusivity(unchecked) var groupAmounts: [Int64] = []
    @exclusivity(unchecked) var households: HouseholdTallies
    /// A streamed run's tallies (programs whose subjects are the streamed members).
    @exclusivity(unchecked) var ledger: StreamLedger?
    /// A streamed run's lines for deferred subjects, in input order (few; see `DeferredMembers`):
    /// each a decision line without its line break, or a pending record (see `SpoolBytes`).
    var deferredLines: [[UInt8]] = []
    /// What allocation decided, once it has run (`allocate`).
    var allocation: AllocationOutcome?

    init(
        policy: CompiledPolicy, output: String, language: Language, jsonl: Bool, households: Int, padColumn: Bool, sortRunRecords: Int? = nil
    ) throws(RunError) {
        evaluator = ProgramEvaluator(policy: policy, language: language, jsonl: jsonl, padColumn: padColumn)
        let checked = policy.checked
        spool = try AtomicFile(path: output + "/.spool-\(checked.id)")
        scratch = output + "/.allocation-\(checked.id)"
        self.sortRunRecords = sortRunRecords
        candidates = CandidateStore(
            policy: checked.allocation, subject: evaluator.layout.subjectKeySlot, payloadCount: PendingPayload.count, scratch: scratch,
            runRecords: sortRunRecords)
        rejectedBy = Array(repeating: 0, count: checked.rules.count)
        acceptedBy = Array(repeating: 0, count: checked.rules.count)
        rejectedAtTop = Array(repeating: 0, count: checked.topLevel.count)
        self.households = HouseholdTallies(households: households, ruleSlots: checked.rules.count + (checked.allocation?.limits.count ?? 0) + 2)
    }

    var hasAllocation: Bool { evaluator.hasAllocation }

    // MARK: Merging a slice (sequential, in input order)

    /// Merges a slice: its lines go to the spool (`deferredLines` for `.late` households), its
    /// outcomes to the counts and the household tallies. `ordinals` and `firstRecord` give the
    /// input row of each outcome, as in `ProgramEvaluator.evaluate`.
    func merge(_ slice: SliceResult, households ref: HouseholdRef = .whole, ordinals: [Int]? = nil, firstRecord: Int = 0) {
        if case .late = ref {
            for (i, outcome) in slice.outcomes.enumerated() {
                var end = i + 1 < slice.outcomes.count ? slice.outcomes[i + 1].line : slice.text.count
                if outcome.kind != .pending, end > outcome.line, slice.text[end - 1] == 10 { end -= 1 }
                deferredLines.append(Array(slice.text[outcome.line..<end]))
            }
        } else {
            writeFrame(slice)
        }
        // Candidates go to disk with their places (a candidate's index is its append order).
        for (candidate, var place) in zip(slice.candidates, slice.places) {
            switch ref {
            case .whole: break
            case .window(let fileRows, let keys), .late(let fileRows, let keys):
                if place.householdSlotRow >= 0 {
                    let r = Int(place.householdSlotRow)
                    place.householdCell = keys[r]
                    place.householdSlotRow = Int32(fileRows[r])
                }
            }
            if let key = place.householdKey { householdTexts[candidates.count] = key }
            candidates.append(
                candidate,
                payload: [Int64(place.householdSlotRow), place.householdCell, Int64(place.group)])
        }
        var jsonReasons = slice.jsonReasons.makeIterator()
        var nextJSON = jsonReasons.next()
        let windowed: Bool
        if case .window = ref { windowed = ledger != nil } else { windowed = false }
        for (index, outcome) in slice.outcomes.enumerated() {
            var jsonReason: String?
            if outcome.kind == .rejected, let (i, text) = nextJSON, i == index {
                jsonReason = text
                nextJSON = jsonReasons.next()
            }
            let subjectRow = ordinals?[slice.firstRow + index] ?? firstRecord + slice.firstRow + index
            if windowed, outcome.householdRow >= 0 {
                // The common case, kept free of closures: a streamed member of a held household.
                let row = Int(outcome.householdRow)
                switch outcome.kind {
                case .invalid: ledger!.invalidSubject(window: row)
                case .rejected:
                    if let jsonReason {
                        ledger!.reject(window: row, ruleSlot: Int(outcome.rule), subjectRow: subjectRow, reason: jsonReason)
                    } else {
                        ledger!.reject(window: row, ruleSlot: Int(outcome.rule), subjectRow: subjectRow, reasonField: slice.text[outcome.reason])
                    }
                case .accepted: ledger!.accept(window: row, amount: outcome.amount)
                case .pending, .deferred: break
                }
            } else if outcome.householdRow >= 0 || outcome.householdKey != nil {
                tally(outcome, ref: ref, subjectRow: subjectRow) { jsonReason ?? Self.csvText(slice.text[outcome.reason]) }
            }
            switch outcome.kind {
            case .invalid:
                counts.invalid += 1
                addGroup(outcome.group) { $0.invalid += 1 }
            case .rejected:
                counts.rejected += 1
                validSubjects += 1
                rejectedBy[Int(outcome.rule)] += 1
                if outcome.top >= 0 { rejectedAtTop[Int(outcome.top)] += 1 }
                addGroup(outcome.group) { $0.rejected += 1 }
            case .accepted:
                counts.accepted += 1
                validSubjects += 1
                amount += outcome.amount
                if outcome.acceptedBy >= 0 { acceptedBy[Int(outcome.acceptedBy)] += 1 }
                addGroup(outcome.group, amount: outcome.amount) { $0.accepted += 1 }
            case .pending:
                validSubjects += 1
                if outcome.acceptedBy >= 0 { acceptedBy[Int(outcome.acceptedBy)] += 1 }
            case .deferred:
                break
            }
        }
    }

    /// Writes a slice's text to the spool as one frame, with where its special records are.
    private func writeFrame(_ slice: SliceResult) {
        var header: [UInt8] = []
        var specials = 0
        for outcome in slice.outcomes where outcome.kind == .pending || outcome.kind == .deferred { specials += 1 }
        header.reserveCapacity(SpoolFrameHeader.size + specials * 8)
        SpoolFrameHeader(textBytes: slice.text.count, specials: specials, lines: slice.outcomes.count).write(into: &header)
        for outcome in slice.outcomes where outcome.kind == .pending || outcome.kind == .deferred {
            header.appendRaw(UInt64(outcome.line))
        }
        spool.write(bytes: header)
        spool.write(bytes: slice.text)
    }

    /// Adds a decided subject to its household's tally (pending ones wait for allocation).
    private func tally(_ outcome: RowOutcome, ref: HouseholdRef, subjectRow: Int, reason: () -> String) {
        guard outcome.kind != .pending, outcome.kind != .deferred else { return }
        let rule = Int(outcome.rule)
        func update(_ t: inout HouseholdTally, _ reasons: inout ReasonPool) {
            switch outcome.kind {
            case .invalid: t.counts.invalid += 1
            case .rejected: t.reject(ruleSlot: rule, subjectRow: subjectRow, reasons: &reasons, reason: reason)
            case .accepted:
                t.counts.accepted += 1
                t.amount += outcome.amount
            case .pending, .deferred: break
            }
        }
        let row = Int(outcome.householdRow)
        switch ref {
        case .whole:
            let slot = households.slot(row: row) { outcome.householdKey ?? "" }
            switch outcome.kind {
            case .invalid: households.counts[slot].invalid += 1
            case .rejected: households.reject(slot, ruleSlot: rule, reason: reason)
            case .accepted:
                households.counts[slot].accepted += 1
                households.amount[slot] += outcome.amount
            case .pending, .deferred: break
            }
        case .window:
            // Held households are tallied in `merge`; here only those known by text.
            if row < 0 { ledger?.textTally(outcome.householdKey ?? "", subjectRow: subjectRow, update) }
        case .late(let fileRows, let keys):
            if row < 0 {
                ledger?.textTally(outcome.householdKey ?? "", subjectRow: subjectRow, update)
            } else {
                ledger?.lateTally(fileRow: fileRows[row], key: keys[row], update)
            }
        }
    }

    /// The text of a CSV field as written (unquoted, quotes undoubled).
    static func csvText(_ field: ArraySlice<UInt8>) -> String {
        guard field.first == 34, field.count >= 2 else { return String(decoding: field, as: UTF8.self) }
        var out: [UInt8] = []
        var i = field.startIndex + 1
        while i < field.endIndex - 1 {
            out.append(field[i])
            if field[i] == 34 { i += 1 }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    func addGroup(_ group: Int32, amount: Int64 = 0, _ update: (inout DecisionCounts) -> Void) {
        let slot = Int(group) + 1
        if slot >= groupCounts.count {
            groupCounts.append(contentsOf: repeatElement(DecisionCounts(), count: slot - groupCounts.count + 1))
            groupAmounts.append(contentsOf: repeatElement(0, count: slot + 1 - groupAmounts.count))
        }
        update(&groupCounts[slot])
        groupAmounts[slot] += amount
    }
}
