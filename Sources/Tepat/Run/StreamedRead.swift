import CTepatSystem
import Foundation
import TepatData
import TepatEval
import TepatModel

/// The entities of a population that can stream: members linking to households, and entities
/// (applications) that name members.
struct StreamShape {
    let household: Int
    let member: Int
    /// The member's link to its household.
    let link: Int
}

/// A streamed run: households through a window, members in chunks, applications (few) whole.
/// Memory is the window, the chunks in flight, the deferred members and the candidates for
/// allocation — not the population (docs/performance.md, "Memory").
extension RunState {
    /// The shape of a schema this run can stream, or nil (then households are loaded whole).
    func streamShape() -> StreamShape? {
        guard let household, let member else { return nil }
        let h = schema.entities[household], m = schema.entities[member]
        guard h.links.isEmpty, m.links.count == 1, m.links[0].target == household else { return nil }
        let keyType = h.fields[h.key].type
        guard keyType != .string, m.fields[m.links[0].via].type == keyType, m.fields[m.key].type != .string else { return nil }
        for (i, e) in schema.entities.enumerated() where i != household && i != member {
            guard e.links.allSatisfy({ $0.target == member }) else { return nil }
        }
        // Aggregates over members and household subjects need every household's members at once.
        guard compiled.allSatisfy({ $0.aggregates.isEmpty && $0.subject != household }) else { return nil }
        return StreamShape(household: household, member: member, link: 0)
    }

    /// The columns a streamed entity keeps: those some policy reads, and the household's
    /// kecamatan (summaries count by it); the parser always keeps keys and links, and validates
    /// every column. Nil (keep all) when a policy's reads are not known field by field.
    func keptFields(_ entity: Int) -> [Bool]? {
        let fields = schema.entities[entity].fields
        var keep = [Bool](repeating: false, count: fields.count)
        for policy in compiled {
            guard let read = policy.checked.fieldsReadByEntity, entity < read.count else { return nil }
            for f in read[entity] where f < keep.count { keep[f] = true }
        }
        if entity == household, let k = schema.entities[entity].fieldIndex(named: "kecamatan") { keep[k] = true }
        return keep
    }

    mutating func readStreamed(_ shape: StreamShape) throws(RunError) {
        let order = schema.linkOrder
        let tail = order.filter { $0 != shape.household && $0 != shape.member }
        let wanted = try wantedMembers(after: tail)
        let out = options.output
        programs = try compiled.map { policy throws(RunError) in
            let program = try ProgramRun(
                policy: policy, output: out, language: options.language, jsonl: options.format == .jsonl, households: 0, padColumn: padDecisions,
                sortRunRecords: options.sortRunRecords)
            if policy.subject == shape.member {
                program.ledger = try StreamLedger(ruleSlots: program.households.ruleSlots, scratchPath: out + "/.households-\(policy.id)")
            }
            return program
        }
        var window = try HouseholdWindow(
            folder: folder, entity: shape.household, loaded: keptFields(shape.household), strings: strings, capacity: options.batchSize * 4, chunkRecords: max(1024, options.batchSize / 4),
            expectedKeys: options.keyFilterKeys, scratch: out + "/.household-keys", readAhead: options.jobs > 1)
        defer {
            window.stopReading()
            window.removeScratch()
        }
        let memberBytes = folder.files[shape.member].flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int } ?? 0
        var members = try MemberStream(
            schema: schema, entity: shape.member, household: shape.household, link: shape.link, wanted: wanted,
            seen: options.keyFilterKeys.map { SeenKeys(expectedKeys: $0, minimumBits: 0) } ?? SeenKeys(expectedKeys: memberBytes / 80 + 1024), strings: strings, scratch: out + "/.member-keys")
        defer { members.removeScratch() }
        var invalid: [(rank: Int, line: Int, text: String)] = []
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
        func takeWindowInvalid(_ window: inout HouseholdWindow) throws(RunError) {
            if options.failOnError, let bad = window.invalid.first { throw RunError(bad.reason(.en)) }
            for record in window.invalid { invalid.append((rank[shape.household] ?? 0, record.line, Self.invalidLine(record))) }
            window.invalid.removeAll()
        }
        let householdKeyField = schema.entities[shape.household].key
        // The programs (their spools, counts and ledgers) are merged into behind the evaluation,
        // in chunk order; from here to `drain()` only `merging` touches them.
        let merging = OrderedStage(depth: 2, inline: options.jobs <= 1)
        defer { merging.drain() }
        let programs = self.programs
        func release(_ n: Int, _ window: inout HouseholdWindow) {
            guard n > 0 else { return }
            let fileRows = Array(window.fileRows[..<n]), keys = Array(window.table.columns[householdKeyField][..<n])
            merging.submit {
                for program in programs where program.ledger != nil { program.ledger?.evict(n, fileRows: fileRows[...], keys: keys[...]) }
            }
            _ = window.release(before: n)
        }

        // The members, chunk by chunk, in file order.
        let total = Int64(memberBytes)
        var count = 0
        var chunks = 0
        let jobs = options.jobs
        let failOnError = options.failOnError
        try forEachParsedChunk(shape.member, loaded: keptFields(shape.member)) { batch throws(RunError) in
            let linked = try members.link(&batch, window: &window)
            try takeWindowInvalid(&window)
            let held = window.heldRows
            let windowCount = window.count
            merging.submit {
                for program in programs where program.ledger != nil { program.ledger?.grow(to: windowCount) }
            }
            var tables = self.tables
            tables[shape.household] = window.table
            tables[shape.member] = batch.table
            let keyType = window.keyType
            let ref = HouseholdRef.window(fileRows: window.fileRows, keys: window.table.columns[householdKeyField])
            for program in programs where program.policy.subject == shape.member {
                let input = EvalInput(tables: tables)
                let evaluator = program.evaluator
                let slices = Parallel.ranges(batch.rows.count, parts: jobs * 2)
                let frozen = batch
                let householdTable = window.table
                let results = Parallel.map(slices.count, jobs: jobs) { s in
                    evaluator.evaluate(
                        batch: frozen, input: input, rows: slices[s], householdTable: householdTable,
                        householdOfKey: { text in CellText.cell(text, type: keyType).flatMap { held[$0] } }, failOnError: failOnError,
                        deferred: linked.deferred)
                }
                for result in results {
                    if let bad = result.firstInvalid { throw RunError(bad.reason(.en)) }
                }
                let firstRecord = batch.firstRecord
                merging.submit {
                    for result in results { program.merge(result, households: ref, firstRecord: firstRecord) }
                }
            }
            if failOnError, let bad = batch.invalid.first { throw RunError(bad.reason(.en)) }
            for record in batch.invalid { invalid.append((rank[shape.member] ?? 0, record.line, Self.invalidLine(record))) }
            if linked.lowestWindowRow != .max { release(linked.lowestWindowRow, &window) }
            count += batch.rows.count
            chunks += 1
            // Chunks, slices and their texts come and go in many sizes on three threads; the free
            // pages left between live blocks would stay resident and grow with a long run (4M
            // households peaked 20 MB higher). Given back every two million members or so.
            if chunks % 64 == 0 { _ = tepat_release_free_memory() }
            if let progress {
                progress(RunProgress(rowsRead: count, bytesRead: 0, bytesTotal: total, elapsed: Date().timeIntervalSince(clock)))
            }
        }
        if let file = folder.files[shape.member] { rowsRead[file.name] = count }
        // The households no member reached: read (they may be invalid) and let go.
        release(window.count, &window)
        while !window.atEnd {
            try window.readMore()
            try takeWindowInvalid(&window)
            release(window.count, &window)
        }
        merging.drain()
        if let file = folder.files[shape.household] { rowsRead[file.name] = window.recordsRead }
        // Memory for what comes next: the key filters are done with (households and members are
        // all read), and the candidates held in memory so far go to disk.
        window.releaseFilter()
        members.releaseFilter()
        for program in programs { program.candidates.releaseMemory() }

        var deferredInvalid: [InvalidRecord] = []
        if members.hasDeferred || !window.perhapsDuplicate.isEmpty {
            deferredInvalid = try decideDeferred(shape, members: &members, window: &window, invalid: &invalid, rank: rank)
        }
        for record in deferredInvalid { invalid.append((rank[shape.member] ?? 0, record.line, Self.invalidLine(record))) }

        // Applications and other entities that name members: linked to the captured members.
        members.putCapturedHouseholdsInFileOrder()
        var households = members.capturedHouseholds.table
        households.strings = window.strings
        tables[shape.household] = households
        tables[shape.member] = members.capturedMembers
        var seededInvalid = KeyIndex()
        for (key, line) in members.wantedInvalid.entries where !members.capturedKeys.contains(key) { seededInvalid.insert(key, line) }
        linker.seed(shape.member, valid: members.capturedKeys, invalid: seededInvalid, rowLines: members.capturedMembers.lines)
        for program in programs where program.ledger == nil {
            program.households = HouseholdTallies(households: households.count, ruleSlots: program.households.ruleSlots)
        }
        let before = invalidLines.count
        for entity in tail { try loadWhole(entity) }
        for line in invalidLines[before...] { invalid.append((rank[tail.first ?? 0] ?? 0, 0, line)) }
        invalidLines.removeSubrange(before...)
        // Invalid rows in file order (households, members, applications), as a whole run writes them.
        invalidLines = invalid.enumerated().sorted { a, b in
            (a.element.rank, a.element.line, a.offset) < (b.element.rank, b.element.line, b.offset)
        }.map(\.element.text)
        for entity in tail { evaluateLoaded(entity) }
    }

    /// Reads `entity`'s file in chunks, parsing `jobs` chunks at once, handing them over in order.
    /// With more than one job, the next chunks are read and parsed on another thread while
    /// `body` works on these.
    func forEachParsedChunk(_ entity: Int, loaded: [Bool]? = nil, _ body: (inout RecordBatch) throws(RunError) -> Void) throws(RunError) {
        let opened: EntityReader?
        do { opened = try folder.reader(for: entity, loaded: loaded, stringSeed: strings) } catch { throw RunError(error.message(.en)) }
        guard let opened else { return }
        let parser = opened.parser
        let jobs = options.jobs, batchSize = options.batchSize
        /// The next group of up to `jobs` chunks, parsed; empty at the end of the file.
        @Sendable func nextGroup(_ reader: inout EntityReader) -> Result<[RecordBatch], RunError> {
            var chunks: [RawChunk] = []
            do {
                while chunks.count < jobs, let chunk = try reader.nextChunk(maxRecords: batchSize) { chunks.append(chunk) }
            } catch { return .failure(RunError(error.message(.en))) }
            let group = chunks
            return .success(Parallel.map(group.count, jobs: jobs) { parser.parse(group[$0]) })
        }
        if jobs <= 1 {
            var reader = opened
            while true {
                let group = try nextGroup(&reader).get()
                if group.isEmpty { return }
                for var batch in group { try body(&batch) }
            }
        }
        let ahead = Prefetch<Result<[RecordBatch], RunError>>(depth: 2) { prefetch in
            var reader = opened
            while true {
                let group = nextGroup(&reader)
                if case .success(let batches) = group, batches.isEmpty { return }
                guard prefetch.put(group) else { return }
                if case .failure = group { return }
            }
        }
        defer { ahead.cancel() }
        while let group = ahead.next() {
            for var batch in try group.get() { try body(&batch) }
        }
    }

    /// Decides the deferred members exactly: finds the households they name (and settles the
    /// households whose No. KK was perhaps a duplicate), checks their NIKs against the keys on disk,
    /// then evaluates them. Returns the records that linking made invalid.
    mutating func decideDeferred(
        _ shape: StreamShape, members: inout MemberStream, window: inout HouseholdWindow,
        invalid: inout [(rank: Int, line: Int, text: String)], rank: [Int: Int]
    ) throws(RunError) -> [InvalidRecord] {
        let hEntity = schema.entities[shape.household]
        let needed = members.deferredHouseholdCodes.union(window.perhapsDuplicate)
        let kept: KeptHouseholds
        var invalidLine = KeyIndex()
        if let found = try householdsKept(shape, needed: needed, members: members, window: window) {
            kept = found
        } else {
            readHouseholdsAgain = true
            (kept, invalidLine) = try householdsReadAgain(shape, needed: needed, window: &window, invalid: &invalid, rank: rank)
        }
        var resolved = kept.table
        resolved.strings = window.strings
        let resolvedFileRows = kept.fileRows
        let resolvedKeys = resolved.columns[hEntity.key]
        var resolvedRow = KeyIndex(minimumCapacity: resolvedKeys.count)
        for (r, key) in resolvedKeys.enumerated() { resolvedRow.insert(key, Int32(r)) }
        let keyType = hEntity.fields[hEntity.key].type

        // The deferred members, in file order: links, then duplicate NIKs, as `Linker` does.
        let mEntity = schema.entities[shape.member]
        var table = members.deferred
        let deferredKeys = Set(table.columns[mEntity.key].filter { $0 != .null })
        let claimedBefore = try members.claimedLines(of: deferredKeys)
        var claimed: [Int64: Int] = [:]
        var rows: [RowStatus] = []
        var records: [InvalidRecord] = []
        var ordinals: [Int] = []
        var madeInvalid: [InvalidRecord] = []
        var pendingInvalid = members.deferredInvalid.makeIterator()
        var nextInvalid = pendingInvalid.next()
        let link = mEntity.links[shape.link]
        var capture: [Int] = []
        var batch = RecordBatch(table: table, rows: [], invalid: [], firstRecord: 0, file: members.fileName, columnFields: members.columnFields)
        for r in 0..<table.count {
            let record = members.deferredRecord[r]
            while let (at, bad) = nextInvalid, at < record {
                records.append(bad)
                rows.append(.invalid(Int32(records.count - 1)))
                ordinals.append(at)
                nextInvalid = pendingInvalid.next()
            }
            let code = table.columns[link.via][r]
            var problem: DataProblem?
            var field = link.via
            if code != .null, let h = resolvedRow[code] {
                table.links[shape.link][r] = h
            } else if code != .null, let line = invalidLine[code] {
                problem = .invalidLinkTarget(link: link.name, line: Int(line))
            } else if link.required {
                problem = .missingLink(link: link.name, target: hEntity.name)
            }
            let key = table.columns[mEntity.key][r]
            if problem == nil, key != .null {
                if let line = claimedBefore[key] ?? claimed[key] {
                    problem = .duplicateKey(firstLine: line)
                    field = mEntity.key
                } else {
                    claimed[key] = table.lines[r]
                    if members.wanted.contains(key) { capture.append(r) }
                }
            }
            ordinals.append(record)
            if let problem {
                batch.table = table
                let bad = Linker.invalidRecord(batch, row: r, field: field, problem: problem, schema: schema)
                if options.failOnError { throw RunError(bad.reason(.en)) }
                if field != mEntity.key { members.noteInvalidKey(key, line: table.lines[r]) }
                records.append(bad)
                madeInvalid.append(bad)
                rows.append(.invalid(Int32(records.count - 1)))
            } else {
                rows.append(.valid(Int32(r)))
            }
        }
        while let (at, bad) = nextInvalid {
            records.append(bad)
            rows.append(.invalid(Int32(records.count - 1)))
            ordinals.append(at)
            nextInvalid = pendingInvalid.next()
        }
        for r in capture {
            members.capture(table, row: r, household: table.links[shape.link][r], window: window, households: kept)
        }
        batch = RecordBatch(table: table, rows: rows, invalid: records, firstRecord: 0, file: members.fileName, columnFields: members.columnFields)

        // Evaluate them; their lines wait in `deferredLines` for their places in the spool.
        var tables = self.tables
        tables[shape.household] = resolved
        tables[shape.member] = table
        let input = EvalInput(tables: tables)
        let ref = HouseholdRef.late(fileRows: resolvedFileRows, keys: resolvedKeys)
        let frozenRows = resolvedRow
        for program in programs where program.policy.subject == shape.member {
            let evaluator = program.evaluator
            let result = evaluator.evaluate(
                batch: batch, input: input, rows: 0..<batch.rows.count, householdTable: resolved,
                householdOfKey: { text in CellText.cell(text, type: keyType).flatMap { frozenRows[$0] } }, failOnError: options.failOnError,
                ordinals: ordinals)
            if let bad = result.firstInvalid { throw RunError(bad.reason(.en)) }
            program.merge(result, households: ref, ordinals: ordinals)
        }
        return madeInvalid
    }

    /// The households the deferred members name, without reading the file again: each is one a
    /// member found in the window (and kept then), or one held aside whose key turned out to be
    /// filter noise (its own line is the key's first among the valid households). Nil when some
    /// household needs the file: a true duplicate, or a member whose household was out of reach.
    private func householdsKept(_ shape: StreamShape, needed: Set<Int64>, members: MemberStream, window: HouseholdWindow) throws(RunError) -> KeptHouseholds? {
        let keyField = schema.entities[shape.household].key
        let aside = window.aside
        let first = try window.firstLines(of: window.perhapsDuplicate)
        var found = members.deferredHouseholds
        for r in 0..<aside.count {
            guard first[aside.table.columns[keyField][r]] == aside.table.lines[r] else { return nil }
            _ = found.keep(aside.table, row: r, fileRow: aside.fileRows[r])
        }
        let codes = Set(found.table.columns[keyField])
        guard codes.count == found.count, needed.isSubset(of: codes) else { return nil }
        return found.inFileOrder().kept
    }

    /// The households named in `needed`, read again from the file: the first valid record of each
    /// key (later ones are reported as duplicates), and the line of the first invalid one.
    private func householdsReadAgain(
        _ shape: StreamShape, needed: Set<Int64>, window: inout HouseholdWindow,
        invalid: inout [(rank: Int, line: Int, text: String)], rank: [Int: Int]
    ) throws(RunError) -> (KeptHouseholds, invalidLine: KeyIndex) {
        let hEntity = schema.entities[shape.household]
        var resolved = KeptHouseholds(entity: shape.household, fieldCount: hEntity.fields.count, linkCount: hEntity.links.count)
        var resolvedRow = KeyIndex()
        var invalidLine = KeyIndex()
        let keyType = hEntity.fields[hEntity.key].type
        let isText = hEntity.fields.map { $0.type == .string }
        try forEachParsedChunk(shape.household, loaded: keptFields(shape.household)) { batch throws(RunError) in
            for (i, status) in batch.rows.enumerated() {
                switch status {
                case .invalid(let k):
                    let record = batch.invalid[Int(k)]
                    if let text = record.rawKey, let code = CellText.cell(text, type: keyType), needed.contains(code), invalidLine[code] == nil {
                        invalidLine.insert(code, Int32(clamping: record.line))
                    }
                case .valid(let r32):
                    let r = Int(r32)
                    let code = batch.table.columns[hEntity.key][r]
                    guard code != .null, needed.contains(code) else { continue }
                    if let first = resolvedRow[code] {
                        let problem = DataProblem.duplicateKey(firstLine: resolved.table.lines[Int(first)])
                        let record = Linker.invalidRecord(batch, row: r, field: hEntity.key, problem: problem, schema: schema)
                        if options.failOnError { throw RunError(record.reason(.en)) }
                        invalid.append((rank[shape.household] ?? 0, record.line, Self.invalidLine(record)))
                        continue
                    }
                    var cells = [Cell](repeating: .null, count: hEntity.fields.count)
                    for f in cells.indices where batch.table.loaded[f] {
                        let c = batch.table.columns[f][r]
                        cells[f] = isText[f] && c != .null ? window.intern(batch.table.strings[c]) : c
                    }
                    resolvedRow.insert(code, resolved.keep(cells: cells, line: batch.table.lines[r], fileRow: batch.firstRecord + i))
                }
            }
        }
        return (resolved, invalidLine)
    }
}
