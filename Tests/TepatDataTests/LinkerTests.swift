import Foundation
import TepatModel
import Testing

@testable import TepatData

@Suite("Keys and links")
struct LinkerTests {
    typealias F = ReaderFixtures

    // MARK: KeyIndex

    @Test(arguments: [1, 2, 3, 4])
    func keyIndexAgreesWithDictionary(seed: Int) {
        var random = TestRandom(state: UInt64(seed))
        var index = KeyIndex(minimumCapacity: seed == 1 ? 0 : 1000)
        var dictionary: [Int64: Int32] = [:]
        let special: [Int64] = [.min, .max, 0, -1, 3_671_000_000_000_001]
        for step in 0..<60_000 {
            let key: Int64
            switch random.below(4) {
            case 0: key = special[random.below(special.count)]
            case 1: key = Int64(random.below(5000))
            case 2: key = 3_671_000_000_000_000 + Int64(random.below(100_000)) * 16  // NIK-like, clustered
            default: key = Int64(bitPattern: random.next())
            }
            let value = Int32(truncatingIfNeeded: random.next())
            switch random.below(3) {
            case 0:
                let (inserted, stored) = index.insert(key, value)
                if let old = dictionary[key] {
                    #expect(!inserted && stored == old, "step \(step)")
                } else {
                    #expect(inserted && stored == value, "step \(step)")
                    dictionary[key] = value
                }
            case 1:
                #expect(index.updateValue(value, forKey: key) == dictionary.updateValue(value, forKey: key), "step \(step)")
            default:
                #expect(index[key] == dictionary[key], "step \(step)")
            }
            #expect(index.count == dictionary.count)
        }
        for (key, value) in dictionary { #expect(index[key] == value) }
        let entries = index.entries
        #expect(entries.count == dictionary.count)
        #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) }) == dictionary)
    }

    // MARK: linking

    /// households: 1 valid, 2 with a bad desil (invalid), 3 valid, a duplicate of 1.
    static func householdsFile(in folder: URL) throws -> String {
        try F.write(
            [F.householdHeader, F.householdRow(1), F.householdRow(2, desil: "11"), F.householdRow(3, desil: ""), F.householdRow(1, desil: "9")]
                .joined(separator: "\n") + "\n", "households.csv", in: folder)
    }

    @Test(arguments: [1, 2, 3, 100])
    func duplicatesAndLinks(maxRecords: Int) throws {
        let folder = try F.folder()
        let households = try Self.householdsFile(in: folder)
        let members = try F.write(
            [
                F.memberHeader,
                F.memberRow(1, household: 1),  // line 2: valid, household row 0
                F.memberRow(2, household: 2),  // line 3: household line 3 is invalid
                F.memberRow(3, household: 9),  // line 4: no such household
                F.memberRow(1, household: 3),  // line 5: duplicate NIK of line 2
                F.memberRow(4, household: 3, birth: "1990-02-30"),  // line 6: bad date, key 4 not claimed
                F.memberRow(4, household: 3),  // line 7: valid (the first *valid* record with key 4)
                F.memberRow(5, household: 3),  // line 8: valid
                F.memberRow(5, household: 1),  // line 9: duplicate of line 8
            ].joined(separator: "\n"), "members.csv", in: folder)

        var linker = Linker(schema: F.schema)
        let loaded = try loadTable(path: households, schema: F.schema, entity: F.households, linker: &linker, maxRecords: maxRecords)
        #expect(loaded.rows.map(\.isValid) == [true, false, true, false])
        #expect(loaded.invalid.map(\.problem) == [.outOfRange(min: 1, max: 10), .duplicateKey(firstLine: 2)])
        #expect(loaded.invalid[1].reason() == "Data tidak valid: households.csv baris 5, kolom household_id = \"\(F.kk(1))\": kunci ganda; pertama di baris 2")
        #expect(loaded.keys.count == 2)
        #expect(linker.invalidKeys(of: F.households)[F.keyCode(F.kk(2))] == 3)

        var reader = try EntityReader(path: members, schema: F.schema, entity: F.members, blockSize: 7)
        var statuses: [RowStatus] = []
        var problems: [Int: DataProblem] = [:]
        var householdOfLine: [Int: Int32] = [:]
        while let chunk = try reader.nextChunk(maxRecords: maxRecords) {
            var batch = reader.parse(chunk)
            linker.link(&batch)
            #expect(batch.table.links[0].count == batch.table.count)
            for i in batch.rows.indices {
                statuses.append(batch.rows[i])
                switch batch.rows[i] {
                case .valid(let r): householdOfLine[batch.table.lines[Int(r)]] = batch.table.links[0][Int(r)]
                case .invalid(let k): problems[batch.invalid[Int(k)].line] = batch.invalid[Int(k)].problem
                }
            }
        }
        #expect(statuses.count == 8)
        #expect(
            problems == [
                3: .invalidLinkTarget(link: "household", line: 3), 4: .missingLink(link: "household", target: "household"),
                5: .duplicateKey(firstLine: 2), 6: .badDate, 9: .duplicateKey(firstLine: 8),
            ])
        let rowOfKK3 = try #require(loaded.keys[F.keyCode(F.kk(3))])
        #expect(householdOfLine == [2: 0, 7: rowOfKK3, 8: rowOfKK3])
        #expect(loaded.table.lines[Int(rowOfKK3)] == 4)
        #expect(linker.row(ofKey: F.nik(5), entity: F.members) != nil)
        #expect(linker.row(ofKey: F.nik(3), entity: F.members) == nil)
    }

    @Test func recordsInvalidatedByTheLinkerKeepTheirRawTexts() throws {
        let folder = try F.folder()
        let households = try Self.householdsFile(in: folder)
        let members = try F.write(
            F.memberHeader + "\n" + F.memberRow(3, household: 9, name: "Rina", death: "2024-03-05") + "\n", "members.csv", in: folder)
        var linker = Linker(schema: F.schema)
        _ = try loadTable(path: households, schema: F.schema, entity: F.households, linker: &linker)
        var loaded = Array(repeating: true, count: 12)
        loaded[2] = false  // name is not kept
        let result = try loadTable(path: members, schema: F.schema, entity: F.members, linker: &linker, loaded: loaded)
        let record = try #require(result.invalid.first)
        #expect(record.column == "household_id")
        #expect(record.value == F.kk(9))
        #expect(record.rawKey == F.nik(3))
        #expect(record.rawLinks == [F.kk(9)])
        #expect(
            record.rawFields == [F.nik(3), F.kk(9), "", "kepala_keluarga", "L", "1980-05-17", "ojek", "bpu", "false", "2024-03-05", "false"])
        #expect(record.reason(.en) == "Invalid data: members.csv line 2, column household_id = \"\(F.kk(9))\": no such household in the population")
        #expect(result.rows == [.invalid(0)])
    }

    @Test func optionalLinksAndStringKeys() throws {
        let folder = try F.folder()
        let households = try Self.householdsFile(in: folder)
        let members = try F.write(
            [F.memberHeader, F.memberRow(1, household: 1, death: "2025-01-10"), F.memberRow(2, household: 9)].joined(separator: "\n"),
            "members.csv", in: folder)
        let applications = try F.write(
            [
                "application_id,deceased_person_id,applicant_nik,submitted_on,documents_complete",
                "APP-1,\(F.nik(1)),\(F.nik(7)),2025-02-01,true",  // valid, links to member row 0
                "APP-2,\(F.nik(8)),\(F.nik(7)),2025-02-01,true",  // no such member: optional link → -1, still valid
                "APP-3,\(F.nik(2)),\(F.nik(7)),2025-02-01,true",  // the member is invalid
                "APP-1,\(F.nik(1)),\(F.nik(7)),2025-02-02,false",  // duplicate application id
            ].joined(separator: "\n"), "santunan_applications.csv", in: folder)
        let population = try PopulationFolder(path: folder.path, schema: F.schema)
        #expect(population.files[2]?.path == applications)
        var linker = Linker(schema: F.schema)
        _ = try loadTable(path: households, schema: F.schema, entity: F.households, linker: &linker)
        _ = try population.load(F.members, linker: &linker)
        _ = members
        let result = try population.load(F.applications, linker: &linker, maxRecords: 1, parallelism: 2)
        #expect(result.rows.count == 4)
        #expect(result.table.links[0].prefix(2) == [0, -1])
        #expect(
            result.invalid.map(\.problem) == [.invalidLinkTarget(link: "deceased", line: 3), .duplicateKey(firstLine: 2)])
        #expect(result.invalid.map(\.rawKey) == ["APP-3", "APP-1"])
        #expect(linker.row(ofKey: "APP-2", entity: F.applications) == 1)
        #expect(result.table.strings[result.table[0, 1]] == "APP-2")
    }

    @Test func loadTableIsTheSameForEveryChunkingAndThreadCount() throws {
        var lines = [F.householdHeader]
        let kecamatan = ["Cipondoh", "Ciledug", "Karawaci", "Tangerang", "Batuceper"]
        for n in 0..<500 {
            let desil = n % 37 == 0 ? "x" : String(n % 10 + 1)
            lines.append("\(F.kk(n % 450)),3671,\(kecamatan[n % 5]),Kel \(n % 23),\(desil),2025-0\(n % 9 + 1)")
        }
        let path = try F.write(lines.joined(separator: "\n"), "households.csv", in: F.folder())
        func load(_ maxRecords: Int, _ parallelism: Int) throws -> (LoadedEntity, [[String]]) {
            var linker = Linker(schema: F.schema)
            let result = try loadTable(
                path: path, schema: F.schema, entity: F.households, linker: &linker, stringSeed: ["Ciledug"], maxRecords: maxRecords,
                parallelism: parallelism)
            let texts = (0..<result.table.count).map { r in
                F.schema.entities[0].fields.indices.map { f in
                    CellText.text(result.table[f, r], type: F.schema.entities[0].fields[f].type, strings: result.table.strings)
                }
            }
            return (result, texts)
        }
        let (reference, referenceTexts) = try load(100_000, 1)
        #expect(reference.rows.count == 500)
        #expect(reference.invalid.count == 14 + 47, "14 bad desil; 50 repeated keys of which 1 is itself bad and 2 follow a bad first record")
        #expect(reference.table.strings.id(of: "Ciledug") == 0)
        for (maxRecords, parallelism) in [(1, 1), (7, 2), (64, 4), (499, 3)] {
            let (result, texts) = try load(maxRecords, parallelism)
            #expect(result.rows == reference.rows)
            #expect(result.invalid == reference.invalid)
            #expect(texts == referenceTexts)
            #expect(result.table.lines == reference.table.lines)
            #expect(result.table.strings.strings == reference.table.strings.strings, "string ids do not depend on chunking")
            #expect(result.keys.count == reference.keys.count)
        }
    }
}

extension ReaderFixtures {
    /// The key code of a 16-digit id.
    static func keyCode(_ text: String) -> Int64 { Int64(text)! }
}
