import Foundation
import TepatAllocate
import TepatCheck
import TepatData
import TepatEval
import TepatModel
import TepatReport

/// After the population has streamed: allocate, then write every output.
extension RunState {
    mutating func finish(workspace: Workspace, started: Date) throws(RunError) -> RunResult {
        for program in programs {
            program.spool.flush()
            program.allocation = Allocator.allocate(program.candidates, policy: program.policy.checked.allocation)
            program.candidates = []
        }
        let out = options.output
        var outputs: [String] = []
        var rowsWritten: [String: Int] = [:]
        let withOwnKey = programs.contains { $0.layout.ownKeyColumn }
        let decisionsName = options.format == .jsonl ? "decisions.jsonl" : "decisions.csv"
        let decisions = try AtomicFile(path: out + "/" + decisionsName)
        if options.format == .csv {
            decisions.write("program,household_id,person_id,decision,rule,reason,amount" + (withOwnKey ? ",application_id" : "") + "\n")
        }
        var decisionRows = 0
        for program in programs {
            decisionRows += try finishDecisions(program, into: decisions, padColumn: withOwnKey && !program.layout.ownKeyColumn)
        }
        try decisions.commit()
        outputs.append(decisionsName)
        rowsWritten[decisionsName] = decisionRows

        let householdsFile = try AtomicFile(path: out + "/households.csv")
        householdsFile.write("program,household_id,decision,rule,reason,accepted,amount\n")
        var householdRows = 0
        var householdCounts: [DecisionCounts] = []
        for program in programs {
            let (text, rows, counts) = householdLines(program)
            householdsFile.write(bytes: text)
            householdRows += rows
            householdCounts.append(counts)
        }
        try householdsFile.commit()
        outputs.append("households.csv")
        rowsWritten["households.csv"] = householdRows

        let summary = RunSummary(
            toolVersion: TepatVersion.current, population: options.population,
            programs: programs.enumerated().map { programSummary($0.element, households: householdCounts[$0.offset]) })
        do {
            try AtomicFile.write(String(decoding: try JSONCoding.encode(summary), as: UTF8.self) + "\n", to: out + "/summary.json")
        } catch let error as RunError { throw error } catch { throw RunError("cannot encode summary.json: \(error)") }
        outputs.append("summary.json")

        try AtomicFile.write("file,line,column,value,problem\n" + invalidLines.joined(), to: out + "/invalid.csv")
        outputs.append("invalid.csv")
        rowsWritten["invalid.csv"] = invalidLines.count

        var inputs: [RunManifest.InputFile] = []
        var seen = Set<String>()
        func add(_ path: String, _ role: String, rows: Int? = nil) {
            guard seen.insert(path).inserted, let digest = FileDigest.sha256(path) else { return }
            inputs.append(.init(path: path, role: role, sha256: digest, rows: rows))
        }
        for policy in compiled { for file in policy.checked.files { add(file, "policy") } }
        add(schema.path, "schema")
        for policy in compiled { for calendar in policy.checked.calendars { add(calendar.path, "calendar") } }
        for file in folder.files.compactMap({ $0 }) { add(file.path, "population", rows: rowsRead[file.name] ?? 0) }
        let formatter = ISO8601DateFormatter()
        rowsWritten["households.csv"] = householdRows
        let manifest = RunManifest(
            tool: "tepat", toolVersion: TepatVersion.current, startedAt: formatter.string(from: started), finishedAt: formatter.string(from: Date()),
            jobs: options.jobs, population: options.population, programs: compiled.map(\.id), inputs: inputs, rowsRead: rowsRead,
            rowsWritten: rowsWritten, invalidRows: invalidLines.count)
        let manifestText: String
        do { manifestText = String(decoding: try JSONCoding.encode(manifest), as: UTF8.self) + "\n" } catch { throw RunError("cannot encode manifest.json: \(error)") }
        try AtomicFile.write(HTMLReport.render(summary, manifest: manifestText, language: options.language), to: out + "/report.html")
        outputs.append("report.html")
        try AtomicFile.write(manifestText, to: out + "/manifest.json")
        outputs.append("manifest.json")
        return RunResult(summary: summary, manifest: manifest, outputs: outputs)
    }

    // MARK: decisions

    /// Copies a program's spool into the decisions file, choosing for each pending line the
    /// alternative allocation decided and filling in rank and amount used.
    func finishDecisions(_ program: ProgramRun, into file: AtomicFile, padColumn: Bool) throws(RunError) -> Int {
        try program.spool.commit()
        let path = program.spool.path
        defer { unlink(path) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RunError("cannot read back \(path)") }
        defer { try? handle.close() }
        var pendingIndex = 0
        var rows = 0
        var carry: [UInt8] = []
        let results = program.allocation?.results ?? []
        let totals = program.allocation?.totals ?? AllocationTotals()
        let limits = program.policy.checked.allocation?.limits.count ?? 0
        let jsonl = program.evaluator.jsonl
        while true {
            let data = handle.readData(ofLength: 4 << 20)
            if data.isEmpty { break }
            carry.append(contentsOf: data)
            var out: [UInt8] = []
            out.reserveCapacity(carry.count + 4096)
            var start = 0
            while let newline = carry[start...].firstIndex(of: 10) {
                var line = carry[start..<newline]
                if line.first == SpoolBytes.pending {
                    line = line.dropFirst()
                    let result = pendingIndex < results.count ? results[pendingIndex] : .accepted(rank: 0)
                    pendingIndex += 1
                    // The alternatives are separated by 0x01: pick the one allocation decided.
                    let wanted: Int
                    var rank = 0
                    switch result {
                    case .accepted: wanted = 0
                    case .limited(let limit, let r):
                        wanted = 1 + limit
                        rank = r
                    case .waitlisted(let r, let byBudget):
                        wanted = 1 + limits + (program.evaluator.caps.firstIndex(of: byBudget) ?? 0)
                        rank = r
                    }
                    var from = line.startIndex
                    var index = 0
                    while index < wanted, let separator = line[from...].firstIndex(of: SpoolBytes.alternative) {
                        from = separator + 1
                        index += 1
                    }
                    let to = line[from...].firstIndex(of: SpoolBytes.alternative) ?? line.endIndex
                    if wanted == 0 { out.append(contentsOf: line[from..<to]) } else {
                        out.append(contentsOf: AllocationMarkers.fill(line[from..<to], rank: rank, used: totals.amount, language: options.language))
                    }
                } else {
                    out.append(contentsOf: line)
                }
                if padColumn && !jsonl { out.append(44) }
                out.append(10)
                rows += 1
                start = newline + 1
            }
            carry.removeFirst(start)
            file.write(bytes: out)
        }
        return rows
    }

    // MARK: households

    func householdLines(_ program: ProgramRun) -> ([UInt8], Int, DecisionCounts) {
        var tallies = program.households
        let checked = program.policy.checked
        let results = program.allocation?.results ?? []
        let totals = program.allocation?.totals ?? AllocationTotals()
        let language = options.language
        let ruleCount = checked.rules.count
        let evaluator = program.evaluator
        // Allocation texts that read no data are rendered here; the others fall back to the cap's id.
        func allocationText(limit: Int? = nil, budget: Bool = false, rank: Int) -> String {
            let context = AllocationContext(rank: Int64(rank), quota: checked.allocation?.quota?.max ?? 0, budget: checked.allocation?.budget?.max ?? 0, used: totals.amount)
            if let template = evaluator.policy.allocationTemplate(limit: limit, budget: budget), !template.readsData {
                return template.render(EvalInput(tables: []), 0, language, context)
            }
            if limit == nil { return evaluator.policy.waitlistReason(budget: budget, EvalInput(tables: []), 0, language, context) }
            return limit.flatMap { checked.allocation?.limits[$0].id } ?? ""
        }
        for (k, place) in program.places.enumerated() where k < results.count {
            if place.householdSlotRow < 0 && place.householdKey == nil { continue }
            let slot = tallies.slot(row: Int(place.householdSlotRow)) { place.householdKey ?? "" }
            switch results[k] {
            case .accepted:
                tallies.counts[slot].accepted += 1
                tallies.amount[slot] += program.candidatesAmount(k)
            case .limited(let limit, let rank):
                tallies.reject(slot, ruleSlot: ruleCount + limit) { allocationText(limit: limit, rank: rank) }
            case .waitlisted(let rank, let byBudget):
                tallies.counts[slot].waitlisted += 1
                if tallies.firstWaitlist[slot] < 0 {
                    tallies.firstWaitlist[slot] = tallies.reasons.intern(allocationText(budget: byBudget, rank: rank))
                }
            }
        }
        let limitIds = checked.allocation?.limits.map(\.id) ?? []
        let capId = checked.allocation?.quota?.id ?? checked.allocation?.budget?.id ?? ""
        func ruleId(_ slot: Int) -> String { slot < ruleCount ? checked.rules[slot].id : (slot - ruleCount < limitIds.count ? limitIds[slot - ruleCount] : "") }
        func ruleTitle(_ slot: Int) -> String? { slot < ruleCount ? checked.rules[slot].title : nil }
        let noun = program.layout.subject == program.layout.person ? (language == .en ? "member" : "anggota") : (language == .en ? "application" : "permohonan")
        var text: [UInt8] = []
        text.reserveCapacity(tallies.keys.count * 100)
        var programField: [UInt8] = []
        programField.append(csvField: Array(checked.id.utf8)[...])
        let keyEntity = household.map { schema.entities[$0] }
        var rows = 0
        var decisions = DecisionCounts()
        for slot in tallies.keys.indices {
            let c = tallies.counts[slot]
            let total = c.total
            guard total > 0 else { continue }
            var decision: String, rule = "", reason: String
            if c.accepted > 0 {
                decision = "accepted"
                decisions.accepted += 1
                reason = language == .en ? "\(c.accepted) of \(total) \(noun)s accepted" : "\(c.accepted) dari \(total) \(noun) diterima"
            } else if c.waitlisted > 0 {
                decision = "waitlisted"
                decisions.waitlisted += 1
                rule = capId
                reason = tallies.reasons[tallies.firstWaitlist[slot]]
            } else if c.rejected > 0 {
                decision = "rejected"
                decisions.rejected += 1
                var byRule: [(slot: Int, count: Int)] = []
                for r in 0..<tallies.ruleSlots where tallies.ruleCounts[slot * tallies.ruleSlots + r] > 0 {
                    byRule.append((r, Int(tallies.ruleCounts[slot * tallies.ruleSlots + r])))
                }
                byRule.sort { $0.count != $1.count ? $0.count > $1.count : $0.slot < $1.slot }
                if byRule.count == 1, c.invalid == 0 {
                    rule = ruleId(byRule[0].slot)
                    reason = tallies.reasons[tallies.firstReason[slot]]
                } else {
                    rule = byRule.map { ruleId($0.slot) }.joined(separator: ";")
                    var parts = byRule.map { item -> String in
                        let what = ruleTitle(item.slot).map { language == .en ? "fail “\($0)”" : "tidak memenuhi “\($0)”" } ?? (language == .en ? "fail" : "tidak memenuhi")
                        return "\(item.count) \(noun) \(what) (\(ruleId(item.slot)))"
                    }
                    if c.invalid > 0 { parts.append(language == .en ? "\(c.invalid) \(noun) with invalid data" : "\(c.invalid) \(noun) dengan data tidak valid") }
                    reason = parts.joined(separator: ", ")
                }
            } else {
                decision = "invalid"
                decisions.invalid += 1
                reason = language == .en ? "\(c.invalid) \(noun) with invalid data" : "\(c.invalid) \(noun) dengan data tidak valid"
            }
            text.append(contentsOf: programField)
            text.append(44)
            if let h = household, let e = keyEntity, tallies.rows[slot] >= 0 {
                program.layout.write(cell: tables[h].columns[e.key][Int(tallies.rows[slot])], type: e.fields[e.key].type, table: tables[h], into: &text)
            } else {
                text.append(csvField: Array(tallies.keys[slot].utf8)[...])
            }
            text.append(44)
            text.append(utf8: decision)
            text.append(44)
            text.append(csvField: Array(rule.utf8)[...])
            text.append(44)
            text.append(csvField: Array(reason.utf8)[...])
            text.append(44)
            text.append(integer: Int64(c.accepted))
            text.append(44)
            text.append(integer: tallies.amount[slot])
            text.append(10)
            rows += 1
        }
        return (text, rows, decisions)
    }

    // MARK: summary

    func programSummary(_ program: ProgramRun, households: DecisionCounts) -> ProgramSummary {
        let checked = program.policy.checked
        var counts = program.counts
        var amount = program.amount
        var byRule: [RuleCount] = []
        var groupCounts = program.groupCounts
        var groupAmounts = program.groupAmounts
        let results = program.allocation?.results ?? []
        let totals = program.allocation?.totals ?? AllocationTotals()
        var limitCounts = [Int](repeating: 0, count: checked.allocation?.limits.count ?? 0)
        var waitQuota = 0, waitBudget = 0
        for (k, place) in program.places.enumerated() where k < results.count {
            let g = Int(place.group) + 1
            if g >= groupCounts.count {
                groupCounts.append(contentsOf: repeatElement(DecisionCounts(), count: g + 1 - groupCounts.count))
                groupAmounts.append(contentsOf: repeatElement(0, count: g + 1 - groupAmounts.count))
            }
            switch results[k] {
            case .accepted:
                counts.accepted += 1
                let a = program.candidatesAmount(k)
                amount += a
                groupCounts[g].accepted += 1
                groupAmounts[g] += a
            case .limited(let limit, _):
                counts.rejected += 1
                limitCounts[limit] += 1
                groupCounts[g].rejected += 1
            case .waitlisted(_, let byBudget):
                counts.waitlisted += 1
                if byBudget { waitBudget += 1 } else { waitQuota += 1 }
                groupCounts[g].waitlisted += 1
            }
        }
        for (i, rule) in checked.rules.enumerated() {
            if program.rejectedBy[i] > 0 { byRule.append(RuleCount(rule: rule.id, title: rule.title, decision: "rejected", count: program.rejectedBy[i])) }
        }
        for (l, limit) in (checked.allocation?.limits ?? []).enumerated() where limitCounts[l] > 0 {
            byRule.append(RuleCount(rule: limit.id, title: nil, decision: "rejected", count: limitCounts[l]))
        }
        if let quota = checked.allocation?.quota, waitQuota > 0 { byRule.append(RuleCount(rule: quota.id, title: nil, decision: "waitlisted", count: waitQuota)) }
        if let budget = checked.allocation?.budget, waitBudget > 0 { byRule.append(RuleCount(rule: budget.id, title: nil, decision: "waitlisted", count: waitBudget)) }
        for (i, rule) in checked.rules.enumerated() where program.acceptedBy[i] > 0 {
            byRule.append(RuleCount(rule: rule.id, title: rule.title, decision: "eligible", count: program.acceptedBy[i]))
        }
        // Funnel: everyone valid, then those still in after each top-level rule.
        var funnel = [FunnelStep(rule: "", title: options.language == .en ? "valid subjects" : "subjek dengan data valid", passed: program.validSubjects)]
        var remaining = program.validSubjects
        for (position, index) in checked.topLevel.enumerated() {
            remaining -= program.rejectedAtTop[position]
            funnel.append(FunnelStep(rule: checked.rules[index].id, title: checked.rules[index].title, passed: remaining))
        }
        let householdTable = household.map { tables[$0] }
        var byKecamatan: [GroupCounts] = groupCounts.indices.compactMap { slot in
            guard groupCounts[slot].total > 0 else { return nil }
            let name = slot > 0 ? (householdTable?.strings[Int64(slot - 1)] ?? "?") : (options.language == .en ? "(unknown)" : "(tidak diketahui)")
            return GroupCounts(name: name, decisions: groupCounts[slot], amount: groupAmounts[slot])
        }
        byKecamatan.sort { $0.name < $1.name }
        return ProgramSummary(
            program: checked.id, title: checked.title, subject: checked.subjectEntity.name, asOf: checked.asOf.iso, budgetYear: checked.budgetYear,
            policyVersion: checked.version, subjects: counts.total, decisions: counts, households: households, amount: amount,
            quota: checked.allocation?.quota.map { CapUse(id: $0.id, max: $0.max, used: Int64(totals.accepted)) },
            budget: checked.allocation?.budget.map { CapUse(id: $0.id, max: $0.max, used: totals.amount) },
            byRule: byRule, groupedBy: program.evaluator.groupField == nil ? nil : "household.kecamatan", byKecamatan: byKecamatan, funnel: funnel)
    }
}
