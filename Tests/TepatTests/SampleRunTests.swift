import Foundation
import Testing

@testable import Tepat

/// The bundled default run, end to end: the sample population through the bundled policies
/// must give exactly the committed decisions (`fixtures/expected/sample/decisions.csv`), the
/// same bytes whatever the thread count, and one decision row per subject row.
@Suite struct SampleRunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run(jobs: Int) throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-sample-\(jobs)-\(UUID().uuidString)")
        let workspace = Workspace.load(
            paths: [Self.root.appendingPathComponent(Workspace.defaultPolicyPath).path],
            options: CheckOptions(parameterOverrides: Workspace.sampleOverrides))
        #expect(!workspace.diagnostics.containsErrors)
        let options = RunOptions(population: Self.root.appendingPathComponent(Workspace.defaultPopulationPath).path, output: out.path, jobs: jobs)
        _ = try PopulationRun.run(workspace, options: options)
        return out
    }

    @Test func decisionsMatchTheGoldenFileWhateverTheThreadCount() throws {
        let one = try run(jobs: 1), two = try run(jobs: 2)
        defer {
            try? FileManager.default.removeItem(at: one)
            try? FileManager.default.removeItem(at: two)
        }
        for name in ["decisions.csv", "households.csv", "summary.json", "invalid.csv"] {
            let a = try Data(contentsOf: one.appendingPathComponent(name)), b = try Data(contentsOf: two.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between --jobs 1 and --jobs 2")
        }
        let golden = try String(contentsOf: Self.root.appendingPathComponent("fixtures/expected/sample/decisions.csv"), encoding: .utf8)
        let actual = try String(contentsOf: one.appendingPathComponent("decisions.csv"), encoding: .utf8)
        #expect(actual == golden, "re-baseline on purpose with `tepat run --expect fixtures/expected/sample --update-expected`")
    }

    @Test func everySubjectRowIsAccountedFor() throws {
        let out = try run(jobs: 2)
        defer { try? FileManager.default.removeItem(at: out) }
        func records(_ url: URL) throws -> Int {
            // Records, not lines: the sample has quoted fields but no embedded line breaks.
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n").count - 1
        }
        let population = Self.root.appendingPathComponent(Workspace.defaultPopulationPath)
        let members = try records(population.appendingPathComponent("members.csv"))
        let applications = try records(population.appendingPathComponent("santunan_applications.csv"))
        let lines = try String(contentsOf: out.appendingPathComponent("decisions.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(lines.filter { $0.hasPrefix("jkk-jkm-pekerja-rentan,") }.count == members)
        #expect(lines.filter { $0.hasPrefix("santunan-kematian,") }.count == applications)
        // Every output file is in place, and no temporary file is left behind.
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["decisions.csv", "households.csv", "invalid.csv", "manifest.json", "report.html", "summary.json"])
    }
}
