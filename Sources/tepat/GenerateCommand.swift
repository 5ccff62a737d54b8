import ArgumentParser
import Foundation
import Tepat

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic, deterministic population in the DESIGN.md contract.",
        discussion: "The same --households, --seed and --dirty give byte-identical files on any machine. See docs/generator.md.")

    @Option(help: "Number of households.")
    var households: Int = 1000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Output folder.")
    var out: String

    @Flag(help: "Inject a small documented share of dirty rows (bad dates, unknown codes, duplicate NIKs, …).")
    var dirty = false

    @Option(help: "Calendar of days off used for filing delays.")
    var calendar: String = "policies/calendars/indonesia-2025.yaml"

    func run() throws {
        guard households >= 0 else { throw ValidationError("--households cannot be negative") }
        var workCalendar: WorkCalendar?
        if FileManager.default.fileExists(atPath: calendar), let data = FileManager.default.contents(atPath: calendar) {
            let (loaded, diagnostics) = CalendarLoader.load(SourceFile(path: calendar, text: String(decoding: data, as: UTF8.self)))
            if diagnostics.contains(where: { $0.severity == .error }) {
                FileHandle.standardError.write(Data(DiagnosticRenderer(sources: []).render(diagnostics).utf8))
                throw ExitCode(2)
            }
            workCalendar = loaded
        }
        let start = Date()
        do {
            let report = try PopulationGenerator.generate(GeneratorOptions(households: households, seed: seed, dirty: dirty), to: out, calendar: workCalendar)
            print("\(report.households) households, \(report.members) members, \(report.applications) applications\(dirty ? ", \(report.dirtyRows) dirty rows" : "") in \(out) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
