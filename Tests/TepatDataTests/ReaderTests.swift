import Foundation
import TepatModel
import Testing

@testable import TepatData

/// The population contract as a schema built in code (the YAML loader lives elsewhere), plus
/// helpers to write files and read them back into comparable outcomes.
enum ReaderFixtures {
    static let households = 0
    static let members = 1
    static let applications = 2

    static let occupations = [
        "ojek", "pedagang_kaki_lima", "buruh_harian_lepas", "nelayan", "buruh_tani", "pemulung", "pekerja_rumah_tangga",
        "marbot", "guru_ngaji", "kader_posyandu", "karyawan_swasta", "pns", "tni_polri", "wiraswasta", "pelajar",
        "mengurus_rumah_tangga", "tidak_bekerja", "pensiunan",
    ]

    static let schema = Schema(
        name: "test", path: "test.yaml",
        entities: [
            Entity(
                name: "household", file: "households", fileRequired: true,
                fields: [
                    Field(name: "household_id", type: .digits(16)),
                    Field(name: "city_code", type: .string),
                    Field(name: "kecamatan", type: .string),
                    Field(name: "kelurahan", type: .string),
                    Field(name: "desil", type: .integer(min: 1, max: 10), optional: true),
                    Field(name: "dtks_period", type: .month),
                ], key: 0),
            Entity(
                name: "member", file: "members", fileRequired: true,
                fields: [
                    Field(name: "person_id", type: .digits(16)),
                    Field(name: "household_id", type: .digits(16)),
                    Field(name: "name", type: .string),
                    Field(
                        name: "relationship",
                        type: .enumeration(["kepala_keluarga", "pasangan", "anak", "orang_tua", "lainnya"])),
                    Field(name: "sex", type: .enumeration(["L", "P"])),
                    Field(name: "birth_date", type: .date),
                    Field(name: "occupation", type: .enumeration(occupations)),
                    Field(name: "employment_status", type: .enumeration(["bpu", "pu", "tidak_bekerja"])),
                    Field(name: "bpjs_tk_active", type: .boolean),
                    Field(name: "death_date", type: .date, optional: true),
                    Field(name: "disability", type: .boolean),
                    Field(
                        name: "cause_of_death",
                        type: .enumeration(["sakit", "kecelakaan_kerja", "kecelakaan_lain", "bencana_alam"]),
                        columnOptional: true),
                ], key: 0,
                links: [Link(name: "household", target: 0, via: 1, required: true)], birthDate: 5),
            Entity(
                name: "application", file: "santunan_applications", fileRequired: false,
                fields: [
                    Field(name: "application_id", type: .string),
                    Field(name: "deceased_person_id", type: .digits(16)),
                    Field(name: "applicant_nik", type: .digits(16)),
                    Field(name: "submitted_on", type: .date),
                    Field(name: "documents_complete", type: .boolean),
                    Field(name: "amount", type: .money, columnOptional: true),
                ], key: 0,
                links: [Link(name: "deceased", target: 1, via: 1, required: false)]),
        ])

    static let householdHeader = "household_id,city_code,kecamatan,kelurahan,desil,dtks_period"
    static let memberHeader =
        "person_id,household_id,name,relationship,sex,birth_date,occupation,employment_status,bpjs_tk_active,death_date,disability"

    static func kk(_ n: Int) -> String { "3671" + String(format: "%012d", n) }
    static func nik(_ n: Int) -> String { "3671" + String(format: "%012d", 500_000 + n) }

    static func householdRow(_ n: Int, desil: String = "3") -> String {
        "\(kk(n)),3671,Cipondoh,Poris Plawad,\(desil),2025-02"
    }

    static func memberRow(
        _ n: Int, household: Int, name: String = "Budi Santoso", relationship: String = "kepala_keluarga",
        birth: String = "1980-05-17", occupation: String = "ojek", death: String = ""
    ) -> String {
        "\(nik(n)),\(kk(household)),\(name),\(relationship),L,\(birth),\(occupation),bpu,false,\(death),false"
    }

    /// A fresh folder under the temporary directory.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @discardableResult
    static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @discardableResult
    static func write(bytes: [UInt8], _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// One record as the reader saw it, independent of chunking and string ids.
    enum Outcome: Hashable, CustomStringConvertible {
        case valid(line: Int, values: [String])
        case invalid(InvalidRecord)

        var description: String {
            switch self {
            case .valid(let line, let values): "valid@\(line) \(values)"
            case .invalid(let r): "invalid@\(r.line) \(r.column ?? "-") \(r.problem) \(r.rawFields)"
            }
        }

        var invalidRecord: InvalidRecord? { if case .invalid(let r) = self { r } else { nil } }
    }

    static func outcomes(_ batch: RecordBatch, schema: Schema = schema) -> [Outcome] {
        let entity = schema.entities[batch.table.entity]
        return batch.rows.map { status in
            switch status {
            case .valid(let r):
                let values = entity.fields.indices.map { f in
                    batch.table.loaded[f]
                        ? CellText.text(batch.table[f, Int(r)], type: entity.fields[f].type, strings: batch.table.strings)
                        : "<not loaded>"
                }
                return .valid(line: batch.table.lines[Int(r)], values: values)
            case .invalid(let k):
                return .invalid(batch.invalid[Int(k)])
            }
        }
    }

    /// Reads a whole file chunk by chunk (no linking) and checks the chunk bookkeeping on the way.
    static func read(
        _ path: String, entity: Int, maxRecords: Int = 1000, blockSize: Int = 1 << 16, schema: Schema = schema,
        loaded: [Bool]? = nil
    ) throws -> [Outcome] {
        var reader = try EntityReader(path: path, schema: schema, entity: entity, loaded: loaded, blockSize: blockSize)
        var result: [Outcome] = []
        while let chunk = try reader.nextChunk(maxRecords: maxRecords) {
            #expect(chunk.firstRecord == result.count)
            #expect(chunk.recordCount <= maxRecords)
            let batch = reader.parse(chunk)
            #expect(batch.rows.count == chunk.recordCount)
            #expect(batch.firstRecord == chunk.firstRecord)
            result += outcomes(batch, schema: schema)
        }
        return result
    }

    /// Writes `text` as `members.csv` (or another name) in a fresh folder and reads it.
    static func readMembers(_ text: String, name: String = "members.csv", maxRecords: Int = 1000) throws -> [Outcome] {
        let path = try write(text, name, in: folder())
        return try read(path, entity: members, maxRecords: maxRecords)
    }
}

@Suite("Typed validation and file handling")
struct ReaderTests {
    typealias F = ReaderFixtures

    @Test func validMembersAreTyped() throws {
        let text = F.memberHeader + "\n" + F.memberRow(1, household: 1) + "\n"
            + F.memberRow(2, household: 1, relationship: "anak", birth: "2012-02-29", death: "2024-12-31") + "\n"
        let rows = try F.readMembers(text)
        #expect(rows.count == 2)
        #expect(
            rows[0]
                == .valid(
                    line: 2,
                    values: [
                        F.nik(1), F.kk(1), "Budi Santoso", "kepala_keluarga", "L", "1980-05-17", "ojek", "bpu", "false", "",
                        "false", "",
                    ]))
        guard case .valid(_, let second) = rows[1] else {
            Issue.record("second row should be valid")
            return
        }
        #expect(second[5] == "2012-02-29")
        #expect(second[9] == "2024-12-31")
    }

    @Test func cellsUseTheDocumentedEncodings() throws {
        let path = try F.write(
            F.householdHeader + "\n" + F.householdRow(7, desil: "") + "\n" + F.householdRow(8, desil: "10") + "\n",
            "households.csv", in: F.folder())
        var reader = try EntityReader(path: path, schema: F.schema, entity: F.households, stringSeed: ["3671", "Cipondoh"])
        let batch = reader.parse(try #require(try reader.nextChunk(maxRecords: 10)))
        #expect(batch.table.count == 2)
        #expect(batch.table[0, 0] == 3_671_000_000_000_007)
        #expect(batch.table[1, 0] == 0, "seeded strings keep their ids")
        #expect(batch.table[2, 0] == 1)
        #expect(batch.table[4, 0] == Cell.null)
        #expect(batch.table[4, 1] == 10)
        #expect(batch.table[5, 0] == Int64(Month(year: 2025, month: 2)!.ordinal))
        #expect(batch.table.strings[batch.table[3, 1]] == "Poris Plawad")
        #expect(batch.table.lines == [2, 3])
    }

    /// One bad value per row; the neighbouring good rows stay valid.
    @Test(arguments: [
        ("person_id", F.memberRow(1, household: 1).replacingOccurrences(of: F.nik(1), with: "36710012"), DataProblem.badDigits(16)),
        ("birth_date", F.memberRow(1, household: 1, birth: "2025-02-30"), .badDate),
        ("birth_date", F.memberRow(1, household: 1, birth: "17-05-1980"), .badDate),
        ("birth_date", F.memberRow(1, household: 1, birth: ""), .missingValue),
        ("relationship", F.memberRow(1, household: 1, relationship: "kepala"), .unknownCode(allowed: ["kepala_keluarga", "pasangan", "anak", "orang_tua", "lainnya"])),
        ("occupation", F.memberRow(1, household: 1, occupation: "Ojek"), .unknownCode(allowed: F.occupations)),
        ("name", F.memberRow(1, household: 1, name: ""), .missingValue),
        ("name", F.memberRow(1, household: 1, name: "Siti \"Ani\" Rahma"), .badQuoting),
        ("bpjs_tk_active", F.memberRow(1, household: 1).replacingOccurrences(of: ",false,,false", with: ",ya,,false"), .badBoolean),
        ("death_date", F.memberRow(1, household: 1, death: "2025-13-01"), .badDate),
    ])
    func badMemberValues(column: String, row: String, problem: DataProblem) throws {
        let text = [F.memberHeader, F.memberRow(9, household: 1), row, F.memberRow(8, household: 1)].joined(separator: "\n")
        let rows = try F.readMembers(text)
        #expect(rows.count == 3)
        #expect(rows[0].invalidRecord == nil)
        #expect(rows[2].invalidRecord == nil)
        let bad = try #require(rows[1].invalidRecord)
        #expect(bad.problem == problem)
        #expect(bad.column == column)
        #expect(bad.line == 3)
        #expect(bad.file == "members.csv")
        #expect(bad.rawLinks.count == 1)
        if column != "person_id" { #expect(bad.rawKey == F.nik(1)) }
        #expect(bad.rawLinks[0] == F.kk(1))
    }

    @Test(arguments: [
        ("11", DataProblem.outOfRange(min: 1, max: 10)),
        ("0", .outOfRange(min: 1, max: 10)),
        ("-3", .outOfRange(min: 1, max: 10)),
        ("x", .badInteger),
        ("1.5", .badInteger),
        (" 3", .badInteger),
        ("-", .badInteger),
        ("99999999999999999999", .outOfRange(min: 1, max: 10)),
        ("-9223372036854775808", .outOfRange(min: 1, max: 10)),
    ])
    func badDesil(text: String, problem: DataProblem) throws {
        let path = try F.write(F.householdHeader + "\n" + F.householdRow(1, desil: text) + "\n", "households.csv", in: F.folder())
        let rows = try F.read(path, entity: F.households)
        let bad = try #require(rows.first?.invalidRecord)
        #expect(bad.problem == problem)
        #expect(bad.column == "desil")
        #expect(bad.value == text)
    }

    @Test func unboundedIntegersNeverTrap() throws {
        let schema = Schema(
            name: "n", path: "n.yaml",
            entities: [
                Entity(
                    name: "n", file: "n", fileRequired: true,
                    fields: [Field(name: "id", type: .integer(min: nil, max: nil)), Field(name: "m", type: .money)], key: 0)
            ])
        let path = try F.write(
            "id,m\n9223372036854775807,0\n-9223372036854775807,5\n9223372036854775808,1\n-9223372036854775809,1\n1,-5\n2,99999999999999999999\n3,1.000\n",
            "n.csv", in: F.folder())
        let rows = try F.read(path, entity: 0, schema: schema)
        #expect(rows.map(\.invalidRecord?.problem) == [nil, nil, .outOfRange(min: nil, max: nil), .outOfRange(min: nil, max: nil), .badMoney, .badMoney, .badMoney])
        #expect(rows[0] == .valid(line: 2, values: ["9223372036854775807", "0"]))
        #expect(rows[1] == .valid(line: 3, values: ["-9223372036854775807", "5"]))
    }

    @Test func monthsAndBooleans() throws {
        let path = try F.write(
            F.householdHeader + "\n" + F.householdRow(1).replacingOccurrences(of: "2025-02", with: "2025-13") + "\n"
                + F.householdRow(2).replacingOccurrences(of: "2025-02", with: "2025-2") + "\n",
            "households.csv", in: F.folder())
        let rows = try F.read(path, entity: F.households)
        #expect(rows.map(\.invalidRecord?.problem) == [.badMonth, .badMonth])
        #expect(rows[0].invalidRecord?.reason(.en) == "Invalid data: households.csv line 2, column dtks_period = \"2025-13\": no such month")
        #expect(rows[1].invalidRecord?.reason(.en) == "Invalid data: households.csv line 3, column dtks_period = \"2025-2\": not a month in the form YYYY-MM")

        let members = try F.readMembers(
            F.memberHeader + "\n" + F.memberRow(1, household: 1).replacingOccurrences(of: ",false,,false", with: ",TRUE,,False"))
        guard case .valid(_, let values) = members[0] else {
            Issue.record("booleans are case-insensitive")
            return
        }
        #expect(values[8] == "true")
        #expect(values[10] == "false")
    }

    @Test func invalidUTF8InATextField() throws {
        var bytes = Array((F.memberHeader + "\n").utf8)
        bytes += Array("\(F.nik(1)),\(F.kk(1)),Bud".utf8) + [0xFF, 0xFE] + Array(",anak,L,1990-01-01,ojek,bpu,false,,false\n".utf8)
        bytes += Array("\(F.nik(2)),\(F.kk(1)),Dewi Lestari Ümit,anak,P,1990-01-01,ojek,bpu,false,,false\n".utf8)
        let path = try F.write(bytes: bytes, "members.csv", in: F.folder())
        let rows = try F.read(path, entity: F.members)
        #expect(rows[0].invalidRecord?.problem == .invalidUTF8)
        #expect(rows[0].invalidRecord?.column == "name")
        #expect(rows[1].invalidRecord == nil)
    }

    @Test func wrongFieldCountKeepsTheRawTexts() throws {
        let short = "\(F.nik(1)),\(F.kk(1)),Budi,anak"
        let rows = try F.readMembers(F.memberHeader + "\n" + short + "\n" + F.memberRow(2, household: 1) + ",extra\n")
        let first = try #require(rows[0].invalidRecord)
        #expect(first.problem == .wrongFieldCount(expected: 11, found: 4))
        #expect(first.column == nil)
        #expect(first.rawFields == [F.nik(1), F.kk(1), "Budi", "anak"])
        #expect(first.rawKey == F.nik(1))
        #expect(first.rawLinks == [F.kk(1)])
        #expect(rows[1].invalidRecord?.problem == .wrongFieldCount(expected: 11, found: 12))
        #expect(first.reason() == "Data tidak valid: members.csv baris 2: ada 4 kolom, seharusnya 11")
    }

    @Test func unloadedColumnsAreValidatedButNotStored() throws {
        var loaded = Array(repeating: false, count: 12)
        loaded[5] = true  // birth_date
        let path = try F.write(
            F.memberHeader + "\n" + F.memberRow(1, household: 1) + "\n" + F.memberRow(2, household: 1, occupation: "astronot") + "\n",
            "members.csv", in: F.folder())
        var reader = try EntityReader(path: path, schema: F.schema, entity: F.members, loaded: loaded)
        #expect(reader.parser.loaded[0] && reader.parser.loaded[1], "key and link fields are always loaded")
        let batch = reader.parse(try #require(try reader.nextChunk(maxRecords: 10)))
        #expect(batch.table.count == 1)
        #expect(batch.table.columns[2].isEmpty)
        #expect(batch.table.columns[6].isEmpty)
        #expect(batch.table.columns[5].count == 1)
        #expect(batch.invalid.first?.problem == .unknownCode(allowed: F.occupations))
        #expect(batch.table.strings.count == 0, "an unloaded text column is not interned")
    }

    // MARK: byte-level decoders against plain references

    @Test func datesAgreeWithDay() {
        var random = TestRandom(state: 99)
        var texts = ["2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "0000-01-01", "0001-01-01", "9999-12-31", "2025-00-10",
                     "2025-12-00", "2025-04-31", "2025-1-01", "2025/01/01", "２０２５-01-01"]
        for _ in 0..<20_000 {
            let y = random.below(10_000), m = random.below(14), d = random.below(33)
            texts.append(String(format: "%04d-%02d-%02d", y, m, d))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let ours = bytes.withUnsafeBufferPointer { FieldDecoder.date($0.baseAddress!, $0.count) }
            #expect(ours == Day(iso: text).map { Int64($0.ordinal) }, "\(text)")
        }
    }

    @Test func digitsAgreeWithIntegerParsing() {
        var random = TestRandom(state: 5)
        var texts = ["0000000000000000", "9999999999999999", "3671000000000001", "36710000000000x1", "3671000000000:01", "/671000000000001"]
        for _ in 0..<20_000 {
            let n = 1 + random.below(18)
            texts.append(String((0..<n).map { _ in random.below(40) == 0 ? Character("a") : Character(String(random.below(10))) }))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let ours = bytes.withUnsafeBufferPointer { FieldDecoder.unsignedDigits($0.baseAddress!, $0.count) }
            let reference = text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) ? Int64(text) : nil
            #expect(ours == reference, "\(text)")
        }
    }

    @Test func enumerationLookupAgreesWithALinearSearch() {
        let codes = F.occupations + ["L", "P", "a", "ab", "abcdefgh", "abcdefghi", "x_abcdefghijklmnop_y", "x_abcdefghijklmnoq_y"]
        let table = EnumCodes(codes)
        var probes = codes + ["", "O", "ojek ", "Ojek", "pedagang_kaki_lime", "x_abcdefghijklmnop_z", "abcdefg", "abcdefghij"]
        probes += codes.map { String($0.dropLast()) } + codes.map { $0 + "s" }
        for probe in probes where !probe.isEmpty {
            let bytes = Array(probe.utf8)
            // Padded, so the word-at-a-time path may read past the value; and exact, so it may not.
            let padded = bytes + Array(repeating: 0x61, count: 8)
            let wide = padded.withUnsafeBufferPointer { table.index(of: $0.baseAddress!, bytes.count, limit: $0.baseAddress! + $0.count) }
            let tight = bytes.withUnsafeBufferPointer { table.index(of: $0.baseAddress!, $0.count) }
            #expect(wide == codes.firstIndex(of: probe), "\(probe)")
            #expect(tight == codes.firstIndex(of: probe), "\(probe)")
        }
    }

    @Test(arguments: ["true", "TRUE", "True", "false", "FALSE", "fAlSe", "ya", "tru", "truee", "fals", "1", "0", "trUe ", "f\u{0}lse"])
    func booleans(text: String) {
        let bytes = Array(text.utf8)
        let ours = bytes.withUnsafeBufferPointer { FieldDecoder.boolean($0.baseAddress!, $0.count) }
        let lower = text.lowercased()
        #expect(ours == (lower == "true" ? 1 : lower == "false" ? 0 : nil))
    }

    @Test func manyDistinctStringsInOneChunk() throws {
        var lines = [F.householdHeader]
        for n in 0..<6000 {
            lines.append("\(F.kk(n)),3671,Kecamatan \(n % 7),Kelurahan \(n % 3001) Ä,\(n % 10 + 1),2025-02")
        }
        let path = try F.write(lines.joined(separator: "\n"), "households.csv", in: F.folder())
        var reader = try EntityReader(path: path, schema: F.schema, entity: F.households, stringSeed: ["Kecamatan 3"])
        let batch = reader.parse(try #require(try reader.nextChunk(maxRecords: 10_000)))
        #expect(batch.table.count == 6000)
        #expect(batch.table.strings.count == 1 + 7 + 3001, "city code, kecamatan (the seed is one of them), kelurahan")
        #expect(batch.table.strings.id(of: "Kecamatan 3") == 0)
        for r in 0..<6000 {
            #expect(batch.table.strings[batch.table[3, r]] == "Kelurahan \(r % 3001) Ä")
            #expect(batch.table.strings[batch.table[2, r]] == "Kecamatan \(r % 7)")
        }
        #expect(batch.table[3, 5] == batch.table[3, 3006])
    }

    // MARK: header

    @Test(arguments: [
        ("person_id,household_id,name,relationship,sex,birth_date,occupation,employment_status,bpjs_tk_active,death_date", PopulationError.Kind.missingColumn("disability")),
        (F.memberHeader + ",desa", .unknownColumn("desa", suggestion: nil)),
        (F.memberHeader.replacingOccurrences(of: "birth_date", with: "birthdate"), .unknownColumn("birthdate", suggestion: "birth_date")),
        (F.memberHeader + ",name", .duplicateColumn("name")),
        ("", .emptyFile),
        ("\n\r\n", .emptyFile),
        ("person_id,\"household_id\"x,name", .badHeader),
    ])
    func headerErrors(header: String, kind: PopulationError.Kind) throws {
        let path = try F.write(header.isEmpty ? "" : header + "\n", "members.csv", in: F.folder())
        #expect(throws: PopulationError(kind, path: path)) {
            _ = try EntityReader(path: path, schema: F.schema, entity: F.members)
        }
    }

    @Test func headerInAnyOrderWithAnOptionalColumn() throws {
        let header = "cause_of_death," + F.memberHeader.split(separator: ",").reversed().joined(separator: ",")
        let values = F.memberRow(1, household: 1, death: "2024-01-01").split(separator: ",", omittingEmptySubsequences: false)
        let row = "kecelakaan_kerja," + values.reversed().joined(separator: ",")
        let rows = try F.readMembers(header + "\n" + row + "\n")
        let expected = try F.readMembers(F.memberHeader + "\n" + F.memberRow(1, household: 1, death: "2024-01-01"))
        guard case .valid(_, var want) = expected[0] else {
            Issue.record("expected a valid row")
            return
        }
        want[11] = "kecelakaan_kerja"
        #expect(rows == [.valid(line: 2, values: want)])
    }

    @Test func errorsNameTheFile() {
        let error = PopulationError(.missingColumn("desil"), path: "pop/households.csv")
        #expect(error.description == "pop/households.csv: kolom wajib `desil` tidak ada")
        #expect(error.message(.en) == "pop/households.csv: required column `desil` is missing")
        #expect(
            PopulationError(.unknownColumn("desl", suggestion: "desil"), path: "h.csv").message(.en)
                == "h.csv: unknown column `desl` (did you mean `desil`?)")
    }

    @Test func unreadableFileIsAPopulationError() throws {
        let missing = try F.folder().appendingPathComponent("members.csv").path
        #expect(throws: PopulationError.self) { _ = try EntityReader(path: missing, schema: F.schema, entity: F.members) }
    }

    // MARK: messages

    @Test func reasonsInBothLanguages() {
        let record = InvalidRecord(
            file: "members.csv", line: 57, column: "birth_date", value: "2025-02-30", problem: .badDate, rawFields: [],
            rawKey: nil, rawLinks: [])
        #expect(record.reason() == "Data tidak valid: members.csv baris 57, kolom birth_date = \"2025-02-30\": tanggal tidak ada")
        #expect(record.reason(.en) == "Invalid data: members.csv line 57, column birth_date = \"2025-02-30\": no such date")
        #expect(
            DataProblem.unknownCode(allowed: F.occupations).message()
                == "kode tidak dikenal; yang berlaku: ojek, pedagang_kaki_lima, buruh_harian_lepas, nelayan, buruh_tani, pemulung, …")
        #expect(DataProblem.unknownCode(allowed: ["L", "P"]).message(.en) == "unknown code; allowed: L, P")
        #expect(DataProblem.duplicateKey(firstLine: 12).message() == "kunci ganda; pertama di baris 12")
        #expect(DataProblem.missingLink(link: "household", target: "household").message(.en) == "no such household in the population")
        #expect(DataProblem.outOfRange(min: 1, max: 10).message() == "di luar rentang 1–10")
    }

    @Test(arguments: [
        DataProblem.missingValue, .badDate, .badMonth, .badInteger, .outOfRange(min: 1, max: nil), .outOfRange(min: nil, max: 9),
        .outOfRange(min: nil, max: nil), .badDigits(16), .badBoolean, .unknownCode(allowed: []), .badMoney,
        .wrongFieldCount(expected: 2, found: 3), .badQuoting, .invalidUTF8, .badJSON("x"), .duplicateKey(firstLine: 2),
        .missingLink(link: "deceased", target: "member"), .invalidLinkTarget(link: "household", line: 3),
    ])
    func everyProblemHasTwoMessages(problem: DataProblem) {
        let id = problem.message(.id), en = problem.message(.en)
        #expect(!id.isEmpty && !en.isEmpty)
        #expect(id != en)
    }

    @Test func longValuesAreShortened() throws {
        let name = String(repeating: "x", count: 200)
        let rows = try F.readMembers(F.memberHeader + "\n" + F.memberRow(1, household: 1, occupation: name) + "\n")
        let value = try #require(rows[0].invalidRecord?.value)
        #expect(value.count == 60)
        #expect(value.hasSuffix("…"))
    }

    // MARK: JSON Lines

    static func json(_ csvRow: String, header: String = F.memberHeader) -> String {
        let names = header.split(separator: ",")
        let values = csvRow.split(separator: ",", omittingEmptySubsequences: false)
        let pairs = zip(names, values).compactMap { name, value -> String? in
            if value.isEmpty { return "\"\(name)\": null" }
            if value == "true" || value == "false" { return "\"\(name)\": \(value)" }
            return "\"\(name)\": \"\(value)\""
        }
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    @Test func jsonLinesMatchCSV() throws {
        let rows = [
            F.memberRow(1, household: 1),
            F.memberRow(2, household: 1, birth: "2025-02-30"),
            F.memberRow(3, household: 2, relationship: "anak", occupation: "pelajar", death: "2024-06-01"),
            F.memberRow(4, household: 2, occupation: "astronot"),
            F.memberRow(5, household: 2, name: ""),
        ]
        let folder = try F.folder()
        let csv = try F.write(([F.memberHeader] + rows).joined(separator: "\n") + "\n", "members.csv", in: folder)
        let jsonl = try F.write(rows.map { Self.json($0) }.joined(separator: "\n") + "\n", "members.jsonl", in: folder)
        let fromCSV = try F.read(csv, entity: F.members)
        let fromJSON = try F.read(jsonl, entity: F.members)
        #expect(fromCSV.count == fromJSON.count)
        for (a, b) in zip(fromCSV, fromJSON) {
            switch (a, b) {
            case (.valid(let la, let va), .valid(let lb, let vb)):
                #expect(la == lb + 1, "CSV has a header line")
                #expect(va == vb)
            case (.invalid(let ra), .invalid(let rb)):
                #expect(ra.problem == rb.problem)
                #expect(ra.column == rb.column)
                #expect(ra.value == rb.value)
                #expect(ra.line == rb.line + 1)
                #expect(ra.rawKey == rb.rawKey)
                #expect(ra.rawLinks == rb.rawLinks)
            default:
                Issue.record("CSV \(a) but JSON \(b)")
            }
        }
    }

    @Test func jsonValuesMayBeNumbersEscapedOrOmitted() throws {
        let line =
            #"{"household_id": "3671000000000001", "city_code": "36\u0037\u0031", "kecamatan": "Cipondoh \"Baru\"", "kelurahan": "Poris\nPlawad", "desil": 4, "dtks_period": "2025-02"}"#
        let omitted = #"{"household_id":"3671000000000002","city_code":"3671","kecamatan":"Ciledug","kelurahan":"Sudimara","dtks_period":"2025-02"}"#
        let path = try F.write(line + "\r\n\n  \r\n" + omitted, "households.jsonl", in: F.folder())
        let rows = try F.read(path, entity: F.households)
        #expect(
            rows == [
                .valid(line: 1, values: [F.kk(1), "3671", "Cipondoh \"Baru\"", "Poris\nPlawad", "4", "2025-02"]),
                .valid(line: 4, values: [F.kk(2), "3671", "Ciledug", "Sudimara", "", "2025-02"]),
            ])
    }

    @Test(arguments: [
        (#"{"household_id": "3671000000000001", "city_code": "3671""#, "unexpected end of line"),
        (#"["3671000000000001"]"#, "not a JSON object"),
        (#"{"household_id": "3671000000000001", "bogus": 1}"#, "unknown key \"bogus\""),
        (#"{"household_id": "3671000000000001", "household_id": "3671000000000002"}"#, "duplicate key \"household_id\""),
        (#"{"household_id": {"a": 1}}"#, "nested object or array at column 18"),
        (#"{"household_id": "3671000000000001"} x"#, "text after the object at column 38"),
        (#"{"desil": 01}"#, "expected `,` or `}`: unexpected `1` at column 12"),
        (#"{"kecamatan": "a\qb"}"#, "unknown escape \\q"),
        (#"{"kecamatan": "\ud800"}"#, "unpaired surrogate in \\u escape"),
        (#"{"desil": tru}"#, "expected a value: unexpected `t` at column 11"),
    ])
    func malformedJSONLines(line: String, detail: String) throws {
        let good = #"{"household_id":"3671000000000009","city_code":"3671","kecamatan":"A","kelurahan":"B","dtks_period":"2025-02"}"#
        let path = try F.write(good + "\n" + line + "\n" + good.replacingOccurrences(of: "09\"", with: "08\""), "households.jsonl", in: F.folder())
        let rows = try F.read(path, entity: F.households)
        #expect(rows.count == 3)
        let bad = try #require(rows[1].invalidRecord)
        #expect(bad.problem == .badJSON(detail))
        #expect(bad.line == 2)
        #expect(bad.rawFields == [line])
        #expect(rows[2].invalidRecord == nil)
    }

    @Test func jsonHeaderCheckUsesTheFirstObject() throws {
        let folder = try F.folder()
        let unknown = try F.write(#"{"household_id":"3671000000000009","kota":"3671"}"# + "\n", "households.jsonl", in: folder)
        #expect(throws: PopulationError(.unknownColumn("kota", suggestion: nil), path: unknown)) {
            _ = try EntityReader(path: unknown, schema: F.schema, entity: F.households)
        }
        let missing = try F.write(#"{"household_id":"3671000000000009"}"# + "\n", "households.jsonl", in: F.folder())
        #expect(throws: PopulationError(.missingColumn("city_code"), path: missing)) {
            _ = try EntityReader(path: missing, schema: F.schema, entity: F.households)
        }
    }

    // MARK: the folder

    @Test func folderFindsFilesAndPrefersCSV() throws {
        let folder = try F.folder()
        try F.write(F.householdHeader + "\n", "households.csv", in: folder)
        try F.write("", "households.jsonl", in: folder)
        try F.write(F.memberHeader + "\n", "members.jsonl", in: folder)
        let population = try PopulationFolder(path: folder.path, schema: F.schema)
        #expect(population.files[0]?.name == "households.csv")
        #expect(population.files[1]?.name == "members.jsonl")
        #expect(population.files[1]?.format == .jsonl)
        #expect(population.files[2] == nil, "the applications file is optional")
        var linker = Linker(schema: F.schema)
        let applications = try population.load(F.applications, linker: &linker)
        #expect(applications.recordCount == 0)
        #expect(try population.reader(for: F.applications) == nil)
    }

    @Test func folderErrors() throws {
        let folder = try F.folder()
        let gone = folder.appendingPathComponent("nope").path
        #expect(throws: PopulationError(.folderMissing, path: gone)) { _ = try PopulationFolder(path: gone, schema: F.schema) }
        let file = try F.write("x", "file.txt", in: folder)
        #expect(throws: PopulationError(.notAFolder, path: file)) { _ = try PopulationFolder(path: file, schema: F.schema) }
        try F.write(F.householdHeader + "\n", "households.csv", in: folder)
        let expected = folder.appendingPathComponent("members.csv").path
        #expect(throws: PopulationError(.fileMissing, path: expected)) {
            _ = try PopulationFolder(path: folder.path, schema: F.schema)
        }
        #expect(
            PopulationError(.fileMissing, path: expected).message(.en) == "required population file not found: \(expected)")
    }
}
