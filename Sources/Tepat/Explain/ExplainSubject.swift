import Foundation
import TepatCheck
import TepatData
import TepatEval
import TepatModel
import TepatReport

/// One subject's explanation: decision, reason, every rule with its values, allocation, counterfactual.
extension ExplainSession {
    func subject(_ draft: SubjectDraft, policy: CompiledPolicy, lookup: AllocationLookup?) throws(ExplainError) -> SubjectExplanation {
        let checked = policy.checked
        let s = policy.subject
        let layout = SubjectLayout(schema: schema, subject: s)
        let applicationKey = layout.ownKeyColumn ? draft.ids.own : nil
        let row: Int, trace: SubjectTrace
        switch (draft.ref, draft.trace) {
        case (.valid(let r), let t?):
            row = r
            trace = t
        case (.invalid(let record), _):
            let error = dataError(record)
            return SubjectExplanation(
                key: draft.ids.own, personId: draft.ids.person, householdId: draft.ids.household, applicationId: applicationKey,
                name: slice.rawText(record, entity: s, field: schema.entities[s].fieldIndex(named: "name") ?? -1),
                location: record.file + ":" + String(record.line), decision: .invalid, rule: "", ruleTitle: nil, ruleLocation: nil,
                reason: error.text, amount: 0, amountText: Rupiah.format(0), acceptedBy: nil, allocation: nil, rules: [], counterfactual: nil,
                dataPeriod: nil, dataPeriodText: nil, dataErrors: [error])
        case (.valid, nil):
            throw ExplainError(.input, en ? "internal error: a subject was not traced" : "kesalahan internal: subjek tidak ditelusuri")
        }
        let input = draft.input
        let evaluation = trace.evaluation
        let table = input.tables[s]

        // Who the subject is, and the DTKS period of their household.
        var name: String?
        if let m = slice.member {
            var personRow = -1
            if s == m { personRow = row } else if let pl = layout.personLink { personRow = Int(table.links[pl][row]) }
            if personRow >= 0, let f = schema.entities[m].fieldIndex(named: "name") {
                let t = slice.text(m, row: personRow, field: f)
                name = t.isEmpty ? nil : t
            }
        }
        var period: Month?
        if let h = slice.household, let f = schema.entities[h].fieldIndex(named: "dtks_period") {
            let hr = layout.householdRow(input, row)
            if hr >= 0, input.tables[h].loaded[f], !input.tables[h].columns[f][hr].isNull { period = Month(ordinal: Int(input.tables[h].columns[f][hr])) }
        }

        // The decision before allocation.
        var decision: DecisionKind
        var rule = "", reason: String, amount: Int64 = 0
        var acceptedBy: String?
        var decisiveIndex = -1
        var allocation: AllocationInfo?
        if let fault = evaluation.fault {
            decision = .invalid
            reason = fault.reason(language)
        } else if !evaluation.eligible {
            decision = .rejected
            decisiveIndex = evaluation.decisive
            rule = policy.ruleId(evaluation.decisive)
            reason = policy.rejectReason(evaluation.decisive, input, row, language)
        } else {
            decision = .accepted
            amount = evaluation.amount
            if evaluation.acceptedBy >= 0 {
                decisiveIndex = evaluation.acceptedBy
                rule = policy.ruleId(evaluation.acceptedBy)
                acceptedBy = rule
                reason = policy.acceptReason(evaluation.acceptedBy, input, row, language)
            } else {
                reason = en ? "Meets every requirement" : "Memenuhi semua syarat"
            }
            if ExplainSession.allocates(policy), let lookup {
                let found = try allocated(draft, policy: policy, lookup: lookup, input: input, row: row)
                allocation = found.info
                decision = found.decision
                if decision != .accepted {
                    rule = found.rule
                    reason = found.reason
                    amount = 0
                    decisiveIndex = -1
                } else {
                    amount = found.amount
                }
            }
        }

        let rules = trace.rules.map { ruleExplanation($0, checked: checked, decisive: $0.rule == decisiveIndex) }
        var counterfactual: CounterfactualInfo?
        if decision == .rejected, !evaluation.eligible, evaluation.fault == nil {
            counterfactual = counterfactualInfo(policy.counterfactual(trace, input, row: row), trace: trace, checked: checked)
        }
        let decisiveRule = decisiveIndex >= 0 && decisiveIndex < checked.rules.count ? checked.rules[decisiveIndex] : nil
        var ruleLocation = decisiveRule.map { Self.location($0.range) }
        if ruleLocation == nil, !rule.isEmpty, let a = checked.allocation {
            // Decided by allocation: where the limit, quota or budget is written.
            let ranges = a.limits.map { ($0.id, $0.range) } + [a.quota, a.budget].compactMap { $0.map { ($0.id, $0.range) } }
            ruleLocation = ranges.first { $0.0 == rule }.map { Self.location($0.1) }
        }
        return SubjectExplanation(
            key: draft.ids.own, personId: draft.ids.person, householdId: draft.ids.household, applicationId: applicationKey, name: name,
            location: slice.location(s, line: table.lines[row]), decision: decision, rule: rule, ruleTitle: decisiveRule?.title,
            ruleLocation: ruleLocation, reason: reason, amount: amount, amountText: Rupiah.format(amount),
            acceptedBy: acceptedBy, allocation: allocation, rules: rules, counterfactual: counterfactual, dataPeriod: period?.iso,
            dataPeriodText: period?.long(language), dataErrors: [])
    }

    static func location(_ range: SourceRange) -> String { range.path + ":" + String(range.start.line) }

    // MARK: rules

    func ruleExplanation(_ t: RuleTrace, checked: CheckedPolicy, decisive: Bool) -> RuleExplanation {
        let rule = checked.rules[t.rule]
        var kind = "require", condition: String?
        switch rule.kind {
        case .require(let e): condition = e.text
        case .all: kind = "all"
        case .any: kind = "any"
        }
        let checks = t.checks.map { c in
            CheckExplanation(
                text: c.text, outcome: Self.outcome(c.outcome),
                values: c.operands.map { CheckValue(name: $0.text, role: $0.role.rawValue, value: $0.value.plain, display: $0.value.text(language)) })
        }
        return RuleExplanation(
            id: rule.id, title: rule.title, depth: t.depth, kind: kind, outcome: Self.outcome(t.outcome), decisive: decisive,
            location: Self.location(rule.range), file: rule.range.path, line: rule.range.start.line, reference: rule.reference,
            condition: condition, checks: checks)
    }

    static func outcome(_ o: RuleOutcome) -> OutcomeKind {
        switch o {
        case .pass: .pass
        case .fail: .fail
        case .unknown: .notAssessed
        }
    }

    // MARK: counterfactual

    func counterfactualInfo(_ c: Counterfactual, trace: SubjectTrace, checked: CheckedPolicy) -> CounterfactualInfo {
        let named = { (i: Int) in (id: checked.rules[i].id, title: checked.rules[i].title) }
        let remedies = c.remedies.map { remedy in
            RemedyInfo(
                rule: checked.rules[remedy.rule].id, title: checked.rules[remedy.rule].title,
                options: remedy.options.map { $0.map { changeInfo($0, trace: trace, checked: checked) } })
        }
        let missing = c.missingRecord
        return CounterfactualInfo(
            blocking: c.blocking.map { checked.rules[$0].id }, notAssessed: c.notAssessed.map { checked.rules[$0].id },
            unreadable: c.unreadable.map { checked.rules[$0].id }, singleBlocker: c.isSingleBlocker,
            text: ExplanationPhrases.blockers(
                c.blocking.map(named), notAssessed: c.notAssessed.map(named), unreadable: c.unreadable.map(named), missing: missing, language),
            remedies: remedies)
    }

    func changeInfo(_ change: SuggestedChange, trace: SubjectTrace, checked: CheckedPolicy) -> ChangeInfo {
        let check = trace.rules[change.rule].checks[change.check]
        var label = ExplanationPhrases.label(change.target.text, language)
        var current = change.target.value.plain
        var currentDisplay = change.target.value.text(language)
        var currentEmpty = change.target.value == .null
        var need = needInfo(change.need)
        // `present(deceased)`: the linked record is missing although its key is filled in.
        if case .linkPresent(let path) = check.expression.kind, change.need == .present {
            label = ExplanationPhrases.label(path.text, language)
            need = NeedInfo(op: "exists", values: [], display: [])
            current = ""
            currentDisplay = (en ? "not found (" : "tidak ditemukan (") + ExplanationPhrases.label(change.target.text, language) + " " + change.target.value.text(language) + ")"
            currentEmpty = false
        }
        var text = ExplanationPhrases.change(
            label: label, need: need, current: currentDisplay, currentIsEmpty: currentEmpty, qualifiesFrom: change.qualifiesFrom,
            never: change.never, isDate: change.target.expression.type == .date, language)
        if need.op == "exists" {
            text = en ? "\(label) must exist in the member data; now \(currentDisplay)" : "\(label) perlu ada dalam data anggota keluarga; saat ini \(currentDisplay)"
        }
        let fixed = change.correction.kind == .fixed
        return ChangeInfo(
            rule: checked.rules[change.rule].id, check: check.text, target: change.target.text, label: label, current: current,
            currentDisplay: currentDisplay, need: need, nearest: change.need == .absent ? nil : change.nearest?.plain,
            nearestDisplay: change.need == .absent ? nil : change.nearest?.text(language),
            qualifiesFrom: change.qualifiesFrom?.iso, never: change.never, correction: change.correction.kind.rawValue,
            source: change.correction.source, fields: change.correction.fields, sources: change.correction.sources, text: text,
            whereText: ExplanationPhrases.correction(
                fixed: fixed, source: change.correction.source, fields: change.correction.fields, sources: change.correction.sources, language))
    }

    func needInfo(_ need: Need) -> NeedInfo {
        func info(_ op: String, _ values: [DisplayValue]) -> NeedInfo {
            NeedInfo(op: op, values: values.map(\.plain), display: values.map { $0.text(language) })
        }
        switch need {
        case .compare(let op, let v): return info(op.rawValue, [v])
        case .within(let lo, let hi): return info("between", [lo, hi])
        case .oneOf(let items): return info("in", items)
        case .noneOf(let items): return info("not in", items)
        case .present: return info("present", [])
        case .absent: return info("absent", [])
        case .truth(let b): return info("is", [.boolean(b)])
        case .holds: return info("holds", [])
        }
    }

    // MARK: allocation

    struct Allocated {
        var decision: DecisionKind
        var rule: String
        var reason: String
        var amount: Int64
        var info: AllocationInfo
    }

    func allocated(_ draft: SubjectDraft, policy: CompiledPolicy, lookup: AllocationLookup, input: EvalInput, row: Int) throws(ExplainError) -> Allocated {
        let checked = policy.checked
        let layout = SubjectLayout(schema: schema, subject: policy.subject)
        let mine = lookup.rows.filter { r in
            r.program == checked.id && (layout.ownKeyColumn ? r.applicationId == draft.ids.own : r.personId == draft.ids.own)
        }
        guard let line = mine.first else {
            throw ExplainError(.runMismatch, en
                ? "the run's decisions.csv has no line for \(draft.ids.own) in program \(checked.id)"
                : "decisions.csv hasil run tidak memuat baris untuk \(draft.ids.own) pada program \(checked.id)")
        }
        let decision = DecisionKind(rawValue: line.decision) ?? .invalid
        let allocation = checked.allocation
        // The subject is eligible here: the run may only have decided it by allocation.
        let allocationIds = (allocation?.limits.map(\.id) ?? []) + [allocation?.quota?.id, allocation?.budget?.id].compactMap { $0 }
        guard decision == .accepted || allocationIds.contains(line.rule) else {
            throw ExplainError(.runMismatch, en
                ? "the run decided \(draft.ids.own) in \(checked.id) as \(line.decision) by `\(line.rule)`, but the files given now make it eligible: the run is not of these files and settings"
                : "run memutus \(draft.ids.own) pada \(checked.id) sebagai \(line.decision) oleh `\(line.rule)`, padahal berkas sekarang membuatnya memenuhi syarat: run itu bukan dari berkas dan pengaturan ini")
        }
        let program = lookup.summary?.programs.first { $0.program == checked.id }
        let accepted = program?.decisions.accepted
        var step = AllocationInfo.Step.accepted
        var kept: [KeptSubject] = []
        var rank: Int?
        if decision == .waitlisted {
            let byBudget = line.rule == allocation?.budget?.id && line.rule != allocation?.quota?.id
            step = byBudget ? .budget : .quota
            rank = AllocationLookup.rank(in: line.reason, policy: policy, input: input, row: row, budget: byBudget)
        } else if decision == .rejected, let limits = allocation?.limits, let l = limits.firstIndex(where: { $0.id == line.rule }) {
            step = .limit
            kept = keptSubjects(limit: limits[l], line: line, lookup: lookup, program: checked.id, layout: layout)
        }
        let info = AllocationInfo(
            step: step, id: step == .accepted ? nil : line.rule, rank: rank,
            cutoff: allocation?.quota != nil || allocation?.budget != nil ? accepted : nil, quota: allocation?.quota?.max,
            budget: allocation?.budget?.max, used: program?.budget?.used, kept: kept, reason: line.reason)
        return Allocated(decision: decision, rule: line.rule, reason: line.reason, amount: line.amount, info: info)
    }

    /// The subjects of the same group (household, deceased) that a limit kept before this one.
    func keptSubjects(limit: CheckedAllocation.Limit, line: RunDecisionLine, lookup: AllocationLookup, program: String, layout: SubjectLayout) -> [KeptSubject] {
        // The group is the limit's `per` value: the household key or the person link's key.
        var byPerson = false
        if case .field(let path) = limit.per.kind, path.links.steps.isEmpty, let pl = layout.personLink,
            schema.entities[layout.subject].links[pl].via == path.field
        {
            byPerson = true
        }
        let group = byPerson ? line.personId : line.householdId
        let own = layout.ownKeyColumn ? line.applicationId : line.personId
        var kept: [KeptSubject] = []
        for r in lookup.rows where r.program == program {
            let key = layout.ownKeyColumn ? r.applicationId : r.personId
            let rowGroup = byPerson ? r.personId : r.householdId
            guard rowGroup == group, key != own, r.decision == "accepted" || r.decision == "waitlisted" else { continue }
            let name = layout.ownKeyColumn ? nil : personName(r.personId)
            kept.append(KeptSubject(key: key, name: name, decision: DecisionKind(rawValue: r.decision) ?? .accepted))
        }
        return kept
    }

    func personName(_ nik: String) -> String? {
        guard let m = slice.member, let f = schema.entities[m].fieldIndex(named: "name") else { return nil }
        for r in rows(m) where slice.text(m, row: r, field: schema.entities[m].key) == nik {
            let t = slice.text(m, row: r, field: f)
            return t.isEmpty ? nil : t
        }
        return nil
    }
}
