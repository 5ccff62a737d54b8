import Foundation
import TepatData
import TepatEval
import TepatModel
import TepatReport

/// One line of a run's `decisions.csv`.
struct RunDecisionLine: Sendable, Hashable {
    var program: String
    var householdId: String
    var personId: String
    var decision: String
    var rule: String
    var reason: String
    var amount: Int64
    var applicationId: String
}

/// Allocation results (who was accepted, waitlisted or stopped by a limit, and at what rank)
/// need the whole population. They come from a run: a previous one (`--run DIR`, after checking
/// that its manifest names the same policy, schema, calendar and population files by SHA-256), or
/// one made now into a temporary folder. Only the lines of `decisions.csv` about the subjects'
/// households are read, found by their bytes like the population records.
struct AllocationLookup {
    var rows: [RunDecisionLine]
    var summary: RunSummary?
    var source: AllocationSource

    static func load(
        workspace: Workspace, programs: Set<String>, folder: PopulationFolder, options: ExplainOptions, needles: Set<String>
    ) throws(ExplainError) -> AllocationLookup {
        let en = options.language == .en
        if let run = options.run {
            try verify(run: run, workspace: workspace, programs: programs, folder: folder, language: options.language)
            let rows = try read(decisionsIn: run, needles: needles, language: options.language)
            var summary: RunSummary?
            if let data = FileManager.default.contents(atPath: run + "/summary.json") {
                summary = try? JSONDecoder().decode(RunSummary.self, from: data)
            }
            try verify(summary: summary, run: run, workspace: workspace, programs: programs, language: options.language)
            return AllocationLookup(rows: rows, summary: summary, source: AllocationSource(kind: .run, run: run))
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-explain-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        var subset = workspace
        subset.policies = workspace.policies.filter { programs.contains($0.id) }
        let result: RunResult
        do {
            result = try PopulationRun.run(
                subset, options: RunOptions(population: options.population, output: temporary, jobs: options.jobs, language: options.language))
        } catch {
            throw ExplainError(.input, (en ? "allocation needs a run of the whole population, which failed: " : "alokasi memerlukan run seluruh populasi, yang gagal: ") + error.message)
        }
        let rows = try read(decisionsIn: temporary, needles: needles, language: options.language)
        return AllocationLookup(rows: rows, summary: result.summary, source: AllocationSource(kind: .computed, run: nil))
    }

    // MARK: --run

    /// Refuses a run whose inputs are not the files given now.
    static func verify(run: String, workspace: Workspace, programs: Set<String>, folder: PopulationFolder, language: Language) throws(ExplainError) {
        let en = language == .en
        guard let data = FileManager.default.contents(atPath: run + "/manifest.json") else {
            throw ExplainError(.input, en ? "no manifest.json in \(run): not the output of `tepat run`" : "tidak ada manifest.json di \(run): bukan keluaran `tepat run`")
        }
        let manifest: RunManifest
        do { manifest = try JSONDecoder().decode(RunManifest.self, from: data) } catch {
            throw ExplainError(.input, en ? "\(run)/manifest.json cannot be read" : "\(run)/manifest.json tidak dapat dibaca")
        }
        for program in programs.sorted() where !manifest.programs.contains(program) {
            throw ExplainError(.runMismatch, en ? "the run in \(run) did not decide program `\(program)`" : "run di \(run) tidak memutus program `\(program)`")
        }
        var problems: [String] = []
        func name(_ path: String) -> String { (path as NSString).lastPathComponent }
        // Policies, schema and calendars: each file given now must be in the run, byte for byte.
        var definitions: [(path: String, role: String)] = []
        for policy in workspace.policies where programs.contains(policy.id) {
            for file in policy.files { definitions.append((file, "policy")) }
            definitions.append((policy.schema.path, "schema"))
            for calendar in policy.calendars { definitions.append((calendar.path, "calendar")) }
        }
        var seen = Set<String>()
        definitions = definitions.filter { seen.insert($0.path).inserted }
        let population = folder.files.compactMap { $0 }
        let paths = definitions.map(\.path) + population.map(\.path)
        let digests = Parallel.map(paths.count, jobs: min(4, max(1, paths.count))) { FileDigest.sha256(paths[$0]) }
        for (i, file) in definitions.enumerated() {
            let digest = digests[i]
            let same = manifest.inputs.contains { $0.role == file.role && $0.sha256 == digest }
            if !same { problems.append(en ? "\(file.role) \(file.path) differs" : "\(file.role == "policy" ? "kebijakan" : file.role == "schema" ? "skema" : "kalender") \(file.path) berbeda") }
        }
        // Population: the same files, by name, with the same digests.
        let runFiles = manifest.inputs.filter { $0.role == "population" }
        for (k, file) in population.enumerated() {
            let digest = digests[definitions.count + k]
            guard let entry = runFiles.first(where: { name($0.path) == file.name }) else {
                problems.append(en ? "\(file.name) was not in the run" : "\(file.name) tidak ada dalam run")
                continue
            }
            if entry.sha256 != digest { problems.append(en ? "\(file.name) differs" : "\(file.name) berbeda") }
        }
        for entry in runFiles where !population.contains(where: { $0.name == name(entry.path) }) {
            problems.append(en ? "\(name(entry.path)) was in the run but is not in \(folder.path)" : "\(name(entry.path)) ada dalam run tetapi tidak ada di \(folder.path)")
        }
        if !problems.isEmpty {
            let head = en
                ? "the run in \(run) was made from other files than those given now (SHA-256 in manifest.json): "
                : "run di \(run) dibuat dari berkas yang berbeda dengan yang diberikan sekarang (SHA-256 di manifest.json): "
            let tail = en ? ". Run `tepat run` again, or leave out --run to compute the allocation now." : ". Jalankan `tepat run` lagi, atau hilangkan --run agar alokasi dihitung sekarang."
            throw ExplainError(.runMismatch, head + problems.joined(separator: "; ") + tail)
        }
    }

    /// The manifest does not record `--set` or `--as-of`: the run's summary tells the reference
    /// date and the caps it used, and they must be the policies' now.
    static func verify(summary: RunSummary?, run: String, workspace: Workspace, programs: Set<String>, language: Language) throws(ExplainError) {
        let en = language == .en
        guard let summary else {
            throw ExplainError(.input, en ? "no readable summary.json in \(run)" : "tidak ada summary.json yang dapat dibaca di \(run)")
        }
        var problems: [String] = []
        for policy in workspace.policies where programs.contains(policy.id) {
            guard let s = summary.programs.first(where: { $0.program == policy.id }) else { continue }
            if s.asOf != policy.asOf.iso { problems.append(en ? "\(policy.id): reference date \(s.asOf), now \(policy.asOf.iso)" : "\(policy.id): tanggal acuan \(s.asOf), sekarang \(policy.asOf.iso)") }
            let quota = policy.allocation?.quota?.max, budget = policy.allocation?.budget?.max
            if s.quota?.max != quota { problems.append(en ? "\(policy.id): quota \(s.quota.map { String($0.max) } ?? "none"), now \(quota.map(String.init) ?? "none")" : "\(policy.id): kuota \(s.quota.map { String($0.max) } ?? "tidak ada"), sekarang \(quota.map(String.init) ?? "tidak ada")") }
            if s.budget?.max != budget { problems.append(en ? "\(policy.id): budget \(s.budget.map { String($0.max) } ?? "none"), now \(budget.map(String.init) ?? "none")" : "\(policy.id): anggaran \(s.budget.map { String($0.max) } ?? "tidak ada"), sekarang \(budget.map(String.init) ?? "tidak ada")") }
        }
        if !problems.isEmpty {
            throw ExplainError(.runMismatch, (en
                ? "the run in \(run) was made with other settings (--set, --as-of): "
                : "run di \(run) dibuat dengan pengaturan lain (--set, --as-of): ") + problems.joined(separator: "; "))
        }
    }

    // MARK: decisions.csv

    static let decisionColumns = ["program", "household_id", "person_id", "decision", "rule", "reason", "amount", "application_id"]

    /// `decisions.csv` as a schema entity of text columns, so the population reader can read it.
    static var decisionSchema: Schema {
        let fields = decisionColumns.map { Field(name: $0, type: .string, optional: true, columnOptional: $0 == "application_id") }
        return Schema(name: "decisions", path: "", entities: [Entity(name: "decision", file: "decisions", fileRequired: true, fields: fields, key: 0)])
    }

    /// The lines of `decisions.csv` whose household or application is one of `needles`.
    static func read(decisionsIn folder: String, needles: Set<String>, language: Language) throws(ExplainError) -> [RunDecisionLine] {
        let en = language == .en
        let path = folder + "/decisions.csv"
        guard FileManager.default.fileExists(atPath: path) else {
            let jsonl = FileManager.default.fileExists(atPath: folder + "/decisions.jsonl")
            throw ExplainError(.input, jsonl
                ? (en ? "\(folder) has decisions.jsonl; --run needs a run written as CSV (the default)" : "\(folder) berisi decisions.jsonl; --run memerlukan run dalam format CSV (bawaan)")
                : (en ? "no decisions.csv in \(folder)" : "tidak ada decisions.csv di \(folder)"))
        }
        let schema = decisionSchema
        let parser: RecordParser
        let records: [RawRecord]
        do {
            parser = try EntityReader(path: path, schema: schema, entity: 0, blockSize: 1 << 16).parser
            records = try RawScan.records(path: path, format: .csv, needles: needles.filter { !$0.isEmpty }.sorted().map { Array($0.utf8) })
        } catch {
            throw ExplainError(.input, error.message(language))
        }
        var rows: [RunDecisionLine] = []
        for record in records {
            let batch = parser.parse(RawChunk(bytes: record.bytes, firstLine: record.line, firstRecord: record.offset, recordCount: 1))
            let t = batch.table
            for status in batch.rows {
                guard case .valid(let r32) = status else { continue }
                let r = Int(r32)
                func text(_ f: Int) -> String { t.loaded[f] && !t.columns[f][r].isNull ? t.strings[t.columns[f][r]] : "" }
                let row = RunDecisionLine(
                    program: text(0), householdId: text(1), personId: text(2), decision: text(3), rule: text(4), reason: text(5),
                    amount: Int64(text(6)) ?? 0, applicationId: text(7))
                if needles.contains(row.householdId) || (!row.applicationId.isEmpty && needles.contains(row.applicationId)) {
                    rows.append(row)
                }
            }
        }
        return rows
    }

    // MARK: ranks

    /// The rank written into a waitlist reason, read back by matching the policy's own template
    /// (rendered with marker numbers) against the text, in either language.
    static func rank(in reason: String, policy: CompiledPolicy, input: EvalInput, row: Int, budget: Bool) -> Int? {
        let quota = policy.checked.allocation?.quota?.max ?? 0, cap = policy.checked.allocation?.budget?.max ?? 0
        for language in [Language.id, .en] {
            let template = policy.waitlistReason(budget: budget, input, row, language, AllocationMarkers.context(quota: quota, budget: cap))
            let rankText = DisplayValue.count(AllocationMarkers.rank).text(language)
            let usedText = DisplayValue.money(AllocationMarkers.used).text(language)
            if let rank = match(reason, template: template, rank: rankText, other: usedText) { return rank }
        }
        return nil
    }

    /// Matches `text` against `template` where `rank` and `other` stand for numbers.
    static func match(_ text: String, template: String, rank: String, other: String) -> Int? {
        enum Piece { case literal(String), rank, other }
        var pieces: [Piece] = []
        var rest = Substring(template)
        while !rest.isEmpty {
            let r = rest.range(of: rank), o = rest.range(of: other)
            let next: (Range<Substring.Index>, Piece)? = switch (r, o) {
            case (let r?, let o?): r.lowerBound <= o.lowerBound ? (r, .rank) : (o, .other)
            case (let r?, nil): (r, .rank)
            case (nil, let o?): (o, .other)
            default: nil
            }
            guard let (range, piece) = next else {
                pieces.append(.literal(String(rest)))
                break
            }
            if range.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<range.lowerBound]))) }
            pieces.append(piece)
            rest = rest[range.upperBound...]
        }
        guard pieces.contains(where: { if case .rank = $0 { true } else { false } }) else { return nil }
        var cursor = Substring(text)
        var found: Int?
        for (k, piece) in pieces.enumerated() {
            switch piece {
            case .literal(let s):
                guard cursor.hasPrefix(s) else { return nil }
                cursor = cursor.dropFirst(s.count)
            case .rank, .other:
                var end = cursor.endIndex
                if k + 1 < pieces.count, case .literal(let s) = pieces[k + 1], let next = cursor.range(of: s) { end = next.lowerBound }
                let value = cursor[..<end]
                if case .rank = piece {
                    let digits = value.filter(\.isNumber)
                    guard !digits.isEmpty, digits.count == value.filter({ $0 != "." && $0 != "," }).count else { return nil }
                    found = Int(String(digits))
                }
                cursor = cursor[end...]
            }
        }
        return cursor.isEmpty ? found : nil
    }
}
