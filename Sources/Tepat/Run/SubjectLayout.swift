import TepatAllocate
import TepatData
import TepatEval
import TepatModel

/// Where the `household_id`, `person_id` and `application_id` columns of `decisions.csv` come
/// from for a policy's subject, found from the schema's links (a member names its household;
/// an application names its deceased member, who names a household).
struct SubjectLayout: Sendable {
    let schema: Schema
    let subject: Int
    /// The `household` entity, and the link path from the subject to it.
    let household: Int?
    let householdPath: [(entity: Int, link: Int)]
    /// The `member` entity, and the link from the subject to it (nil when the subject is the member).
    let person: Int?
    let personLink: Int?
    /// True for subjects that are neither households nor members (applications): their key is
    /// written as the last column.
    let ownKeyColumn: Bool
    /// The columns the ids of a decision line are written from, looked up once (reading
    /// `schema.entities[e]` per line copies an entity and retains its arrays).
    private let householdIdColumn: IdColumn?
    private let personIdColumn: IdColumn?
    private let ownIdColumn: IdColumn

    init(schema: Schema, subject: Int) {
        self.schema = schema
        self.subject = subject
        let household = schema.entityIndex(named: "household")
        let person = schema.entityIndex(named: "member")
        self.household = household
        self.person = person
        var path: [(Int, Int)] = []
        var personLink: Int?
        if subject != person, let person, let l = schema.entities[subject].links.firstIndex(where: { $0.target == person }) {
            personLink = l
        }
        self.personLink = personLink
        if let household, subject != household {
            if let l = schema.entities[subject].links.firstIndex(where: { $0.target == household }) {
                path = [(subject, l)]
            } else if let pl = personLink, let person,
                let l = schema.entities[person].links.firstIndex(where: { $0.target == household })
            {
                path = [(subject, pl), (person, l)]
            }
        }
        householdPath = path
        ownKeyColumn = subject != household && subject != person
        let own = IdColumn(schema, entity: subject, field: schema.entities[subject].key)
        ownIdColumn = own
        func via(_ link: Int) -> IdColumn { IdColumn(schema, entity: subject, field: schema.entities[subject].links[link].via) }
        if subject == household {
            householdIdColumn = own
        } else if let first = path.first, path.count == 1 {
            householdIdColumn = via(first.1)
        } else {
            householdIdColumn = nil
        }
        if subject == person {
            personIdColumn = own
        } else if let personLink {
            personIdColumn = via(personLink)
        } else {
            personIdColumn = nil
        }
    }

    var header: String {
        "program,household_id,person_id,decision,rule,reason,amount" + (ownKeyColumn ? ",application_id" : "")
    }

    /// The household row of a valid subject row, or -1.
    func householdRow(_ input: EvalInput, _ row: Int) -> Int {
        if subject == household { return row }
        guard !householdPath.isEmpty else { return -1 }
        var r = row
        for (e, l) in householdPath {
            r = Int(input.tables[e].links[l][r])
            if r < 0 { return -1 }
        }
        return r
    }

    func keyText(_ table: Table, _ row: Int, entity: Int) -> String {
        let e = schema.entities[entity]
        return CellText.text(table.columns[e.key][row], type: e.fields[e.key].type, strings: table.strings)
    }

    /// `household_id`, `person_id` and the subject's own key, as text, for a valid row.
    func ids(_ input: EvalInput, _ row: Int) -> (household: String, person: String, own: String) {
        let table = input.tables[subject]
        let own = keyText(table, row, entity: subject)
        var householdText = ""
        var personText = ""
        if subject == person {
            personText = own
        } else if let pl = personLink {
            let via = schema.entities[subject].links[pl].via
            personText = CellText.text(table.columns[via][row], type: schema.entities[subject].fields[via].type, strings: table.strings)
        }
        if subject == household {
            householdText = own
        } else if let first = householdPath.first, householdPath.count == 1 {
            let via = schema.entities[subject].links[first.link].via
            householdText = CellText.text(table.columns[via][row], type: schema.entities[subject].fields[via].type, strings: table.strings)
        } else if let h = household {
            let r = householdRow(input, row)
            if r >= 0 { householdText = keyText(input.tables[h], r, entity: h) }
        }
        return (householdText, personText, own)
    }

    /// The same ids for an invalid record, from its raw text.
    func ids(_ record: InvalidRecord) -> (household: String, person: String, own: String) {
        let own = record.rawKey ?? ""
        var householdText = ""
        var personText = ""
        if subject == person { personText = own }
        else if let pl = personLink, pl < record.rawLinks.count { personText = record.rawLinks[pl] ?? "" }
        if subject == household { householdText = own }
        else if let first = householdPath.first, householdPath.count == 1, first.link < record.rawLinks.count {
            householdText = record.rawLinks[first.link] ?? ""
        }
        return (householdText, personText, own)
    }
}

/// The byte path of `ids`: the same texts written straight into a decision line.
extension SubjectLayout {
    /// Writes a cell of `table` as CSV text (digits zero-padded, strings from the pool, escaped).
    func write(cell: Cell, type: FieldType, table: Table, into out: inout [UInt8]) {
        if cell == .null { return }
        switch type {
        case .digits(let n): out.append(unsigned: UInt64(bitPattern: cell), width: n)
        case .integer, .money: out.append(integer: cell)
        case .string: out.append(csvField: Array(table.strings[cell].utf8)[...])
        default: out.append(csvField: Array(CellText.text(cell, type: type, strings: table.strings).utf8)[...])
        }
    }

    // Tables are read in place (`input.tables[e].columns[f][row]`): binding a `Table` to a
    // name copies it, which retains each of its arrays, for every line written.

    private func write(_ column: IdColumn, row: Int, _ input: EvalInput, into out: inout [UInt8]) {
        let cell = input.tables[column.entity].columns[column.field][row]
        if cell == .null { return }
        if column.digits >= 0 {
            out.append(unsigned: UInt64(bitPattern: cell), width: column.digits)
        } else if column.isInteger {
            out.append(integer: cell)
        } else {
            write(cell: cell, type: column.type, table: input.tables[column.entity], into: &out)
        }
    }

    func writeHousehold(into out: inout [UInt8], _ input: EvalInput, _ row: Int) {
        if let householdIdColumn {
            write(householdIdColumn, row: row, input, into: &out)
        } else if let h = household {
            let r = householdRow(input, row)
            if r >= 0 { write(IdColumn(schema, entity: h, field: schema.entities[h].key), row: r, input, into: &out) }
        }
    }

    func writePerson(into out: inout [UInt8], _ input: EvalInput, _ row: Int) {
        if let personIdColumn { write(personIdColumn, row: row, input, into: &out) }
    }

    func writeOwnKey(into out: inout [UInt8], _ input: EvalInput, _ row: Int) {
        write(ownIdColumn, row: row, input, into: &out)
    }

    /// How `subjectKey` is kept in a candidate record.
    var subjectKeySlot: CandidateSlot {
        let e = schema.entities[subject]
        switch e.fields[e.key].type {
        case .digits, .integer, .money, .date, .month: return .cell
        default: return .text
        }
    }

    /// The subject's key for tie-breaking in allocation: the number for fixed-width digits (same
    /// order as the text), the text otherwise.
    func subjectKey(_ input: EvalInput, _ row: Int) -> OrderValue {
        let cell = input.tables[subject].columns[ownIdColumn.field][row]
        if cell == .null { return .null }
        switch ownIdColumn.type {
        case .digits, .integer, .money, .date, .month: return .cell(cell)
        default: return .text(CellText.text(cell, type: ownIdColumn.type, strings: input.tables[subject].strings))
        }
    }
}

/// A column an id is written from, with what writing it needs to know of its type.
private struct IdColumn: Sendable {
    let entity: Int
    let field: Int
    let type: FieldType
    /// The width of fixed-width digits (NIK, No. KK), or -1.
    let digits: Int
    let isInteger: Bool

    init(_ schema: Schema, entity: Int, field: Int) {
        self.entity = entity
        self.field = field
        type = schema.entities[entity].fields[field].type
        if case .digits(let n) = type { digits = n } else { digits = -1 }
        switch type {
        case .integer, .money: isInteger = true
        default: isInteger = false
        }
    }
}
