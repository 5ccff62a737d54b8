import Foundation
import TepatData
import TepatModel
import Testing

/// The synthetic population generator: determinism, the column contract of DESIGN.md, links and
/// keys in clean mode, and faults in dirty mode. Sizes stay small so the suite runs in well under
/// a second in a debug build.
@Suite("Synthetic population generator")
struct GeneratorTests {
    static let householdsHeader = "household_id,city_code,kecamatan,kelurahan,desil,dtks_period"
    static let membersHeader =
        "person_id,household_id,name,relationship,sex,birth_date,occupation,employment_status,bpjs_tk_active,death_date,disability,cause_of_death"
    static let applicationsHeader =
        "application_id,deceased_person_id,applicant_nik,applicant_relationship,submitted_on,documents_complete"

    static let occupations: Set<String> = [
        "ojek", "pedagang_kaki_lima", "buruh_harian_lepas", "nelayan", "buruh_tani", "pemulung", "pekerja_rumah_tangga",
        "marbot", "guru_ngaji", "kader_posyandu", "karyawan_swasta", "pns", "tni_polri", "wiraswasta", "pelajar",
        "mengurus_rumah_tangga", "tidak_bekerja", "pensiunan",
    ]
    static let wageOccupations: Set<String> = ["karyawan_swasta", "pns", "tni_polri"]
    static let nonWorkers: Set<String> = ["pelajar", "mengurus_rumah_tangga", "tidak_bekerja", "pensiunan"]
    static let relationships: Set<String> = ["kepala_keluarga", "pasangan", "anak", "orang_tua", "lainnya"]
    static let causes: Set<String> = [
        "sakit", "kecelakaan_kerja", "kecelakaan_lain", "bencana_alam", "bunuh_diri", "narkoba", "hukuman_mati",
    ]
    static let heirRelationships: Set<String> = ["pasangan", "anak", "orang_tua", "saudara"]
    static let asOf = Day(year: 2025, month: 3, day: 1)!

    /// One clean and one dirty population of the same seed, generated once and shared by the tests
    /// that only read them.
    static let clean = Result { try GeneratedPopulation(GeneratorOptions(households: 3_000, seed: 17)) }
    static let dirty = Result { try GeneratedPopulation(GeneratorOptions(households: 3_000, seed: 17, dirty: true)) }

    @Test func sameSeedGivesIdenticalBytes() throws {
        let options = GeneratorOptions(households: 400, seed: 11, dirty: true)
        let first = try GeneratedPopulation(options)
        let second = try GeneratedPopulation(options)
        #expect(first.report == second.report)
        for name in GeneratedPopulation.files {
            #expect(first.bytes(name) == second.bytes(name), "\(name) differs between two runs")
        }
    }

    @Test func differentSeedGivesDifferentPopulation() throws {
        let a = try GeneratedPopulation(GeneratorOptions(households: 200, seed: 1))
        let b = try GeneratedPopulation(GeneratorOptions(households: 200, seed: 2))
        #expect(a.bytes("households.csv") != b.bytes("households.csv"))
        #expect(a.bytes("members.csv") != b.bytes("members.csv"))
    }

    @Test func headersAreExactlyTheContract() throws {
        let population = try GeneratedPopulation(GeneratorOptions(households: 50, seed: 3))
        #expect(population.lines("households.csv").first == Self.householdsHeader)
        #expect(population.lines("members.csv").first == Self.membersHeader)
        #expect(population.lines("santunan_applications.csv").first == Self.applicationsHeader)
        #expect(population.report.households == 50)
        #expect(population.report.dirtyRows == 0)
    }

    @Test func cleanModeKeysAreUniqueAndLinksResolve() throws {
        let population = try Self.clean.get()
        let households = try population.rows("households.csv")
        let members = try population.rows("members.csv")
        let householdIDs = Set(households.map { $0[0] })
        #expect(householdIDs.count == households.count, "household_id must be unique")
        let personIDs = Set(members.map { $0[0] })
        #expect(personIDs.count == members.count, "person_id must be unique")
        #expect(members.allSatisfy { householdIDs.contains($0[1]) }, "every member's household is in households.csv")
        #expect(population.report.members == members.count)
        // Exactly one head per household.
        let heads = members.filter { $0[3] == "kepala_keluarga" }.map { $0[1] }
        #expect(heads.count == households.count && Set(heads).count == households.count)
        // The NIK of a member encodes their birth date (day + 40 for women).
        var problems = Problems()
        for member in members {
            let nik = Array(member[0].utf8)
            let day = Int(String(decoding: nik[6..<8], as: UTF8.self)).map { $0 - (member[4] == "P" ? 40 : 0) }
            let month = Int(String(decoding: nik[8..<10], as: UTF8.self))
            let birth = Day(iso: member[5])?.civil
            problems.check(day == birth?.day && month == birth?.month, "NIK \(member[0]) vs birth \(member[5])")
        }
        #expect(problems.list.isEmpty, "\(problems.list.prefix(10))")
    }

    @Test func cleanValuesStayWithinTheContract() throws {
        let population = try Self.clean.get()
        var problems = Problems()
        let households = try population.rows("households.csv")
        var desil: [String: Int] = [:]
        for row in households {
            let line = row.joined(separator: ",")
            guard problems.check(row.count == 6, "fields: \(line)") else { continue }
            problems.check(Self.isDigits(row[0], count: 16) && Self.isDigits(row[1], count: 4), "ids: \(line)")
            problems.check(!row[2].isEmpty && !row[3].isEmpty, "place: \(line)")
            problems.check(row[4].isEmpty || (Int(row[4]).map { (1...10).contains($0) } ?? false), "desil: \(line)")
            problems.check(row[5] == "2025-02", "period: \(line)")
            desil[row[4], default: 0] += 1
        }
        let inTangerang = households.filter { $0[1] == "3671" }
        #expect(Set(inTangerang.map { $0[2] }).count == 13)
        #expect(Double(inTangerang.count) / Double(households.count) > 0.94)
        let poorest = (1...4).reduce(0) { $0 + desil[String($1), default: 0] }
        #expect(abs(Double(poorest) / Double(households.count) - 0.85) < 0.03)
        #expect(abs(Double(desil["", default: 0]) / Double(households.count) - 0.08) < 0.02)

        let members = try population.rows("members.csv")
        let deathsFrom = Day(year: 2024, month: 6, day: 1)!, deathsThrough = Day(year: 2025, month: 4, day: 30)!
        var dead: [String: Day] = [:]
        for row in members {
            let line = row.joined(separator: ",")
            guard problems.check(row.count == 12, "fields: \(line)") else { continue }
            problems.check(Self.isDigits(row[0], count: 16) && Self.isDigits(row[1], count: 16), "ids: \(line)")
            problems.check(!row[2].isEmpty && row[2] == row[2].uppercased(), "name: \(line)")
            problems.check(Self.relationships.contains(row[3]), "relationship: \(line)")
            problems.check(row[4] == "L" || row[4] == "P", "sex: \(line)")
            guard let birth = Day(iso: row[5]), birth <= Self.asOf else {
                problems.check(false, "birth_date: \(line)")
                continue
            }
            problems.check(Self.occupations.contains(row[6]), "occupation: \(line)")
            let status =
                Self.wageOccupations.contains(row[6]) ? "pu" : Self.nonWorkers.contains(row[6]) ? "tidak_bekerja" : "bpu"
            problems.check(row[7] == status, "employment_status: \(line)")
            problems.check(row[8] == "true" || (row[8] == "false"), "bpjs_tk_active: \(line)")
            problems.check(row[7] != "tidak_bekerja" || row[8] == "false", "covered non-worker: \(line)")
            if birth.completedYears(on: Self.asOf) < 18 {
                problems.check(row[6] == "pelajar" || row[6] == "tidak_bekerja", "working child: \(line)")
            }
            problems.check(row[10] == "true" || row[10] == "false", "disability: \(line)")
            if row[9].isEmpty {
                problems.check(row[11].isEmpty, "cause_of_death of the living: \(line)")
            } else if let death = Day(iso: row[9]) {
                problems.check(death >= deathsFrom && death <= deathsThrough && death >= birth, "death_date: \(line)")
                problems.check(Self.causes.contains(row[11]), "cause_of_death: \(line)")
                dead[row[0]] = death
            } else {
                problems.check(false, "death_date: \(line)")
            }
        }
        let nikFromCity = members.filter { $0[0].hasPrefix("3671") }.count
        #expect(abs(Double(nikFromCity) / Double(members.count) - 0.75) < 0.04)

        let applications = try population.rows("santunan_applications.csv")
        #expect(!applications.isEmpty)
        let personIDs = Set(members.map { $0[0] })
        let filedFrom = Day(year: 2024, month: 10, day: 1)!, filedThrough = Day(year: 2025, month: 6, day: 30)!
        var previous: (Day, String)?
        var unknownApplicants = 0
        for row in applications {
            let line = row.joined(separator: ",")
            guard problems.check(row.count == 6, "fields: \(line)") else { continue }
            problems.check(row[0].hasPrefix("SKM-20") && row[0].count == 15, "application_id: \(line)")
            problems.check(Self.isDigits(row[2], count: 16) && row[2] != row[1], "applicant_nik: \(line)")
            if !personIDs.contains(row[2]) { unknownApplicants += 1 }
            problems.check(Self.heirRelationships.contains(row[3]), "applicant_relationship: \(line)")
            problems.check(row[5] == "true" || row[5] == "false", "documents_complete: \(line)")
            guard let death = dead[row[1]], let submitted = Day(iso: row[4]) else {
                problems.check(false, "not a deceased member, or no date: \(line)")
                continue
            }
            problems.check(submitted > death && submitted >= filedFrom && submitted <= filedThrough, "submitted_on: \(line)")
            problems.check(submitted.weekday < 5, "filed on a weekend: \(line)")
            if let previous { problems.check(previous < (submitted, row[0]), "not sorted by submitted_on, id: \(line)") }
            previous = (submitted, row[0])
        }
        #expect(unknownApplicants < max(3, applications.count / 10))
        #expect(problems.list.isEmpty, "\(problems.list.prefix(10))")
    }

    @Test func boundaryPeopleArePresent() throws {
        let population = try Self.clean.get()
        let births = Set(try population.rows("members.csv").map { $0[5] })
        for years in [17, 18, 64, 65] {
            #expect(births.contains("\(2025 - years)-03-01"), "someone turns \(years) on 2025-03-01")
        }
        #expect(births.contains { $0.hasSuffix("-02-29") }, "someone is born on 29 February")
    }

    @Test func filingDelaysCountTheCalendarsWorkingDays() throws {
        // Every weekday of 2024-10-01…2025-06-30 that is a Monday or a Wednesday is a day off.
        var daysOff: [WorkCalendar.DayOff] = []
        var day = Day(year: 2024, month: 6, day: 1)!
        while day <= Day(year: 2025, month: 12, day: 31)! {
            if day.weekday == 0 || day.weekday == 2 { daysOff.append(.init(day: day, name: "libur", kind: "libur_nasional")) }
            day = day.adding(days: 1)
        }
        let calendar = WorkCalendar(name: "test", path: "", daysOff: daysOff)
        let population = try GeneratedPopulation(GeneratorOptions(households: 1_500, seed: 21), calendar: calendar)
        let applications = try population.rows("santunan_applications.csv")
        #expect(!applications.isEmpty)
        for row in applications {
            #expect(calendar.isWorkingDay(Day(iso: row[4])!), "\(row[4]) is not a working day")
        }
    }

    @Test func dirtyModeInjectsFaultsOverTheSamePopulation() throws {
        let clean = try Self.clean.get()
        let dirty = try Self.dirty.get()
        #expect(dirty.report.dirtyRows > 0)
        #expect(dirty.report.dirtyRows < (dirty.report.households + dirty.report.members) / 50)

        // Rows that break the contract: bad quoting, short rows, impossible dates, unknown codes.
        let badMembers = dirty.lines("members.csv").dropFirst().filter { line in
            guard let f = Self.split(line), f.count == 12 else { return true }
            return Day(iso: f[5]) == nil || !Self.occupations.contains(f[6]) || !(f[9].isEmpty || Day(iso: f[9]) != nil)
        }
        let badHouseholds = dirty.lines("households.csv").dropFirst().filter { line in
            guard let f = Self.split(line), f.count == 6 else { return true }
            return !(f[4].isEmpty || (Int(f[4]).map { (1...10).contains($0) } ?? false)) || f[5] != "2025-02"
        }
        #expect(!badMembers.isEmpty && !badHouseholds.isEmpty)
        #expect(badMembers.count + badHouseholds.count <= dirty.report.dirtyRows)
        #expect(dirty.report.households >= 3_000)

        // Outside the faulty rows, the dirty files are the clean ones.
        let cleanMembers = Set(clean.lines("members.csv"))
        let changed = dirty.lines("members.csv").filter { !cleanMembers.contains($0) }.count
        #expect(changed > 0 && changed <= dirty.report.dirtyRows)
        #expect(dirty.report.members == clean.report.members)
    }

    @Test func cleanDataQuotesNamesTheRFC4180Way() throws {
        let population = try Self.clean.get()
        let quoted = population.lines("members.csv").filter { $0.contains("\"") }
        #expect(!quoted.isEmpty, "a handful of names need quoting")
        for line in quoted {
            let fields = try #require(Self.split(line), "invalid quoting: \(line)")
            #expect(fields.count == 12)
        }
    }

    @Test func writesNothingButTheThreeFiles() throws {
        let population = try GeneratedPopulation(GeneratorOptions(households: 20, seed: 9))
        #expect(population.folderContents == ["households.csv", "members.csv", "santunan_applications.csv"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-generator-\(UUID().uuidString)").path
        #expect(throws: GeneratorError.self) {
            try PopulationGenerator.generate(GeneratorOptions(households: -1), to: folder, calendar: nil)
        }
    }

    // MARK: helpers

    /// Violations collected over many rows and reported once, so that a broken rule shows its first
    /// few rows instead of thousands of failures.
    struct Problems {
        var list: [String] = []

        @discardableResult
        mutating func check(_ condition: Bool, _ message: @autoclosure () -> String) -> Bool {
            if !condition { list.append(message()) }
            return condition
        }
    }

    static func isDigits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// Splits one CSV line by RFC 4180; nil when its quoting is invalid (a stray quote).
    static func split(_ line: String) -> [String]? {
        var line = line
        return line.withUTF8 { split(bytes: $0) }
    }

    /// The byte-level splitter behind `split(_:)`: a plain index loop, fast even in a debug build.
    static func split(bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        var fields: [String] = []
        var field: [UInt8] = []
        var i = 0
        var quoted = false
        var fieldStart = true
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if quoted {
                if b != quote {
                    field.append(b)
                } else if i < bytes.count, bytes[i] == quote {
                    field.append(quote)
                    i += 1
                } else {
                    quoted = false
                    if i < bytes.count, bytes[i] != comma { return nil }
                }
            } else if b == comma {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                fieldStart = true
                continue
            } else if b == quote {
                guard fieldStart else { return nil }
                quoted = true
            } else {
                field.append(b)
            }
            fieldStart = false
        }
        if quoted { return nil }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}

/// One generated population, read back into memory and split into lines and fields once; its
/// temporary folder is removed at once.
final class GeneratedPopulation: Sendable {
    static let files = ["households.csv", "members.csv", "santunan_applications.csv"]
    let report: GeneratorReport
    /// What the folder held after generation (no temporary files may remain).
    let folderContents: [String]
    private let contents: [String: Data]
    private let lineCache: [String: [String]]
    /// Data rows per file, nil for a line whose quoting is invalid.
    private let rowCache: [String: [[String]?]]

    init(_ options: GeneratorOptions, calendar: WorkCalendar? = nil) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-generator-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        report = try PopulationGenerator.generate(options, to: folder, calendar: calendar)
        folderContents = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        var contents: [String: Data] = [:], lineCache: [String: [String]] = [:], rowCache: [String: [[String]?]] = [:]
        for name in Self.files {
            let data = FileManager.default.contents(atPath: folder + "/" + name) ?? Data()
            var lines: [String] = []
            data.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                var start = 0
                for i in bytes.indices where bytes[i] == UInt8(ascii: "\n") {
                    lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    start = i + 1
                }
            }
            contents[name] = data
            lineCache[name] = lines
            rowCache[name] = lines.dropFirst().map(GeneratorTests.split)
        }
        self.contents = contents
        self.lineCache = lineCache
        self.rowCache = rowCache
    }

    func bytes(_ name: String) -> Data { contents[name] ?? Data() }

    func lines(_ name: String) -> [String] { lineCache[name] ?? [] }

    /// Data rows split into fields; fails the test on a row with invalid quoting.
    func rows(_ name: String) throws -> [[String]] {
        let rows = rowCache[name] ?? []
        let valid = rows.compactMap { $0 }
        try #require(valid.count == rows.count, "\(name): \(rows.count - valid.count) rows with invalid quoting")
        return valid
    }
}
