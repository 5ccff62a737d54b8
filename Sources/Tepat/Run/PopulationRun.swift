import Foundation
import TepatAllocate
import TepatCheck
import TepatData
import TepatEval
import TepatModel
import TepatReport

/// What a run produced.
public struct RunResult: Sendable {
    public var summary: RunSummary
    public var manifest: RunManifest
    /// The files written, in the order written.
    public var outputs: [String]
    /// Whether a streamed run read the households file a second time to settle its deferred
    /// members (tests check that it does only when it must).
    var readHouseholdsAgain = false
}

/// `tepat run`: streams a population through every compiled policy in one read, allocates quota
/// and budget, and writes every output atomically.
///
/// Data flow: households (and other linked entities) are loaded whole into columnar tables;
/// members stream in chunks that are parsed in parallel, linked in order, evaluated in parallel
/// slices and merged in order; eligible subjects wait as compact candidates for allocation;
/// decisions are spooled in input order and finished once allocation has ranked the candidates.
public enum PopulationRun {
    public static func run(
        _ workspace: Workspace, options: RunOptions, progress: (@Sendable (RunProgress) -> Void)? = nil
    ) throws(RunError) -> RunResult {
        let started = Date()
        guard !workspace.diagnostics.containsErrors else { throw RunError("the policies have errors; run `tepat check` to see them", exitCode: 1) }
        guard let first = workspace.policies.first else { throw RunError("no policies to run", exitCode: 1) }
        let schema = first.schema
        for policy in workspace.policies where policy.schema.path != schema.path {
            throw RunError("policies `\(first.id)` and `\(policy.id)` use different schemas (\(schema.path), \(policy.schema.path)); run them separately", exitCode: 1)
        }
        let strings = Array(Set(workspace.policies.flatMap(\.stringConstants))).sorted()
        let compiled = workspace.policies.map { CompiledPolicy($0, strings: strings) }
        for policy in compiled where policy.checked.rules.count > RuleSet.capacity {
            throw RunError("policy `\(policy.id)` has more than \(RuleSet.capacity) rules", exitCode: 1)
        }
        let folder: PopulationFolder
        do { folder = try PopulationFolder(path: options.population, schema: schema) } catch { throw RunError(error.message(.en)) }
        do { try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true) } catch {
            throw RunError("cannot create the output folder \(options.output)")
        }
        var state = RunState(schema: schema, folder: folder, options: options, compiled: compiled, strings: strings, progress: progress)
        state.digests = PendingDigests(paths: folder.files.compactMap { $0?.path })
        do {
            var clock = PhaseClock()
            try state.read()
            clock.lap("read+evaluate")
            let result = try state.finish(workspace: workspace, started: started)
            return result
        } catch {
            state.discard()
            throw error
        }
    }
}

/// The mutable state of one run.
struct RunState {
    let schema: Schema
    let folder: PopulationFolder
    let options: RunOptions
    let compiled: [CompiledPolicy]
    let strings: [String]
    let progress: (@Sendable (RunProgress) -> Void)?
    let household: Int?
    let member: Int?
    var linker: Linker
    var tables: [Table]
    var loaded: [Int: LoadedEntity] = [:]
    var programs: [ProgramRun] = []
    var invalidLines: [String] = []
    var rowsRead: [String: Int] = [:]
    var captured: Table?
    var readHouseholdsAgain = false
    var capturedRowOfGlobal = KeyIndex()
    var aggregateValues: [[[Cell]]]
    let clock = Date()
    /// The population files' SHA-256, hashed in the background for the manifest.
    var digests: PendingDigests?

    init(schema: Schema, folder: PopulationFolder, options: RunOptions, compiled: [CompiledPolicy], strings: [String], progress: (@Sendable (RunProgress) -> Void)?) {
        self.schema = schema
        self.folder = folder
        self.options = options
        self.compiled = compiled
        self.strings = strings
        self.progress = progress
        household = schema.entityIndex(named: "household")
        member = schema.entityIndex(named: "member")
        linker = Linker(schema: schema)
        tables = schema.entities.enumerated().map { Table(entity: $0.offset, fieldCount: $0.element.fields.count, linkCount: $0.element.links.count) }
        aggregateValues = compiled.map { Array(repeating: [], count: $0.aggregates.count) }
    }

    /// Whether `decisions.csv` has the `application_id` column (some program's subjects have their
    /// own key), so other programs' lines end with an empty field.
    var padDecisions: Bool {
        compiled.contains { SubjectLayout(schema: $0.checked.schema, subject: $0.checked.subject).ownKeyColumn }
    }

    mutating func read() throws(RunError) {
        if !options.loadWhole, let shape = streamShape() {
            try readStreamed(shape)
            return
        }
        // Entities before the member stream are loaded whole (households).
        let order = schema.linkOrder
        let streamIndex = member.flatMap { order.firstIndex(of: $0) } ?? order.count
        for entity in order[..<streamIndex] { try loadWhole(entity) }
        let householdCount = household.map { tables[$0].count } ?? 0
        programs = try compiled.map { policy throws(RunError) in
            try ProgramRun(
                policy: policy, output: options.output, language: options.language, jsonl: options.format == .jsonl, households: householdCount,
                padColumn: padDecisions, sortRunRecords: options.sortRunRecords)
        }
        if let member {
            // Applications name the members they are about: those few rows are kept while the members stream.
            let wanted = try wantedMembers(after: Array(order[(streamIndex + 1)...]))
            if needsMemberAggregates() { try aggregatePass(member) }
            try stream(member, wanted: wanted)
            for entity in order[(streamIndex + 1)...] { try loadWhole(entity) }
        }
        for entity in order where entity != member { evaluateLoaded(entity) }
    }

    // MARK: Whole tables

    mutating func loadWhole(_ entity: Int) throws(RunError) {
        var result: LoadedEntity
        do {
            result = try folder.load(entity, linker: &linker, stringSeed: strings, maxRecords: options.batchSize, parallelism: options.jobs)
        } catch { throw RunError(error.message(.en)) }
        if let file = folder.files[entity] { rowsRead[file.name] = result.recordCount }
        if options.failOnError, let bad = result.invalid.first { throw RunError(bad.reason(.en)) }
        // Links into the member stream point at global member rows: re-point them at the captured rows.
        if let member, captured != nil {
            for (l, link) in schema.entities[entity].links.enumerated() where link.target == member {
                result.table.links[l] = result.table.links[l].map { global in global < 0 ? -1 : (capturedRowOfGlobal[Int64(global)] ?? -1) }
            }
        }
        for record in result.invalid { invalidLines.append(Self.invalidLine(record)) }
        tables[entity] = result.table
        loaded[entity] = result
    }

    static func invalidLine(_ record: InvalidRecord) -> String {
        CSV.line([record.file, String(record.line), record.column ?? "", record.value ?? "", record.problem.message(.id, value: record.value)])
    }

    /// The member keys named by entities loaded after the stream (the deceased of applications).
    func wantedMembers(after entities: [Int]) throws(RunError) -> KeyIndex {
        var wanted = KeyIndex()
        guard let member else { return wanted }
        for entity in entities {
            let links = schema.entities[entity].links.filter { $0.target == member }
            guard !links.isEmpty, var reader = try? folder.reader(for: entity, stringSeed: strings) else { continue }
            while true {
                let chunk: RawChunk?
                do { chunk = try reader.nextChunk(maxRecords: options.batchSize) } catch { throw RunError(error.message(.en)) }
                guard let chunk else { break }
                let batch = reader.parse(chunk)
                for link in links {
                    for cell in batch.table.columns[link.via] where cell != .null { _ = wanted.insert(cell, 0) }
                }
            }
        }
        return wanted
    }

    // MARK: Streaming members

    func needsMemberAggregates() -> Bool {
        compiled.contains { $0.aggregates.contains { $0.element == member } }
    }

    /// A first pass over the members for aggregates such as `count(household.members where …)`.
    mutating func aggregatePass(_ entity: Int) throws(RunError) {
        var pass = linker
        var tallies = compiled.map { policy in policy.aggregates.map { a in ([Int64](repeating: 0, count: tables[a.host].count), [Int64](repeating: 0, count: tables[a.host].count)) } }
        try forEachBatch(entity, linker: &pass) { batch, _, _ in
            var tables = self.tables
            tables[entity] = batch.table
            let input = EvalInput(tables: tables)
            for (p, policy) in compiled.enumerated() {
                for (a, aggregate) in policy.aggregates.enumerated() where aggregate.element == entity {
                    let valid = batch.rows.compactMap { if case .valid(let r) = $0 { Int(r) } else { nil } }
                    var (matches, totals) = tallies[p][a]
                    for r in valid { aggregate.accumulate(input, rows: r..<(r + 1), matches: &matches, totals: &totals) }
                    tallies[p][a] = (matches, totals)
                }
            }
        }
        for (p, policy) in compiled.enumerated() {
            for (a, aggregate) in policy.aggregates.enumerated() where aggregate.element == entity {
                aggregateValues[p][a] = aggregate.finish(matches: tallies[p][a].0, totals: tallies[p][a].1)
            }
        }
    }

    /// Reads `entity`'s file in chunks, parsing `jobs` chunks at once, linking in order.
    func forEachBatch(_ entity: Int, linker: inout Linker, _ body: (RecordBatch, Int, Linker) throws(RunError) -> Void) throws(RunError) {
        try forEachParsedChunk(entity) { batch throws(RunError) in
            let base = linker.rowCount(of: entity)
            linker.link(&batch)
            try body(batch, base, linker)
        }
    }

    mutating func stream(_ entity: Int, wanted: KeyIndex) throws(RunError) {
        var linker = self.linker
        var count = 0
        let total = Int64((try? FileManager.default.attributesOfItem(atPath: folder.files[entity]?.path ?? "")[.size] as? Int64) ?? 0)
        var captured = Table(entity: entity, fieldCount: schema.entities[entity].fields.count, linkCount: schema.entities[entity].links.count, strings: StringPool(seed: strings))
        var capturedRows = KeyIndex()
        let fields = schema.entities[entity].fields
        let key = schema.entities[entity].key
        let programs = self.programs
        let jobs = options.jobs
        let failOnError = options.failOnError
        let householdTable = household.map { tables[$0] }
        var invalidLines: [String] = []
        let baseTables = tables
        let aggregateValues = self.aggregateValues
        try forEachBatch(entity, linker: &linker) { batch, base, frozen throws(RunError) in
            var tables = baseTables
            tables[entity] = batch.table
            for (p, program) in programs.enumerated() where program.policy.subject == entity {
                let input = EvalInput(tables: tables, aggregates: aggregateValues[p])
                let evaluator = program.evaluator
                let slices = Parallel.ranges(batch.rows.count, parts: jobs * 2)
                let household = self.household
                let results = Parallel.map(slices.count, jobs: jobs) { s in
                    evaluator.evaluate(
                        batch: batch, input: input, rows: slices[s], householdTable: householdTable,
                        householdOfKey: { key in household.flatMap { frozen.row(ofKey: key, entity: $0) } }, failOnError: failOnError)
                }
                for result in results {
                    if let bad = result.firstInvalid { throw RunError(bad.reason(.en)) }
                    program.merge(result, firstRecord: batch.firstRecord)
                }
            }
            if failOnError, let bad = batch.invalid.first { throw RunError(bad.reason(.en)) }
            for record in batch.invalid { invalidLines.append(Self.invalidLine(record)) }
            // Keep the members other entities name (the deceased of applications).
            if !wanted.isEmpty {
                for (r, status) in batch.rows.enumerated() {
                    _ = r
                    guard case .valid(let row) = status else { continue }
                    let k = batch.table.columns[key][Int(row)]
                    guard wanted.contains(k) else { continue }
                    var cells = [Cell](repeating: .null, count: fields.count)
                    for (f, field) in fields.enumerated() where batch.table.loaded[f] {
                        let c = batch.table.columns[f][Int(row)]
                        cells[f] = field.type == .string && c != .null ? captured.strings.intern(batch.table.strings[c]) : c
                    }
                    captured.append(cells: cells, line: batch.table.lines[Int(row)])
                    for l in captured.links.indices { captured.links[l].append(batch.table.links[l][Int(row)]) }
                    _ = capturedRows.insert(Int64(base + Int(row)), Int32(captured.count - 1))
                }
            }
            count += batch.rows.count
            if let progress {
                progress(RunProgress(rowsRead: count, bytesRead: 0, bytesTotal: total, elapsed: Date().timeIntervalSince(clock)))
            }
        }
        self.linker = linker
        self.invalidLines.append(contentsOf: invalidLines)
        if let file = folder.files[entity] { rowsRead[file.name] = count }
        tables[entity] = captured
        self.captured = captured
        capturedRowOfGlobal = capturedRows
    }

    /// Programs whose subjects are a whole-loaded entity (applications, households).
    mutating func evaluateLoaded(_ entity: Int) {
        guard let result = loaded[entity] else { return }
        let batch = RecordBatch(table: result.table, rows: result.rows, invalid: result.invalid, firstRecord: 0, file: result.file ?? "", columnFields: [])
        let householdTable = household.map { tables[$0] }
        for (p, program) in programs.enumerated() where program.policy.subject == entity {
            var aggregates = aggregateValues[p]
            for (a, aggregate) in program.policy.aggregates.enumerated() where aggregates[a].isEmpty && aggregate.element != member {
                aggregates[a] = aggregate.values(EvalInput(tables: tables), hostCount: tables[aggregate.host].count)
            }
            let input = EvalInput(tables: tables, aggregates: aggregates)
            let slices = Parallel.ranges(batch.rows.count, parts: options.jobs * 2)
            let frozen = linker
            let jobs = options.jobs
            let evaluator = program.evaluator
            let household = self.household
            let results = Parallel.map(slices.count, jobs: jobs) { s in
                evaluator.evaluate(
                    batch: batch, input: input, rows: slices[s], householdTable: householdTable,
                    householdOfKey: { key in household.flatMap { frozen.row(ofKey: key, entity: $0) } }, failOnError: false)
            }
            for result in results { program.merge(result) }
        }
    }

    func discard() {
        for program in programs {
            program.spool.discard()
            program.ledger?.discard()
        }
    }
}
