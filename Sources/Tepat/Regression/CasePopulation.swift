import Foundation
import TepatModel
import TepatSyntax

/// The population of one test case: its records filled out from the defaults, linked, keyed,
/// and written as a population folder (docs/testing.md "How a case becomes a population").
struct CasePopulation {
    struct Record {
        var entity: Int
        /// Field values as text (nil: not given).
        var values: [String?]
        var given: [Bool]
        var ref: String?
        var expectations: [Expectation] = []
        var range: SourceRange
        /// `deceased: BUDI` — links written as references.
        var linkRefs: [(link: Int, ref: Located<String>)] = []
        /// The record this one is nested in, and the link of this record that points at it.
        var parent: (record: Int, link: Int)?
        /// Per link: the record it points at, once resolved.
        var targets: [Int?]
    }

    /// A subject with expectations.
    struct Subject {
        var record: Int
        var entity: Int
        var key: String
        /// How many earlier subjects of the same entity have the same key (duplicate keys are allowed).
        var occurrence: Int
        var label: String
        var range: SourceRange
        var expectations: [Expectation]
    }

    let schema: Schema
    let caseIndex: Int
    var records: [Record] = []
    var diagnostics: [Diagnostic] = []
    var subjects: [Subject] = []

    static let metaKeys = ["name", "description", "policies", "set", "as_of", "expect"]

    /// Builds a case against `schema`. `subjectEntities`: the entities the case's policies decide
    /// (a case-level `expect` applies to the one record of those).
    init(_ testCase: TestCase, suite: TestSuite, caseIndex: Int, schema: Schema, subjectEntities: Set<Int>) {
        self.schema = schema
        self.caseIndex = caseIndex
        var caseExpectations: [Expectation] = []
        let entityKeys = schema.entities.flatMap { [$0.name, $0.name + "s"] }
        for (key, value) in testCase.node.mapping ?? [] {
            guard let k = key.scalar, !k.hasPrefix(YAMLLoader.duplicateMarker) else { continue }
            if k == "expect" {
                caseExpectations = TestSuiteParser.expectations(value, &diagnostics)
                continue
            }
            if Self.metaKeys.contains(k) { continue }
            if let e = schema.entityIndex(named: k) {
                parseRecord(value, entity: e, parent: nil)
            } else if k.hasSuffix("s"), let e = schema.entityIndex(named: String(k.dropLast())) {
                guard let items = value.sequence else {
                    diagnostics.append(.error("test.shape", "expected a list for `\(k)`", at: value.range, help: "or write one record under `\(k.dropLast())`"))
                    continue
                }
                for item in items { parseRecord(item, entity: e, parent: nil) }
            } else {
                diagnostics.append(.error("test.unknown-key", "unknown key `\(k)` in a case", at: key.range,
                    help: Suggestion.closest(to: k, in: Self.metaKeys + entityKeys).map { "did you mean `\($0)`?" }
                        ?? "a case has " + (Self.metaKeys + entityKeys).map { "`\($0)`" }.joined(separator: ", ")))
            }
        }
        let defaults = checkedDefaults(suite)
        // A case that writes no record at all has one subject, made from the defaults.
        if records.isEmpty, subjectEntities.count == 1, let only = subjectEntities.first {
            _ = newRecord(only, range: testCase.range)
        }
        resolveReferences()
        complete()
        assignKeys()
        linkFields()
        fillDefaults(defaults)
        collectSubjects(caseExpectations: caseExpectations, caseRange: testCase.range, subjectEntities: subjectEntities)
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    // MARK: Reading records

    mutating func parseRecord(_ node: YAMLNode, entity e: Int, parent: (record: Int, link: Int)?) {
        let entity = schema.entities[e]
        let index = records.count
        records.append(Record(
            entity: e, values: Array(repeating: nil, count: entity.fields.count), given: Array(repeating: false, count: entity.fields.count),
            range: SourceRange(path: node.range.path, start: node.range.start, length: 1), parent: parent,
            targets: Array(repeating: nil, count: entity.links.count)))
        if let parent { records[index].targets[parent.link] = parent.record }
        if node.isNull { return }
        guard let pairs = node.mapping else {
            diagnostics.append(.error("test.shape", "expected the fields of a \(entity.name) (a mapping), found \(node.kindName)", at: node.range))
            return
        }
        let allowed = ["ref", "expect"] + entity.fields.map(\.name) + entity.links.map(\.name) + entity.collections.map(\.name)
        for (key, value) in pairs {
            guard let k = key.scalar, !k.hasPrefix(YAMLLoader.duplicateMarker) else { continue }
            if k == "ref" {
                records[index].ref = value.scalar
            } else if k == "expect" {
                records[index].expectations += TestSuiteParser.expectations(value, &diagnostics)
            } else if let c = entity.collections.firstIndex(where: { $0.name == k }) {
                let collection = entity.collections[c]
                guard let items = value.sequence else {
                    diagnostics.append(.error("test.shape", "expected a list of records for `\(k)`", at: value.range))
                    continue
                }
                for item in items { parseRecord(item, entity: collection.entity, parent: (index, collection.link)) }
            } else if let l = entity.linkIndex(named: k) {
                guard let text = value.scalar, !value.isNull else {
                    diagnostics.append(.error("test.shape", "expected a reference (a `ref` or a name) for `\(k)`", at: value.range))
                    continue
                }
                records[index].linkRefs.append((l, Located(text, value.range)))
            } else if let f = entity.fieldIndex(named: k) {
                guard let text = Self.cellText(value) else {
                    diagnostics.append(.error("test.shape", "expected one value for `\(k)`, found \(value.kindName)", at: value.range))
                    continue
                }
                records[index].values[f] = text
                records[index].given[f] = true
            } else {
                diagnostics.append(.error("test.unknown-field", "`\(k)` is not a field of \(entity.name)", at: key.range,
                    help: Suggestion.closest(to: k, in: allowed).map { "did you mean `\($0)`?" }))
            }
        }
    }

    /// A scalar as the text written in the data file (`null`, `~` and nothing are empty).
    static func cellText(_ node: YAMLNode) -> String? {
        guard let text = node.scalar else { return nil }
        return node.isNull ? "" : text
    }

    func checkedDefaults(_ suite: TestSuite) -> [Int: [Int: String]] {
        var out: [Int: [Int: String]] = [:]
        for (entityName, fields) in suite.defaults {
            guard let e = schema.entityIndex(named: entityName) else { continue }
            for (name, value) in fields {
                guard let f = schema.entities[e].fieldIndex(named: name.value), let text = Self.cellText(value) else { continue }
                out[e, default: [:]][f] = text
            }
        }
        return out
    }

    /// Problems in a suite's `defaults` (reported once per file).
    static func defaultsDiagnostics(_ suite: TestSuite, schema: Schema) -> [Diagnostic] {
        var d: [Diagnostic] = []
        for (entityName, fields) in suite.defaults {
            guard let e = schema.entity(named: entityName) else {
                let range = fields.first?.key.range
                d.append(.error("test.unknown-entity", "`\(entityName)` in `defaults` is not an entity of the schema", at: range,
                    help: Suggestion.closest(to: entityName, in: schema.entities.map(\.name)).map { "did you mean `\($0)`?" }))
                continue
            }
            for (name, value) in fields {
                if e.fieldIndex(named: name.value) == nil {
                    d.append(.error("test.unknown-field", "`\(name.value)` is not a field of \(e.name)", at: name.range,
                        help: Suggestion.closest(to: name.value, in: e.fields.map(\.name)).map { "did you mean `\($0)`?" }))
                } else if cellText(value) == nil {
                    d.append(.error("test.shape", "expected one value for `\(name.value)`", at: value.range))
                }
            }
        }
        return d
    }

    // MARK: Completing the case

    /// The records a case leaves implicit: a household for members written without one, one
    /// member for a household written without members, the deceased for an application when the
    /// case has no member.
    mutating func complete() {
        for _ in 0..<8 {
            var changed = false
            // Links with no value: the one record of the target entity (made from the defaults if there is none).
            var r = 0
            while r < records.count {
                let entity = schema.entities[records[r].entity]
                for (l, link) in entity.links.enumerated() where records[r].targets[l] == nil {
                    if records[r].given[link.via] { continue }
                    let candidates = records.indices.filter { records[$0].entity == link.target }
                    if candidates.isEmpty {
                        records[r].targets[l] = newRecord(link.target, range: records[r].range)
                        changed = true
                    } else if candidates.count == 1 {
                        records[r].targets[l] = candidates[0]
                        changed = true
                    } else {
                        let target = schema.entities[link.target].name
                        diagnostics.append(.error("test.ambiguous-link", "this \(entity.name) does not say which \(target) is its `\(link.name)`, and the case has \(candidates.count) \(target)s", at: records[r].range,
                            help: "nest it under its \(target), or write `\(link.name): <ref or name>`"))
                        records[r].targets[l] = -1
                    }
                }
                r += 1
            }
            // Parents without children where the child's link is required (a household without members).
            for p in records.indices {
                for collection in schema.entities[records[p].entity].collections {
                    let child = schema.entities[collection.entity]
                    guard child.links[collection.link].required else { continue }
                    let pointing = records.contains { $0.entity == collection.entity && ($0.targets[collection.link] == p || $0.given[child.links[collection.link].via]) }
                    if !pointing {
                        let c = newRecord(collection.entity, range: records[p].range)
                        records[c].targets[collection.link] = p
                        records[c].parent = (p, collection.link)
                        changed = true
                    }
                }
            }
            if !changed { break }
        }
    }

    mutating func newRecord(_ e: Int, range: SourceRange) -> Int {
        let entity = schema.entities[e]
        records.append(Record(
            entity: e, values: Array(repeating: nil, count: entity.fields.count), given: Array(repeating: false, count: entity.fields.count),
            range: range, targets: Array(repeating: nil, count: entity.links.count)))
        return records.count - 1
    }

    /// Keys not written get numbers that increase in the order the records are written.
    mutating func assignKeys() {
        var sequence: [Int: Int] = [:]
        for r in records.indices {
            let e = records[r].entity
            let entity = schema.entities[e]
            let n = sequence[e, default: 0] + 1
            sequence[e] = n
            if records[r].values[entity.key] == nil {
                records[r].values[entity.key] = generated(entity.fields[entity.key].type, entity: e, sequence: n)
            }
        }
    }

    func generated(_ type: FieldType, entity: Int, sequence: Int, salt: Int = 0) -> String {
        switch type {
        case .digits(let length):
            let body = String(entity + salt) + pad(caseIndex % 100_000, 5) + pad(sequence % 1_000_000, 6)
            let full = "3671" + body
            if full.count == length { return full }
            return String(pad(caseIndex * 1_000_000 + sequence, length).suffix(length))
        case .integer: return String(caseIndex * 1000 + sequence)
        default:
            return "T" + pad(caseIndex % 100_000, 5) + "-" + pad(sequence, 3)
        }
    }

    func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `deceased: BUDI`: the record with that `ref`, that `name`, or that key.
    mutating func resolveReferences() {
        for r in records.indices {
            for (l, ref) in records[r].linkRefs {
                let link = schema.entities[records[r].entity].links[l]
                let target = schema.entities[link.target]
                let nameField = target.fieldIndex(named: "name")
                let matches = records.indices.filter { t in
                    records[t].entity == link.target
                        && (records[t].ref == ref.value || (nameField.map { records[t].values[$0] == ref.value } ?? false)
                            || records[t].values[target.key] == ref.value)
                }
                if matches.count == 1 {
                    records[r].targets[l] = matches[0]
                } else {
                    records[r].targets[l] = -1
                    let known = records.indices.filter { records[$0].entity == link.target }
                        .compactMap { t in records[t].ref ?? nameField.flatMap { records[t].values[$0] } }
                    diagnostics.append(.error(
                        "test.unknown-reference",
                        matches.isEmpty ? "no \(target.name) in this case is called `\(ref.value)`" : "\(matches.count) \(target.name)s in this case are called `\(ref.value)`",
                        at: ref.range,
                        help: Suggestion.closest(to: ref.value, in: known).map { "did you mean `\($0)`?" }
                            ?? (known.isEmpty ? "give the record `ref: \(ref.value)` or `name: \(ref.value)`" : "the case has " + known.map { "`\($0)`" }.joined(separator: ", "))))
                }
            }
        }
    }

    /// A link's field takes the key of the record it points at, unless written.
    mutating func linkFields() {
        for r in records.indices {
            for (l, link) in schema.entities[records[r].entity].links.enumerated() {
                guard !records[r].given[link.via], let t = records[r].targets[l], t >= 0 else { continue }
                let target = schema.entities[link.target]
                records[r].values[link.via] = records[t].values[target.key]
            }
        }
    }

    /// Every field not written: the suite's defaults, then the built-in ones (docs/testing.md).
    mutating func fillDefaults(_ defaults: [Int: [Int: String]]) {
        var firstInParent: Set<String> = []
        var sequence: [Int: Int] = [:]
        for r in records.indices {
            let e = records[r].entity
            let entity = schema.entities[e]
            let n = sequence[e, default: 0] + 1
            sequence[e] = n
            for (f, field) in entity.fields.enumerated() where records[r].values[f] == nil {
                if let text = defaults[e]?[f] {
                    records[r].values[f] = text
                    continue
                }
                var value = Self.builtIn[entity.name]?[field.name]
                if entity.name == "member", field.name == "relationship" {
                    // The first member of each household is its head; the others `lainnya`.
                    let household = entity.linkIndex(named: "household").flatMap { records[r].targets[$0] } ?? -1
                    value = firstInParent.insert("\(household)").inserted ? "kepala_keluarga" : "lainnya"
                }
                if entity.name == "member", field.name == "name" { value = "WARGA \(n)" }
                records[r].values[f] = value ?? fallback(field, entity: e, sequence: n)
            }
        }
    }

    /// Built-in defaults: an eligible worker in a DTKS desil-1 household of Kota Tangerang, and a
    /// complete application (docs/testing.md lists them).
    static let builtIn: [String: [String: String]] = [
        "household": ["city_code": "3671", "kecamatan": "Tangerang", "kelurahan": "Sukasari", "desil": "1", "dtks_period": "2025-02"],
        "member": [
            "sex": "L", "birth_date": "1985-06-15", "occupation": "ojek", "employment_status": "bpu", "bpjs_tk_active": "false",
            "death_date": "", "disability": "false", "cause_of_death": "",
        ],
        "application": ["applicant_relationship": "anak", "submitted_on": "2025-02-10", "documents_complete": "true"],
    ]

    func fallback(_ field: Field, entity: Int, sequence: Int) -> String {
        if field.optional { return "" }
        switch field.type {
        case .boolean: return "false"
        case .integer(let min, _): return String(min ?? 0)
        case .money: return "0"
        case .date: return "2000-01-01"
        case .month: return "2000-01"
        case .enumeration(let codes): return codes.first ?? ""
        case .digits: return generated(field.type, entity: entity, sequence: sequence, salt: 5)
        case .string: return "-"
        }
    }

    // MARK: Subjects

    mutating func collectSubjects(caseExpectations: [Expectation], caseRange: SourceRange, subjectEntities: Set<Int>) {
        if !caseExpectations.isEmpty {
            let candidates = records.indices.filter { subjectEntities.contains(records[$0].entity) }
            if candidates.count == 1 {
                records[candidates[0]].expectations += caseExpectations
            } else {
                diagnostics.append(.error("test.ambiguous-expect", "`expect` on the case needs exactly one subject, but the case has \(candidates.count)", at: caseExpectations[0].range,
                    help: "put `expect:` on each record whose decision you check"))
            }
        }
        var seen: [String: Int] = [:]
        for (r, record) in records.enumerated() {
            let entity = schema.entities[record.entity]
            let key = record.values[entity.key] ?? ""
            let occurrence = seen["\(record.entity)/\(key)", default: 0]
            seen["\(record.entity)/\(key)"] = occurrence + 1
            guard !record.expectations.isEmpty else { continue }
            var label = entity.name
            if let f = entity.fieldIndex(named: "name"), let name = record.values[f], !name.isEmpty { label += " \(name)" }
            label += " (\(entity.fields[entity.key].name) \(key))"
            subjects.append(Subject(record: r, entity: record.entity, key: key, occurrence: occurrence, label: label, range: record.range, expectations: record.expectations))
        }
    }

    // MARK: Writing

    /// Writes `<file>.csv` for every entity (an optional file only when the case has its records).
    func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (e, entity) in schema.entities.enumerated() {
            let rows = records.filter { $0.entity == e }
            if rows.isEmpty && !entity.fileRequired { continue }
            var text = CSV.line(entity.fields.map(\.name))
            for row in rows { text += CSV.line(row.values.map { $0 ?? "" }) }
            try text.write(toFile: folder + "/" + entity.file + ".csv", atomically: true, encoding: .utf8)
        }
    }
}
