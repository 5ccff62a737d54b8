import Foundation
import TepatCheck
import TepatModel
import TepatReport

public struct DiffOptions: Sendable {
    public var base: [String]
    public var candidate: [String]
    public var population: String
    /// `--set`: parameter values for the candidate only.
    public var candidateOverrides: [(name: String, value: String)]
    public var jobs: Int
    /// How many flipped subjects to keep per program in the report (nil: all).
    public var flipLimit: Int?
    /// Where to write every flipped subject as CSV (all of them, whatever `flipLimit`).
    public var flipsFile: String?

    public init(
        base: [String], candidate: [String], population: String = Workspace.defaultPopulationPath,
        candidateOverrides: [(name: String, value: String)] = [], jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        flipLimit: Int? = nil, flipsFile: String? = nil
    ) {
        self.base = base
        self.candidate = candidate
        self.population = population
        self.candidateOverrides = candidateOverrides
        self.jobs = jobs
        self.flipLimit = flipLimit
        self.flipsFile = flipsFile
    }
}

public struct DiffError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// 1: the policies have errors; 2: the input could not be used.
    public var exitCode: Int32
    public var description: String { message }
}

/// `tepat diff`: both versions of the policies decide the same population in ONE run — the
/// base's and the candidate's compiled policies go into one workspace under internal program
/// ids, so the population is read, linked and streamed once — and their `decisions.csv` rows are
/// joined per program. Rows of a program are written in input order, so the k-th base row and
/// the k-th candidate row are the same subject (checked on the keys).
public enum PolicyDiff {
    static let basePrefix = "base-"
    static let candidatePrefix = "candidate-"

    public static func run(_ options: DiffOptions) throws(DiffError) -> DiffReport {
        let base = Workspace.load(paths: options.base)
        let candidate = Workspace.load(paths: options.candidate, options: CheckOptions(parameterOverrides: options.candidateOverrides))
        for (label, workspace) in [("base", base), ("candidate", candidate)] where workspace.diagnostics.containsErrors {
            let errors = workspace.diagnostics.sorted.filter { $0.severity == .error }
            throw DiffError(message: "the \(label) policies have errors:\n" + workspace.renderer.render(errors), exitCode: 1)
        }
        guard !base.policies.isEmpty, !candidate.policies.isEmpty else {
            throw DiffError(message: base.policies.isEmpty ? "no base policies" : "no candidate policies", exitCode: 1)
        }
        let pairs = pair(base.policies, candidate.policies)

        // One workspace, one run.
        var combined = Workspace()
        combined.sources = base.sources + candidate.sources
        combined.schemas = base.schemas
        combined.calendars = base.calendars + candidate.calendars
        for (i, policy) in base.policies.enumerated() {
            var p = policy
            p.id = basePrefix + String(i)
            combined.policies.append(p)
        }
        for (j, policy) in candidate.policies.enumerated() {
            var p = policy
            p.id = candidatePrefix + String(j)
            combined.policies.append(p)
        }
        let output = NSTemporaryDirectory() + "tepat-diff-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result: RunResult
        do {
            result = try PopulationRun.run(combined, options: RunOptions(population: options.population, output: output, jobs: options.jobs, format: .csv))
        } catch {
            throw DiffError(message: error.message, exitCode: error.exitCode)
        }
        let schema = base.policies[0].schema
        let kecamatan = KecamatanIndex(population: options.population, schema: schema)

        var join = Join(base: base.policies, candidate: candidate.policies, pairs: pairs, kecamatan: kecamatan, flipLimit: options.flipLimit)
        var flipsOut: FileHandle?
        if let path = options.flipsFile {
            guard FileManager.default.createFile(atPath: path, contents: Data(Join.flipHeader.utf8)), let handle = FileHandle(forWritingAtPath: path) else {
                throw DiffError(message: "cannot write \(path)", exitCode: 2)
            }
            handle.seekToEndOfFile()
            flipsOut = handle
        }
        defer { try? flipsOut?.close() }
        do {
            try DecisionFile.forEach(output + "/decisions.csv") { row in
                if let line = join.add(row), let flipsOut { flipsOut.write(Data(line.utf8)) }
            }
        } catch {
            throw DiffError(message: error.message, exitCode: 2)
        }
        if join.mismatchedKeys > 0 {
            throw DiffError(message: "internal error: \(join.mismatchedKeys) base and candidate decisions do not line up by subject", exitCode: 2)
        }
        var report = join.finish(summary: result.summary)
        report.base = options.base
        report.candidate = options.candidate
        report.population = options.population
        report.candidateOverrides = options.candidateOverrides.map { "\($0.name)=\($0.value)" }
        return report
    }

    /// Which candidate program compares with which base program: the same id; else the candidate
    /// that extends the base's file; else the only unpaired one with the same subject.
    static func pair(_ base: [CheckedPolicy], _ candidate: [CheckedPolicy]) -> [Int: Int] {
        var pairs: [Int: Int] = [:]
        var taken = Set<Int>()
        func normalized(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        for (i, b) in base.enumerated() {
            if let j = candidate.indices.first(where: { !taken.contains($0) && candidate[$0].id == b.id }) {
                pairs[i] = j
                taken.insert(j)
            }
        }
        for (i, b) in base.enumerated() where pairs[i] == nil {
            let path = normalized(b.path)
            if let j = candidate.indices.first(where: { !taken.contains($0) && candidate[$0].files.dropFirst().map(normalized).contains(path) }) {
                pairs[i] = j
                taken.insert(j)
            }
        }
        for (i, b) in base.enumerated() where pairs[i] == nil {
            let same = candidate.indices.filter { !taken.contains($0) && candidate[$0].subjectEntity.name == b.subjectEntity.name }
            let baseSame = base.indices.filter { pairs[$0] == nil && base[$0].subjectEntity.name == b.subjectEntity.name }
            if same.count == 1, baseSame.count == 1 {
                pairs[i] = same[0]
                taken.insert(same[0])
            }
        }
        return pairs
    }
}

/// Household key → kecamatan, read from the population's households file (CSV or JSON Lines).
struct KecamatanIndex {
    var names: [String: String] = [:]
    static let unknown = "(tidak diketahui)"

    init(population: String, schema: Schema) {
        guard let entity = schema.entity(named: "household"), entity.fieldIndex(named: "kecamatan") != nil else { return }
        let keyName = entity.fields[entity.key].name
        let base = WorkspaceLoader.join(population, entity.file)
        if FileManager.default.fileExists(atPath: base + ".csv") {
            var key = -1, kecamatan = -1
            _ = CSVRecords.forEach(path: base + ".csv") { fields, _ in
                if key < 0 && kecamatan < 0 {
                    key = fields.firstIndex(of: keyName) ?? -2
                    kecamatan = fields.firstIndex(of: "kecamatan") ?? -2
                    return
                }
                guard key >= 0, kecamatan >= 0, key < fields.count, kecamatan < fields.count else { return }
                let k = fields[key].trimmingCharacters(in: .whitespaces)
                if names[k] == nil { names[k] = fields[kecamatan] }
            }
        } else if let data = FileManager.default.contents(atPath: base + ".jsonl") {
            for line in data.split(separator: 10) {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else { continue }
                let k = (object[keyName] as? String) ?? (object[keyName] as? NSNumber)?.stringValue ?? ""
                if names[k] == nil, let name = object["kecamatan"] as? String { names[k] = name }
            }
        }
    }

    func name(_ household: String) -> String {
        guard let name = names[household], !name.isEmpty else { return Self.unknown }
        return name
    }
}

/// Joins base and candidate rows as they stream out of the combined `decisions.csv`.
struct Join {
    struct Stored {
        var decisions: [UInt8] = []
        var rules: [Int32] = []
        var amounts: [Int64] = []
        /// Hashes of the subject keys, to check that the rows line up (a few bytes per subject).
        var keys: [Int] = []
    }

    let base: [CheckedPolicy]
    let candidate: [CheckedPolicy]
    /// base index → candidate index, and the reverse.
    let pairs: [Int: Int]
    let reverse: [Int: Int]
    let kecamatan: KecamatanIndex
    let flipLimit: Int?
    var stored: [Stored]
    var ruleNames: [String] = []
    var ruleIndex: [String: Int32] = [:]
    var programs: [Int: ProgramDiff] = [:]
    var seen: [Int: Int] = [:]
    var causes: [Int: [String: FlipCause]] = [:]
    var groups: [Int: [String: KecamatanDiff]] = [:]
    var baseOnly: [Int: DiffSide] = [:]
    var candidateOnly: [Int: DiffSide] = [:]
    var mismatchedKeys = 0

    static let flipHeader = "program,candidate_program,household_id,person_id,application_id,kecamatan,from,to,rule,base_rule,candidate_rule,base_amount,candidate_amount\n"

    init(base: [CheckedPolicy], candidate: [CheckedPolicy], pairs: [Int: Int], kecamatan: KecamatanIndex, flipLimit: Int?) {
        self.base = base
        self.candidate = candidate
        self.pairs = pairs
        reverse = Dictionary(uniqueKeysWithValues: pairs.map { ($0.value, $0.key) })
        self.kecamatan = kecamatan
        self.flipLimit = flipLimit
        stored = Array(repeating: Stored(), count: base.count)
        for (i, j) in pairs {
            programs[i] = ProgramDiff(
                program: base[i].id, candidateProgram: candidate[j].id, title: candidate[j].title, subject: base[i].subjectEntity.name,
                base: DiffSide(program: base[i].id), candidate: DiffSide(program: candidate[j].id))
        }
    }

    static func decision(_ text: String) -> DiffDecision { DiffDecision(rawValue: text) ?? .invalid }

    mutating func intern(_ rule: String) -> Int32 {
        if let i = ruleIndex[rule] { return i }
        ruleNames.append(rule)
        ruleIndex[rule] = Int32(ruleNames.count - 1)
        return Int32(ruleNames.count - 1)
    }

    /// Takes one row of the combined decisions; returns the flip as a CSV line when it is one.
    mutating func add(_ row: DecisionRow) -> String? {
        if row.program.hasPrefix(PolicyDiff.basePrefix), let i = Int(row.program.dropFirst(PolicyDiff.basePrefix.count)), i < base.count {
            let decision = Self.decision(row.decision)
            if pairs[i] == nil {
                baseOnly[i, default: DiffSide(program: base[i].id)].add(decision, amount: row.amount)
                return nil
            }
            stored[i].decisions.append(UInt8(DiffDecision.allCases.firstIndex(of: decision) ?? 3))
            stored[i].rules.append(intern(row.rule))
            stored[i].amounts.append(row.amount)
            stored[i].keys.append(row.subjectKey.hashValue)
            return nil
        }
        guard row.program.hasPrefix(PolicyDiff.candidatePrefix), let j = Int(row.program.dropFirst(PolicyDiff.candidatePrefix.count)), j < candidate.count else {
            return nil
        }
        let to = Self.decision(row.decision)
        guard let i = reverse[j], var program = programs[i] else {
            candidateOnly[j, default: DiffSide(program: candidate[j].id)].add(to, amount: row.amount)
            return nil
        }
        let k = seen[i, default: 0]
        seen[i] = k + 1
        guard k < stored[i].decisions.count else {
            mismatchedKeys += 1
            return nil
        }
        if stored[i].keys[k] != row.subjectKey.hashValue { mismatchedKeys += 1 }
        let from = DiffDecision.allCases[Int(stored[i].decisions[k])]
        let baseRule = ruleNames[Int(stored[i].rules[k])]
        let baseAmount = stored[i].amounts[k]
        program.subjects += 1
        program.base.add(from, amount: baseAmount)
        program.candidate.add(to, amount: row.amount)
        program.transitions[from.rawValue, default: [:]][to.rawValue, default: 0] += 1
        let place = kecamatan.name(row.householdId)
        var group = groups[i]?[place] ?? KecamatanDiff(kecamatan: place)
        if from == .accepted {
            group.baseAccepted += 1
            group.baseAmount += baseAmount
        }
        if to == .accepted {
            group.candidateAccepted += 1
            group.candidateAmount += row.amount
        }
        var line: String?
        if from != to {
            program.flipped += 1
            group.flipped += 1
            if to == .accepted { group.gained += 1 }
            if from == .accepted { group.lost += 1 }
            let byBase = to.rank > from.rank
            let rule = byBase ? baseRule : row.rule
            let causeKey = "\(from.rawValue)\u{1}\(to.rawValue)\u{1}\(rule)"
            causes[i, default: [:]][causeKey, default: FlipCause(from: from, to: to, rule: rule, side: byBase ? "base" : "candidate", count: 0)].count += 1
            let flip = Flip(
                householdId: row.householdId, personId: row.personId, applicationId: row.applicationId.isEmpty ? nil : row.applicationId,
                kecamatan: place, from: from, to: to, rule: rule, baseRule: baseRule, candidateRule: row.rule, baseAmount: baseAmount,
                candidateAmount: row.amount)
            if flipLimit.map({ program.flips.count < $0 }) ?? true {
                program.flips.append(flip)
            } else {
                program.flipsOmitted += 1
            }
            line = CSV.line([
                program.program, program.candidateProgram, row.householdId, row.personId, row.applicationId, place, from.rawValue, to.rawValue, rule,
                baseRule, row.rule, String(baseAmount), String(row.amount),
            ])
        } else if from == .accepted && baseAmount != row.amount {
            program.amountChanged += 1
        } else if baseRule != row.rule {
            program.ruleChanged += 1
        }
        groups[i, default: [:]][place] = group
        programs[i] = program
        return line
    }

    func finish(summary: RunSummary) -> DiffReport {
        func caps(_ id: String) -> (CapUse?, CapUse?) {
            guard let p = summary.programs.first(where: { $0.program == id }) else { return (nil, nil) }
            return (p.quota, p.budget)
        }
        var out: [ProgramDiff] = []
        for i in base.indices {
            guard var program = programs[i], let j = pairs[i] else { continue }
            (program.base.quota, program.base.budget) = caps(PolicyDiff.basePrefix + String(i))
            (program.candidate.quota, program.candidate.budget) = caps(PolicyDiff.candidatePrefix + String(j))
            program.costChange = program.candidate.amount - program.base.amount
            for from in DiffDecision.allCases {
                for to in DiffDecision.allCases { program.transitions[from.rawValue, default: [:]][to.rawValue, default: 0] += 0 }
            }
            program.causes = (causes[i] ?? [:]).values.sorted {
                $0.count != $1.count ? $0.count > $1.count : ($0.from.rank, $0.to.rank, $0.rule) < ($1.from.rank, $1.to.rank, $1.rule)
            }
            program.byKecamatan = (groups[i] ?? [:]).values.sorted { $0.kecamatan < $1.kecamatan }
            out.append(program)
        }
        var unpaired: [UnpairedProgram] = []
        for i in base.indices where pairs[i] == nil {
            var totals = baseOnly[i] ?? DiffSide(program: base[i].id)
            (totals.quota, totals.budget) = caps(PolicyDiff.basePrefix + String(i))
            unpaired.append(UnpairedProgram(program: base[i].id, side: "base", totals: totals))
        }
        for j in candidate.indices where reverse[j] == nil {
            var totals = candidateOnly[j] ?? DiffSide(program: candidate[j].id)
            (totals.quota, totals.budget) = caps(PolicyDiff.candidatePrefix + String(j))
            unpaired.append(UnpairedProgram(program: candidate[j].id, side: "candidate", totals: totals))
        }
        return DiffReport(base: [], candidate: [], population: "", candidateOverrides: [], programs: out, unpaired: unpaired)
    }
}
