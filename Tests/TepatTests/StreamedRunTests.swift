import Foundation
import Testing

@testable import Tepat
@testable import TepatData

/// A streamed run (households through a window, members deferred when their household is out of
/// reach or their NIK was perhaps seen) must write exactly what a run that loads every household
/// first writes — on dirty data, and whatever the order of the files. Tiny chunks make the window
/// slide, overflow and defer many times.
@Suite struct StreamedRunTests {
    enum Order: String, CaseIterable, Sendable {
        /// As generated: families in order, members listed with their family.
        case generated
        /// Members in random order: most are deferred.
        case shuffledMembers
        /// Households listed backwards: members reach ahead beyond the window.
        case reversedHouseholds
        /// Members moved a little out of place (as an export merged from two sources might be).
        case locallyDisplaced
    }

    static let policies = SampleRunTests.root.appendingPathComponent(Workspace.defaultPolicyPath).path
    static let outputs = ["decisions.csv", "households.csv", "summary.json", "invalid.csv"]

    /// A dirty generated population, its member or household records reordered as `order` says.
    static func population(_ order: Order, dirty: Bool = true) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-streamed-\(order.rawValue)-\(UUID().uuidString)")
        _ = try PopulationGenerator.generate(GeneratorOptions(households: 1_500, seed: 11, dirty: dirty), to: dir.path, calendar: nil)
        var random = SplitMix(seed: 5)
        switch order {
        case .generated: break
        case .shuffledMembers:
            try reorder(dir.appendingPathComponent("members.csv")) { $0.shuffle(using: &random) }
        case .reversedHouseholds:
            try reorder(dir.appendingPathComponent("households.csv")) { $0.reverse() }
        case .locallyDisplaced:
            try reorder(dir.appendingPathComponent("members.csv")) { records in
                for i in stride(from: 0, to: records.count, by: 97) {
                    let j = min(records.count - 1, i + Int(random.next() % 400))
                    records.swapAt(i, j)
                }
            }
        }
        return dir
    }

    /// Rewrites a CSV file with its records (not lines: a quoted field may hold a line break)
    /// reordered; the header stays first.
    static func reorder(_ url: URL, _ change: (inout [[UInt8]]) -> Void) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        var records: [[UInt8]] = []
        var start = 0, quotes = 0
        for (i, b) in bytes.enumerated() {
            if b == 34 { quotes += 1 }
            if b == 10, quotes % 2 == 0 {
                records.append(Array(bytes[start...i]))
                start = i + 1
                quotes = 0
            }
        }
        if start < bytes.count { records.append(Array(bytes[start...]) + [10]) }
        let header = records.removeFirst()
        change(&records)
        try Data(([header] + records).joined()).write(to: url)
    }

    func run(_ population: URL, loadWhole: Bool, jobs: Int, batchSize: Int, sortRunRecords: Int? = nil) throws -> URL {
        try runReporting(population, loadWhole: loadWhole, jobs: jobs, batchSize: batchSize, sortRunRecords: sortRunRecords).out
    }

    func runReporting(
        _ population: URL, loadWhole: Bool, jobs: Int, batchSize: Int, sortRunRecords: Int? = nil, keyFilterKeys: Int? = nil
    ) throws -> (out: URL, result: RunResult) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-streamed-out-\(UUID().uuidString)")
        var options = RunOptions(population: population.path, output: out.path, jobs: jobs, batchSize: batchSize)
        options.loadWhole = loadWhole
        options.sortRunRecords = sortRunRecords
        options.keyFilterKeys = keyFilterKeys
        let result = try PopulationRun.run(Workspace.load(paths: [Self.policies]), options: options)
        return (out, result)
    }

    @Test(arguments: Order.allCases)
    func streamedRunWritesWhatAWholeRunWrites(order: Order) throws {
        let population = try Self.population(order)
        let whole = try run(population, loadWhole: true, jobs: 2, batchSize: 4_096)
        let streamed = try run(population, loadWhole: false, jobs: 2, batchSize: 256)
        let streamedOneJob = try run(population, loadWhole: false, jobs: 1, batchSize: 256)
        defer {
            for url in [population, whole, streamed, streamedOneJob] { try? FileManager.default.removeItem(at: url) }
        }
        for name in Self.outputs {
            let a = try Data(contentsOf: whole.appendingPathComponent(name))
            let b = try Data(contentsOf: streamed.appendingPathComponent(name))
            let c = try Data(contentsOf: streamedOneJob.appendingPathComponent(name))
            #expect(a == b, "\(name): streamed (\(order)) differs from the whole run")
            #expect(b == c, "\(name): streamed (\(order)) differs between --jobs 2 and --jobs 1")
        }
        // No scratch file is left behind.
        let files = try FileManager.default.contentsOfDirectory(atPath: streamed.path).sorted()
        #expect(files == ["decisions.csv", "households.csv", "invalid.csv", "manifest.json", "report.html", "summary.json"])
    }

    /// Allocation keeps its candidates and outcomes on disk (`CandidateStore`, `ExternalSort`):
    /// whether each sort fits in one run or writes hundreds of tiny runs merged in several passes,
    /// every output is the same, and no scratch file is left.
    @Test(arguments: [false, true])
    func tinySortRunsWriteTheSameOutputs(loadWhole: Bool) throws {
        let population = try Self.population(.locallyDisplaced)
        let normal = try run(population, loadWhole: loadWhole, jobs: 2, batchSize: 256)
        let tiny = try run(population, loadWhole: loadWhole, jobs: 2, batchSize: 256, sortRunRecords: 3)
        defer {
            for url in [population, normal, tiny] { try? FileManager.default.removeItem(at: url) }
        }
        for name in Self.outputs {
            let a = try Data(contentsOf: normal.appendingPathComponent(name))
            let b = try Data(contentsOf: tiny.appendingPathComponent(name))
            #expect(a == b, "\(name): runs of 3 records differ from one run")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: tiny.path).sorted()
        #expect(files == ["decisions.csv", "households.csv", "invalid.csv", "manifest.json", "report.html", "summary.json"])
    }

    /// Keys the filters only *perhaps* saw are settled at the end of a streamed run. Filters far
    /// too small make that most keys: households are held aside, most members deferred. On clean
    /// data every household a deferred member needs was either in the window when the member was
    /// deferred, or held aside with a key that turns out to be new, so the end of the run must
    /// not read `households.csv` again. Dirty data (true duplicates, members whose household is
    /// missing) needs the file, and reads it. Either way the outputs are the whole run's.
    @Test(arguments: [false, true])
    func tinyKeyFiltersDeferMostRowsAndChangeNothing(dirty: Bool) throws {
        let population = try Self.population(.generated, dirty: dirty)
        let whole = try run(population, loadWhole: true, jobs: 2, batchSize: 4_096)
        let tiny = try runReporting(population, loadWhole: false, jobs: 2, batchSize: 256, keyFilterKeys: 300)
        let sized = try runReporting(population, loadWhole: false, jobs: 1, batchSize: 256)
        defer {
            for url in [population, whole, tiny.out, sized.out] { try? FileManager.default.removeItem(at: url) }
        }
        for name in Self.outputs {
            let a = try Data(contentsOf: whole.appendingPathComponent(name))
            let b = try Data(contentsOf: tiny.out.appendingPathComponent(name))
            let c = try Data(contentsOf: sized.out.appendingPathComponent(name))
            #expect(a == b, "\(name): a streamed run with tiny key filters differs from the whole run (dirty: \(dirty))")
            #expect(a == c, "\(name): a streamed run differs from the whole run (dirty: \(dirty))")
        }
        #expect(tiny.result.readHouseholdsAgain == dirty)
        #expect(!sized.result.readHouseholdsAgain || dirty)
        let files = try FileManager.default.contentsOfDirectory(atPath: tiny.out.path).sorted()
        #expect(files == ["decisions.csv", "households.csv", "invalid.csv", "manifest.json", "report.html", "summary.json"])
    }

    /// A reason can quote the data, and a field can hold a line break: the lines waiting for
    /// allocation must come out whole whatever bytes their reasons hold (the spool is framed, not
    /// split at line breaks). Every name has a line break; the accepted, limited and waitlisted
    /// reasons quote it.
    @Test func aLineBreakInAWaitingReasonStaysInsideItsDecision() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-line-break-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let population = dir.appendingPathComponent("population")
        _ = try PopulationGenerator.generate(GeneratorOptions(households: 400, seed: 3, dirty: false), to: population.path, calendar: nil)
        let membersURL = population.appendingPathComponent("members.csv")
        var lines = try String(contentsOf: membersURL, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for i in lines.indices.dropFirst() where !lines[i].isEmpty {
            var fields = lines[i].split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            fields[2] = "\"\(fields[2])\nbaris kedua\""  // the name
            lines[i] = fields.joined(separator: ",")
        }
        try lines.joined(separator: "\n").write(to: membersURL, atomically: true, encoding: .utf8)
        // The bundled policies, with the name quoted in every reason a pending line can end with.
        let policies = dir.appendingPathComponent("policies")
        try FileManager.default.copyItem(at: SampleRunTests.root.appendingPathComponent("policies"), to: policies)
        let jkk = policies.appendingPathComponent("tangerang/2025/jkk-jkm-pekerja-rentan.yaml")
        var text = try String(contentsOf: jkk, encoding: .utf8)
        for (old, new) in [
            ("Memenuhi syarat; peringkat {rank}", "Memenuhi syarat ({name}); peringkat {rank}"),
            ("Anggota lain dalam KK yang sama", "{name}: anggota lain dalam KK yang sama"),
            ("Pekerja rentan: pekerjaan {occupation}", "Pekerja rentan {name}: pekerjaan {occupation}"),
            ("max: kuota", "max: 5"),  // a small quota: some eligible members wait
        ] {
            #expect(text.contains(old), "the bundled policy changed: \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(to: jkk, atomically: true, encoding: .utf8)
        let workspace = Workspace.load(paths: [policies.appendingPathComponent("tangerang/2025").path])
        var outputs: [Data] = []
        for (loadWhole, jobs, batchSize) in [(true, 2, 4_096), (false, 2, 64), (false, 1, 64)] {
            let out = dir.appendingPathComponent("out-\(outputs.count)")
            var options = RunOptions(population: population.path, output: out.path, jobs: jobs, batchSize: batchSize)
            options.loadWhole = loadWhole
            let result = try PopulationRun.run(workspace, options: options)
            let decisions = try Data(contentsOf: out.appendingPathComponent("decisions.csv"))
            outputs.append(decisions)
            // Records, not lines: each has its seven or eight fields, and there is one per subject.
            var records: [[String]] = [], field = "", record: [String] = [], quoted = false, previous: UInt8 = 0
            for b in decisions {
                if quoted {
                    if b == 34 { quoted = false } else { field.append(Character(UnicodeScalar(b))) }
                } else if b == 34 {
                    if previous == 34 { field.append("\"") }
                    quoted = true
                } else if b == 44 {
                    record.append(field)
                    field = ""
                } else if b == 10 {
                    record.append(field)
                    records.append(record)
                    (field, record) = ("", [])
                } else {
                    field.append(Character(UnicodeScalar(b)))
                }
                previous = b
            }
            let rows = records.dropFirst()
            #expect(rows.allSatisfy { $0.count == records[0].count }, "every decision has the header's fields")
            #expect(rows.count == result.manifest.rowsWritten["decisions.csv"])
            for (decision, rule) in [("accepted", "pekerjaan_rentan"), ("waitlisted", "kuota"), ("rejected", "satu_per_kk")] {
                let pending = rows.filter { $0[0] == "jkk-jkm-pekerja-rentan" && $0[3] == decision && $0[4] == rule }
                #expect(!pending.isEmpty && pending.allSatisfy { $0[5].contains("\nbaris kedua") }, "\(decision) by \(rule): reasons quote the name")
            }
        }
        #expect(outputs.dropFirst().allSatisfy { $0 == outputs[0] }, "whole and streamed runs, any jobs, write the same decisions")
    }

    @Test(arguments: [false, true])
    func onErrorFailStopsAtTheFirstInvalidRowAndWritesNothing(loadWhole: Bool) throws {
        let population = try Self.population(.generated)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-streamed-fail-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: population)
            try? FileManager.default.removeItem(at: out)
        }
        var options = RunOptions(population: population.path, output: out.path, jobs: 2, failOnError: true, batchSize: 256)
        options.loadWhole = loadWhole
        var failure: RunError?
        do { _ = try PopulationRun.run(Workspace.load(paths: [Self.policies]), options: options) } catch { failure = error }
        #expect(failure?.exitCode == 2)
        #expect(failure?.message.contains("Invalid data: households.csv line") == true, "the first invalid row is a household: \(failure?.message ?? "")")
        // No output and no scratch file is left behind, under any name.
        let files = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(files.isEmpty, "left behind: \(files)")
    }

    @Test func aFalsePositiveOfTheSeenKeysFilterIsOnlyAPerhaps() {
        var seen = SeenKeys(expectedKeys: 1_000)
        var perhaps = 0
        for key in Int64(3_671_000_000_000_000)..<Int64(3_671_000_000_010_000) where seen.insert(key) { perhaps += 1 }
        // Ten times more keys than sized for: some false positives, and every key is still "perhaps" after.
        #expect(perhaps > 0)
        #expect((Int64(3_671_000_000_000_000)..<Int64(3_671_000_000_010_000)).allSatisfy { seen.mightContain($0) })
        var sized = SeenKeys(expectedKeys: 100_000)
        let noise = (Int64(1)...Int64(100_000)).filter { sized.insert($0 &* 7_919) }.count
        #expect(noise < 1_000, "false positives at the sized load should be well under 1 %")
    }

    /// The chunk insert (with blocks fetched ahead) answers as inserting the same keys one by
    /// one: duplicates inside the chunk, rows it skips, false positives and all.
    @Test(arguments: [100, 5_000])
    func insertingAChunkOfKeysAnswersAsOneByOne(expectedKeys: Int) {
        var rng = SplitMix(seed: 7)
        let keys = (0..<20_000).map { _ in Int64(rng.next() % 12_000) }
        let rows = (0..<keys.count).filter { $0 % 5 != 3 }  // some rows are not inserted
        var single = SeenKeys(expectedKeys: expectedKeys), chunked = SeenKeys(expectedKeys: expectedKeys)
        var expected = [Bool](repeating: false, count: keys.count), perhaps = expected
        for r in rows { expected[r] = single.insert(keys[r]) }
        keys.withUnsafeBufferPointer { chunked.insert($0, rows: rows, perhaps: &perhaps) }
        #expect(perhaps == expected)
        #expect(expected.contains(true) && expected.contains(false))
        #expect(keys.allSatisfy { chunked.mightContain($0) == single.mightContain($0) })
    }

    /// The filter is a value: its words live outside the Swift heap (huge pages), and a copy
    /// that is written gets words of its own.
    @Test(arguments: [1_000, 1_000_000])
    func aCopyOfTheSeenKeysFilterIsItsOwn(expectedKeys: Int) {
        var original = SeenKeys(expectedKeys: expectedKeys)
        _ = original.insert(1)
        var copy = original
        #expect(copy.insert(2) == false)
        #expect(copy.mightContain(1) && copy.mightContain(2))
        #expect(original.mightContain(1) && !original.mightContain(2))
        #expect(original.insert(2) == false, "the copy's insert must not have reached the original")
    }
}

/// A small deterministic random source for reordering test files.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
