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
        var clock = PhaseClock()
        for program in programs {
            program.spool.flush()
            try program.allocate(byHouseholdRow: program.ledger != nil, background: options.jobs > 1)
        }
        clock.lap("allocate")
        let out = options.output
        var outputs: [String] = []
        var rowsWritten: [String: Int] = [:]
        let withOwnKey = programs.contains { $0.layout.ownKeyColumn }
        let decisionsName = options.format == .jsonl ? "decisions.jsonl" : "decisions.csv"
        let decisions = try AtomicFile(path: out + "/" + decisionsName)
        if options.format == .csv {
            decisions.write("program,household_id,person_id,decision,rule,reason,amount" + (withOwnKey ? ",application_id" : "") + "\n")
        }
        let householdsFile = try AtomicFile(path: out + "/households.csv")
        householdsFile.write("program,household_id,decision,rule,reason,accepted,amount\n")
        // decisions.csv (the spools copied, pending lines chosen) and households.csv (the tallies
        // read back) read different files and share nothing mutable: written at the same time,
        // each committed as soon as it is complete (replacing a previous run's file takes time).
        let ((decisionRows), (householdRows, householdCounts)) = try bothAtOnce(options.jobs > 1, { () throws(RunError) -> Int in
            var rows = 0
            for program in programs { rows += try finishDecisions(program, into: decisions) }
            try decisions.commit()
            return rows
        }, { () throws(RunError) -> (Int, [DecisionCounts]) in
            var rows = 0
            var counts: [DecisionCounts] = []
            for program in programs {
                let (n, c) = try householdLines(program, into: householdsFile)
                rows += n
                counts.append(c)
            }
            try householdsFile.commit()
            return (rows, counts)
        })
        clock.lap("decisions+households.csv")
        outputs.append(decisionsName)
        rowsWritten[decisionsName] = decisionRows
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
        clock.lap("summary.json+invalid.csv")

        var inputs: [RunManifest.InputFile] = []
        var seen = Set<String>()
        func add(_ path: String, _ role: String, rows: Int? = nil) {
            guard seen.insert(path).inserted, let digest = digests?.digest(path) ?? FileDigest.sha256(path) else { return }
            inputs.append(.init(path: path, role: role, sha256: digest, rows: rows))
        }
        for policy in compiled { for file in policy.checked.files { add(file, "policy") } }
        add(schema.path, "schema")
        for policy in compiled { for calendar in policy.checked.calendars { add(calendar.path, "calendar") } }
        for file in folder.files.compactMap({ $0 }) { add(file.path, "population", rows: rowsRead[file.name] ?? 0) }
        clock.lap("inputs hashed")
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
        clock.lap("report+manifest")
        outputs.append("manifest.json")
        var result = RunResult(summary: summary, manifest: manifest, outputs: outputs)
        result.readHouseholdsAgain = readHouseholdsAgain
        return result
    }

    // MARK: decisions

    /// Copies a program's spool into the decisions file, choosing for each pending record the
    /// version allocation decided and filling in rank and amount used (see `SpoolBytes`).
    func finishDecisions(_ program: ProgramRun, into file: AtomicFile) throws(RunError) -> Int {
        try program.spool.commit()
        let path = program.spool.path
        defer { unlink(path) }
        let spool: MappedFile
        do { spool = try MappedFile(path: path) } catch { throw RunError(error.message(.en)) }
        let damaged = RunError("internal error: the decisions waiting in \(path) are damaged")
        var rows = 0
        var deferredLines = program.deferredLines.makeIterator()
        // Outcomes by input row: the order of the pending records, deferred ones in their places.
        let results = program.allocation?.byInput
        let totals = program.allocation?.totals ?? AllocationTotals()
        let limits = program.policy.checked.allocation?.limits.count ?? 0
        let fixedMiddles = (0..<(limits + program.evaluator.caps.count)).map { program.evaluator.fixedMiddle($0) }
        let caps = program.evaluator.caps
        let fieldCount = 3 + limits + caps.count
        /// Appends the version of the pending record at `start` (after its `0x00`) that allocation
        /// chose; returns where the record ends.
        func choose(_ text: UnsafeBufferPointer<UInt8>, from start: Int, into out: inout [UInt8]) throws(RunError) -> Int {
            var result = Allocation.accepted(rank: 0)
            do {
                if let r = try results?.next() { result = OutcomeRecord.allocation(code: r[2], rank: r[3]) }
            } catch { throw RunError(error.message) }
            // The fields: prefix, suffix, then the middles: skip to the one wanted.
            let wanted: Int
            var rank = 0
            switch result {
            case .accepted: wanted = 0
            case .limited(let limit, let r):
                wanted = 1 + limit
                rank = r
            case .waitlisted(let r, let byBudget):
                wanted = 1 + limits + (caps.firstIndex(of: byBudget) ?? 0)
                rank = r
            }
            guard let record = PendingFields(UnsafeRawBufferPointer(text), from: start, count: fieldCount, middle: wanted) else { throw damaged }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[record.prefix]))
            let middle = UnsafeBufferPointer(rebasing: text[record.middle])
            if wanted == 0 {
                out.append(contentsOf: middle)
            } else if middle.isEmpty, wanted - 1 < fixedMiddles.count, let fixed = fixedMiddles[wanted - 1] {
                fixed.withUnsafeBufferPointer { AllocationMarkers.fill($0, rank: rank, used: totals.amount, language: options.language, into: &out) }
            } else {
                AllocationMarkers.fill(middle, rank: rank, used: totals.amount, language: options.language, into: &out)
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[record.suffix]))
            out.append(10)
            return record.end
        }
        // Frame by frame through mapped windows of the spool. Each block of decision lines is
        // written by another thread while the next is finished: runs of the spool's text straight
        // from its pages, and the lines finished here (`GatheredBlock`).
        let writer = OrderedStage(depth: 2, inline: options.jobs <= 1)
        defer { writer.drain() }
        var window: FileWindow?
        /// `count` bytes of the spool from `offset`, in the current window (mapping the next).
        func bytes(at offset: Int, _ count: Int) throws(RunError) -> (FileWindow, UnsafeBufferPointer<UInt8>) {
            if let window, window.contains(offset, bytes: count) { return (window, window.bytes(at: offset, count: count)) }
            guard let next = spool.window(at: offset, bytes: count) else { throw damaged }
            window = next
            return (next, next.bytes(at: offset, count: count))
        }
        var block = GatheredBlock()
        var offset = 0
        while offset < spool.size {
            guard spool.size - offset >= SpoolFrameHeader.size else { throw damaged }
            let header = SpoolFrameHeader(UnsafeRawBufferPointer(try bytes(at: offset, SpoolFrameHeader.size).1))
            let (specials, textBytes) = (header.specials, header.textBytes)
            // A slice's text is megabytes at most: anything near 2^40 is a damaged header, and
            // must not overflow the sums below.
            guard textBytes >= 0, textBytes < 1 << 40, specials >= 0, specials <= textBytes else { throw damaged }
            let frameBytes = SpoolFrameHeader.size + specials * 8 + textBytes
            guard frameBytes <= spool.size - offset else { throw damaged }
            let (frameWindow, frame) = try bytes(at: offset, frameBytes)
            block.keep(frameWindow)
            let raw = UnsafeRawBufferPointer(frame)
            let text = UnsafeBufferPointer(rebasing: frame[(SpoolFrameHeader.size + specials * 8)...])
            var run = 0
            for k in 0..<specials {
                let at = Int(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: SpoolFrameHeader.size + k * 8, as: UInt64.self).littleEndian)
                guard at >= run, at < text.count else { throw damaged }
                block.append(mapped: UnsafeBufferPointer(rebasing: text[run..<at]))
                let finished = block.own.count
                switch text[at] {
                case SpoolBytes.pending:
                    run = try choose(text, from: at + 1, into: &block.own)
                case SpoolBytes.deferred:
                    // A deferred subject: its line was written at the end of the stream.
                    guard let late = deferredLines.next() else { throw RunError("internal error: a deferred decision is missing") }
                    if late.first == SpoolBytes.pending {
                        _ = try late.withUnsafeBufferPointer { (late: UnsafeBufferPointer<UInt8>) throws(RunError) in try choose(late, from: 1, into: &block.own) }
                    } else {
                        block.own.append(contentsOf: late)
                        block.own.append(10)
                    }
                    run = at + 1
                default: throw damaged
                }
                block.endOwn(from: finished)
            }
            block.append(mapped: UnsafeBufferPointer(rebasing: text[run...]))
            offset += frameBytes
            rows += header.lines
            if block.bytes >= 4 << 20 {
                writer.submit { [block] in block.write(to: file) }
                block = GatheredBlock()
            }
        }
        if !block.isEmpty { writer.submit { [block] in block.write(to: file) } }
        writer.drain()
        return rows
    }

    // MARK: households

    /// `households.csv` rows of one program: households in file order, then households known only
    /// by the text their subjects name, in the order of their first subject.
    func householdLines(_ program: ProgramRun, into file: AtomicFile) throws(RunError) -> (Int, DecisionCounts) {
        let used = program.allocation?.totals.amount ?? 0
        // The texts rendered once with markers, looked up before the walk: `allocationOnce` reads
        // them out of the program's evaluator, a copy (and a dozen retains) per waitlisted household.
        let limitOnce = (0..<(program.policy.checked.allocation?.limits.count ?? 0)).map { allocationOnce(program, limit: $0, budget: false) }
        let capOnce = [allocationOnce(program, limit: nil, budget: false), allocationOnce(program, limit: nil, budget: true)]
        let language = options.language
        var writer = HouseholdLineWriter(
            program: program, language: options.language,
            allocationField: { limit, budget, rank, out in
                let once = limit.map { $0 < limitOnce.count ? limitOnce[$0] : nil } ?? capOnce[budget ? 1 : 0]
                guard let once else { return allocationField(program, limit: limit, budget: budget, rank: rank, used: used, into: &out) }
                once.withUnsafeBufferPointer { AllocationMarkers.fill($0, rank: rank, used: used, language: language, into: &out) }
            },
            allocationRankFree: { limit, budget in allocationFieldIsRankFree(program, limit: limit, budget: budget) })
        let checked = program.policy.checked
        let ruleCount = checked.rules.count
        let keyEntity = household.map { schema.entities[$0] }
        let outcomes = program.allocation?.byHousehold
        /// The next allocation outcome, sorted as `AllocationOutcome.byHousehold` says.
        func next() throws(RunError) -> (subject: AllocatedSubject, index: Int, hasText: Bool)? {
            do {
                guard let r = try outcomes?.next() else { return nil }
                let row = Int(Int64(bitPattern: r[7]))
                let subject = AllocatedSubject(
                    row: row, key: Int64(bitPattern: r[6]), result: OutcomeRecord.allocation(code: r[3], rank: r[4]), amount: Int64(bitPattern: r[5]))
                let index = OutcomeRecord.value(r[2])
                return (subject, index, row < 0 && program.householdTexts[index] != nil)
            } catch { throw RunError(error.message) }
        }
        if var ledger = program.ledger {
            // Allocation outcomes join the tallies of their households, after every subject's own:
            // sorted by household row, so households known only by text (row -1) come first.
            var first = try next()
            while let (subject, index, hasText) = first, subject.row < 0 {
                if hasText, let key = program.householdTexts[index] {
                    ledger.textTally(key, subjectRow: Int.max) { t, _ in applyAllocation(subject.result, amount: subject.amount, to: &t, ruleCount: ruleCount) }
                }
                first = try next()
            }
            let keyType = keyEntity.map { $0.fields[$0.key].type } ?? .string
            let digitsWidth: Int? = if case .digits(let width) = keyType { width } else { nil }
            let strings = household.map { tables[$0] } ?? Table(entity: 0, fieldCount: 0, linkCount: 0)
            let reasons = ledger.reasons
            try ledger.forEachHousehold(
                allocated: { () throws(RunError) -> AllocatedSubject? in
                    if let (subject, _, _) = first {
                        first = nil
                        return subject
                    }
                    return try next()?.subject
                },
                allocate: { subject, t in applyAllocation(subject.result, amount: subject.amount, to: &t, ruleCount: ruleCount) }
            ) { key, tally throws(RunError) in
                // Household keys are 16-digit numbers: written without touching the table (a
                // closure that captures the table copies it, a dozen retains, per household).
                if let width = digitsWidth, key != .null {
                    writer.write(tally, reasons: reasons) { $0.append(unsigned: UInt64(bitPattern: key), width: width) }
                } else {
                    writer.write(tally, reasons: reasons) { program.layout.write(cell: key, type: keyType, table: strings, into: &$0) }
                }
                if writer.text.count >= 1 << 20 { file.write(bytes: writer.take()) }
            }
            for (key, entry) in ledger.byText.sorted(by: { ($0.value.firstRow, $0.key) < ($1.value.firstRow, $1.key) }) {
                writer.write(entry.tally, reasons: ledger.reasons) { $0.append(csvField: Array(key.utf8)[...]) }
            }
            file.write(bytes: writer.take())
            return (writer.rows, writer.decisions)
        }
        // A whole run: outcomes in input order, as the tallies take their households.
        var tallies = program.households
        while let (subject, index, hasText) = try next() {
            if subject.row < 0 && !hasText { continue }
            let slot = tallies.slot(row: subject.row) { program.householdTexts[index] ?? "" }
            var t = tallies.tally(slot)
            applyAllocation(subject.result, amount: subject.amount, to: &t, ruleCount: ruleCount)
            tallies.set(slot, t)
        }
        for slot in tallies.outputOrder {
            writer.write(tallies.tally(slot), reasons: tallies.reasons) { out in
                if let h = household, let e = keyEntity, tallies.rows[slot] >= 0 {
                    program.layout.write(cell: tables[h].columns[e.key][Int(tallies.rows[slot])], type: e.fields[e.key].type, table: tables[h], into: &out)
                } else {
                    out.append(csvField: Array(tallies.keys[slot].utf8)[...])
                }
            }
        }
        file.write(bytes: writer.take())
        return (writer.rows, writer.decisions)
    }

    /// Adds what allocation decided for one subject to its household's tally: a limit's or a
    /// cap's reason counts only where no subject was rejected by a rule.
    func applyAllocation(_ result: Allocation, amount: Int64, to t: inout HouseholdTally, ruleCount: Int) {
        switch result {
        case .accepted:
            t.counts.accepted += 1
            t.amount += amount
        case .limited(let limit, let rank):
            t.counts.rejected += 1
            let slot = ruleCount + limit
            if slot < t.ruleCounts.count, t.ruleCounts[slot] < .max { t.ruleCounts[slot] += 1 }
            if t.firstReasonRow == Int.max, t.limited == nil { t.limited = (limit, rank) }
        case .waitlisted(let rank, let byBudget):
            t.counts.waitlisted += 1
            if t.waitlist == nil { t.waitlist = (rank, byBudget) }
        }
    }

    /// Writes the CSV field of an allocation reason (a limit's, or the quota's or budget's when
    /// `limit` is nil) for `rank`: texts that read no data are rendered once per run with markers.
    func allocationField(_ program: ProgramRun, limit: Int?, budget: Bool, rank: Int, used: Int64, into out: inout [UInt8]) {
        if let once = allocationOnce(program, limit: limit, budget: budget) {
            return once.withUnsafeBufferPointer { AllocationMarkers.fill($0, rank: rank, used: used, language: options.language, into: &out) }
        }
        let evaluator = program.evaluator
        let checked = program.policy.checked
        var text = limit.flatMap { checked.allocation?.limits[$0].id } ?? ""
        if limit == nil {
            let context = AllocationContext(rank: Int64(rank), quota: checked.allocation?.quota?.max ?? 0, budget: checked.allocation?.budget?.max ?? 0, used: used)
            text = evaluator.policy.householdWaitlistReason(budget: budget, options.language, context)
        }
        out.append(csvField: Array(text.utf8)[...])
    }

    /// Whether `allocationField` writes the same bytes at every rank (`used` is one per program):
    /// a limit's id, or a text rendered once without the rank's marker.
    func allocationFieldIsRankFree(_ program: ProgramRun, limit: Int?, budget: Bool) -> Bool {
        guard let once = allocationOnce(program, limit: limit, budget: budget) else { return limit != nil }
        let marker = AllocationMarkers.markers(options.language).rank
        guard once.count >= marker.count else { return true }
        return !(0...(once.count - marker.count)).contains { once[$0..<$0 + marker.count].elementsEqual(marker) }
    }

    /// An allocation reason's text rendered once with markers, when it reads no data.
    private func allocationOnce(_ program: ProgramRun, limit: Int?, budget: Bool) -> [UInt8]? {
        let evaluator = program.evaluator
        return limit.map { $0 < evaluator.limitReasons.count ? evaluator.limitReasons[$0] : nil } ?? (budget ? evaluator.budgetReason : evaluator.quotaReason)
    }

    // MARK: summary

    func programSummary(_ program: ProgramRun, households: DecisionCounts) -> ProgramSummary {
        let checked = program.policy.checked
        var counts = program.counts
        var amount = program.amount
        var byRule: [RuleCount] = []
        var groupCounts = program.groupCounts
        var groupAmounts = program.groupAmounts
        let totals = program.allocation?.totals ?? AllocationTotals()
        // Allocation's counts, tallied while it walked the candidates.
        var limitCounts = [Int](repeating: 0, count: checked.allocation?.limits.count ?? 0)
        var waitQuota = 0, waitBudget = 0
        if let a = program.allocation {
            counts.accepted += a.counts.accepted
            counts.rejected += a.counts.rejected
            counts.waitlisted += a.counts.waitlisted
            amount &+= a.amount
            for (l, n) in a.limitCounts.enumerated() where l < limitCounts.count { limitCounts[l] += n }
            waitQuota = a.waitlistedByQuota
            waitBudget = a.waitlistedByBudget
            if a.groupCounts.count > groupCounts.count {
                groupCounts.append(contentsOf: repeatElement(DecisionCounts(), count: a.groupCounts.count - groupCounts.count))
            }
            if a.groupAmounts.count > groupAmounts.count {
                groupAmounts.append(contentsOf: repeatElement(0, count: a.groupAmounts.count - groupAmounts.count))
            }
            for (g, c) in a.groupCounts.enumerated() {
                groupCounts[g].accepted += c.accepted
                groupCounts[g].rejected += c.rejected
                groupCounts[g].waitlisted += c.waitlisted
            }
            for (g, x) in a.groupAmounts.enumerated() { groupAmounts[g] &+= x }
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

