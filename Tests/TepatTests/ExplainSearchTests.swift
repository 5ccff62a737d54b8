import Foundation
@testable import Tepat
import Testing

/// Finding one ID's records by their bytes must find exactly the records, and the lines, that the
/// population reader finds: quoted fields with commas, quotes and line feeds, a byte order mark,
/// CRLF line ends, a stray quote, and the same records as JSON Lines.
@Suite struct ExplainSearchTests {
    static let header = "person_id,household_id,name,relationship,sex,birth_date,occupation,employment_status,bpjs_tk_active,death_date,disability,cause_of_death"

    static func member(_ nik: String, _ kk: String, _ name: String, occupation: String = "ojek") -> String {
        "\(nik),\(kk),\(name),kepala_keluarga,L,1990-01-01,\(occupation),bpu,false,,false,"
    }

    /// Members whose names need quoting, one with a line feed inside; a row with a stray quote.
    static let memberLines = [
        member("3671010000000001", "3671010000000101", "\"SITI, AMINAH\""),
        member("3671010000000002", "3671010000000102", "\"SITI \"\"ICEU\"\"\nAMINAH\""),
        member("3671010000000003", "3671010000000103", "BAD\" QUOTE"),
        member("3671010000000004", "3671010000000104", "\"3671010000000005\""),
        member("3671010000000005", "3671010000000105", "HENDRA"),
        "",
        member("3671010000000006", "3671010000000106", "\"RUDI\nSETIAWAN\nPUTRA\"", occupation: "pns"),
    ]

    static func write(_ folder: String, newline: String, bom: Bool) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var households = "household_id,city_code,kecamatan,kelurahan,desil,dtks_period" + newline
        for k in 1...6 { households += "367101000000010\(k),3671,Cipondoh,Ketapang,2,2025-02" + newline }
        try ((bom ? "\u{FEFF}" : "") + households).write(toFile: folder + "/households.csv", atomically: true, encoding: .utf8)
        let members = ([header] + memberLines).joined(separator: newline) + newline
        try ((bom ? "\u{FEFF}" : "") + members).write(toFile: folder + "/members.csv", atomically: true, encoding: .utf8)
    }

    static func explain(_ id: String, _ folder: String) -> Result<Explanation, ExplanationFailure> {
        Explainer.explain(id, workspace: Workspace.load(paths: [ExplainGoldenTests.bundled]), options: ExplainOptions(population: folder, jobs: 2))
    }

    @Test(arguments: [("\n", false), ("\r\n", true)])
    func recordsAndLinesAreThoseOfTheReader(_ newline: String, _ bom: Bool) throws {
        let folder = ExplainRunAgreementTests.temporary("explain-search")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.write(folder, newline: newline, bom: bom)
        // Lines: header 1, then 2, 3–4 (a line feed inside), 5, 6, 7, blank 8, 9–11.
        let expected: [(nik: String, line: Int, name: String)] = [
            ("3671010000000001", 2, "SITI, AMINAH"), ("3671010000000002", 3, "SITI \"ICEU\"\nAMINAH"),
            ("3671010000000004", 6, "3671010000000005"), ("3671010000000005", 7, "HENDRA"),
            ("3671010000000006", 9, "RUDI\nSETIAWAN\nPUTRA"),
        ]
        // The lines the population reader gives, for comparison.
        let workspace = Workspace.load(paths: [ExplainGoldenTests.bundled])
        let schema = try #require(workspace.policies.first?.schema)
        let population = try PopulationFolder(path: folder, schema: schema)
        var linker = Linker(schema: schema)
        let households = try #require(schema.entityIndex(named: "household")), members = try #require(schema.entityIndex(named: "member"))
        _ = try population.load(households, linker: &linker, parallelism: 1)
        let read = try population.load(members, linker: &linker, parallelism: 1)
        let key = schema.entities[members].key
        var readerLines: [String: Int] = [:]
        for r in 0..<read.table.count {
            readerLines[CellText.text(read.table.columns[key][r], type: schema.entities[members].fields[key].type, strings: read.table.strings)] = read.table.lines[r]
        }
        #expect(read.invalid.map(\.line) == [5])
        for e in expected {
            #expect(readerLines[e.nik] == e.line, "the reader puts \(e.nik) on line \(readerLines[e.nik] ?? -1)")
            let x = try Self.explain(e.nik, folder).get()
            let s = try #require(x.programs.first?.subjects.first)
            #expect(s.location == "members.csv:\(e.line)", "\(e.nik)")
            #expect(s.name == e.name, "\(e.nik)")
            #expect(x.programs.first?.subjects.count == 1, "\(e.nik): only the person, not the record that mentions the NIK in a name")
        }
        // The stray quote makes its row invalid, as in a run.
        guard case .failure(let f) = Self.explain("3671010000000003", folder) else {
            Issue.record("a row with a stray quote was explained")
            return
        }
        #expect(f.error == .onlyInvalid)
        #expect(f.dataErrors.first?.line == 5)
        #expect(f.dataErrors.first?.problem.contains("kutip") == true)
    }

    @Test func jsonLinesGiveTheSameAnswer() throws {
        let csv = ExplainRunAgreementTests.temporary("explain-csv"), jsonl = ExplainRunAgreementTests.temporary("explain-jsonl")
        defer {
            try? FileManager.default.removeItem(atPath: csv)
            try? FileManager.default.removeItem(atPath: jsonl)
        }
        try FileManager.default.copyItem(atPath: ExplainGoldenTests.population, toPath: csv)
        try FileManager.default.createDirectory(atPath: jsonl, withIntermediateDirectories: true)
        for name in ["households", "members", "santunan_applications"] {
            let rows = ExplainRunAgreementTests.csv(try String(contentsOfFile: "\(csv)/\(name).csv", encoding: .utf8))
            guard let head = rows.first else { continue }
            let lines = rows.dropFirst().map { row in
                "{" + zip(head, row).filter { !$0.1.isEmpty }.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ") + "}"
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: "\(jsonl)/\(name).jsonl", atomically: true, encoding: .utf8)
        }
        for id in ["3671010101250007", "3671011408070001", "3671010303600001", "3671019999990001"] {
            var a = try Self.explain(id, csv).get(), b = try Self.explain(id, jsonl).get()
            a.population = ""
            b.population = ""
            let strip = { (x: Explanation) -> String in
                (try? ExplanationJSON.encode(x))?.replacingOccurrences(of: ".jsonl:", with: ":").replacingOccurrences(of: ".csv:", with: ":") ?? ""
            }
            // JSON Lines has no header: every record is one line earlier.
            #expect(a.programs.map { $0.subjects.map(\.decision) } == b.programs.map { $0.subjects.map(\.decision) }, "\(id)")
            #expect(a.programs.map { $0.subjects.map(\.reason) } == b.programs.map { $0.subjects.map(\.reason) }, "\(id)")
            #expect(strip(a).count > 0 && strip(b).count > 0)
        }
    }

    @Test func rawScanFindsEveryOccurrenceAcrossRecordKinds() throws {
        let folder = ExplainRunAgreementTests.temporary("explain-raw")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.write(folder, newline: "\r\n", bom: true)
        let records = try RawScan.records(path: folder + "/members.csv", format: .csv, needles: [Array("3671010000000005".utf8)])
        // The name of one record and the key of the next.
        #expect(records.map(\.line) == [6, 7])
        let limited = try RawScan.records(path: folder + "/members.csv", format: .csv, needles: [Array("3671010000000005".utf8)], through: records.first?.offset)
        #expect(limited.map(\.line) == [6])
        let none = try RawScan.records(path: folder + "/members.csv", format: .csv, needles: [Array("9999999999999999".utf8)])
        #expect(none.isEmpty)
    }
}
