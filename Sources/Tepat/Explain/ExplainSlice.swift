import TepatData
import TepatEval
import TepatModel

/// The records of a population that one ID's explanation needs, linked as a run links them:
///
/// - `members.csv`: the person (NIK) or the household's members (No. KK), and, for a household,
///   earlier records that carry one of its members' NIKs (a duplicate NIK makes the later record
///   invalid, so the earlier one must be seen);
/// - `households.csv`: the household, and the household of every member record kept;
/// - other files that link to members or households (`santunan_applications.csv`): the records
///   whose deceased is the person or one of the household's members.
///
/// Each file is read once or twice, searching chunks for the ID's bytes (see `PopulationSearch`);
/// nothing is evaluated but the subjects found.
struct ExplainSlice {
    let schema: Schema
    let id: String
    let household: Int?
    let member: Int?
    /// Per entity: the records kept, linked (empty for files without a match).
    var entities: [LoadedEntity]
    /// True when the ID is the key of a household record (valid or not).
    var isHousehold = false
    /// The household link of the member entity.
    var memberHouseholdLink: Int?
    /// Per entity: the schema field of each raw column of its file.
    var columnFields: [[Int]] = []

    var tables: [Table] { entities.map(\.table) }

    static func load(
        id: String, folder: PopulationFolder, schema: Schema, strings: [String], language: Language, needsHouseholdMembers: Bool
    ) throws(ExplainError) -> ExplainSlice {
        var search = PopulationSearch(folder: folder, schema: schema, strings: strings, language: language)
        let household = schema.entityIndex(named: "household")
        let member = schema.entityIndex(named: "member")
        var memberLink: Int?
        if let member, let household { memberLink = schema.entities[member].links.firstIndex { $0.target == household } }
        var isHousehold = false
        var householdMembers = Set<String>()

        if let member {
            let m = schema.entities[member]
            var wanted: [Int: Set<String>] = [m.key: [id]]
            if let l = memberLink { wanted[m.links[l].via] = [id] }
            let lastHit = try search.scan(member, RecordFilter(wanted: wanted))
            if let household {
                let h = schema.entities[household]
                var keys: Set<String> = [id]
                if let l = memberLink { keys.formUnion(search.texts(member, field: m.links[l].via)) }
                try search.scan(household, RecordFilter(wanted: [h.key: keys]))
                isHousehold = search.texts(household, field: h.key).contains(id)
                if let l = memberLink {
                    let via = m.links[l].via
                    if isHousehold {
                        householdMembers = search.texts(member, field: m.key) { i, batch in
                            Self.text(batch, row: i, field: via, entity: m) == id
                        }
                    }
                    // A member's NIK may have been used by an earlier record (a duplicate): the
                    // first one wins, so every earlier record with the same NIK must be seen.
                    var households = keys
                    if !householdMembers.isEmpty {
                        try search.scan(member, RecordFilter(wanted: [m.key: householdMembers]), through: lastHit)
                        let more = search.texts(member, field: via).subtracting(households)
                        if !more.isEmpty { try search.scan(household, RecordFilter(wanted: [h.key: more])) }
                        households.formUnion(more)
                    }
                    // Aggregates over a household's members need all of them, for the person's household too.
                    if needsHouseholdMembers, !isHousehold {
                        let own = search.texts(member, field: via) { i, batch in Self.text(batch, row: i, field: m.key, entity: m) == id }
                        if !own.isEmpty {
                            let last = try search.scan(member, RecordFilter(wanted: [via: own]))
                            let nik = search.texts(member, field: m.key) { i, batch in own.contains(Self.text(batch, row: i, field: via, entity: m)) }
                            try search.scan(member, RecordFilter(wanted: [m.key: nik]), through: last)
                            let more = search.texts(member, field: via).subtracting(households)
                            if !more.isEmpty { try search.scan(household, RecordFilter(wanted: [h.key: more])) }
                        }
                    }
                }
            }
        } else if let household {
            let h = schema.entities[household]
            try search.scan(household, RecordFilter(wanted: [h.key: [id]]))
            isHousehold = search.texts(household, field: h.key).contains(id)
        }

        // Records of other entities that name the person, the household or its members.
        let people: Set<String> = householdMembers.union([id])
        for (e, entity) in schema.entities.enumerated() where e != household && e != member {
            var wanted: [Int: Set<String>] = [:]
            for link in entity.links {
                if link.target == member { wanted[link.via, default: []].formUnion(people) }
                if link.target == household { wanted[link.via, default: []].insert(id) }
            }
            if wanted.isEmpty { wanted[entity.key] = [id] }
            try search.scan(e, RecordFilter(wanted: wanted))
        }

        var slice = ExplainSlice(
            schema: schema, id: id, household: household, member: member,
            entities: search.link(order: schema.linkOrder), isHousehold: isHousehold, memberHouseholdLink: memberLink)
        slice.columnFields = search.columnFields
        return slice
    }

    /// The text of `field` of the record `rows[row]` of a batch (valid or not).
    static func text(_ batch: RecordBatch, row i: Int, field: Int, entity: Entity) -> String {
        switch batch.rows[i] {
        case .valid(let r):
            guard batch.table.loaded[field] else { return "" }
            return CellText.text(batch.table.columns[field][Int(r)], type: entity.fields[field].type, strings: batch.table.strings)
        case .invalid(let k):
            let record = batch.invalid[Int(k)]
            guard record.rawFields.count == batch.columnFields.count, let c = batch.columnFields.firstIndex(of: field) else { return "" }
            return PopulationSearch.trimmed(record.rawFields[c])
        }
    }


    // MARK: reading the slice

    /// The text of a field of a valid row.
    func text(_ entity: Int, row: Int, field: Int) -> String {
        let table = entities[entity].table
        guard row >= 0, row < table.count, field < table.columns.count, table.loaded[field] else { return "" }
        return CellText.text(table.columns[field][row], type: schema.entities[entity].fields[field].type, strings: table.strings)
    }

    /// The text of a field of an invalid record, when its row has the header's shape.
    func rawText(_ record: InvalidRecord, entity: Int, field: Int) -> String? {
        if field == schema.entities[entity].key { return record.rawKey }
        if let l = schema.entities[entity].links.firstIndex(where: { $0.via == field }), l < record.rawLinks.count { return record.rawLinks[l] }
        let columns = entity < columnFields.count ? columnFields[entity] : []
        guard record.rawFields.count == columns.count, let c = columns.firstIndex(of: field) else { return nil }
        let t = PopulationSearch.trimmed(record.rawFields[c])
        return t.isEmpty ? nil : t
    }

    /// `members.csv:57`.
    func location(_ entity: Int, line: Int) -> String {
        (entities[entity].file ?? schema.entities[entity].file) + ":" + String(line)
    }
}
