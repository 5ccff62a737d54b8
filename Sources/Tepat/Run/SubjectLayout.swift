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

    private func writeKey(of entity: Int, row: Int, _ input: EvalInput, into out: inout [UInt8]) {
        let e = schema.entities[entity]
        let cell = input.tables[entity].columns[e.key][row]
        writeCell(cell, type: e.fields[e.key].type, entity: entity, input, into: &out)
    }

    private func writeVia(link: Int, row: Int, _ input: EvalInput, into out: inout [UInt8]) {
        let via = schema.entities[subject].links[link].via
        let cell = input.tables[subject].columns[via][row]
        writeCell(cell, type: schema.entities[subject].fields[via].type, entity: subject, input, into: &out)
    }

    private func writeCell(_ cell: Cell, type: FieldType, entity: Int, _ input: EvalInput, into out: inout [UInt8]) {
        if cell == .null { return }
        switch type {
        case .digits(let n): out.append(unsigned: UInt64(bitPattern: cell), width: n)
        case .integer, .money: out.append(integer: cell)
        default: write(cell: cell, type: type, table: input.tables[entity], into: &out)
        }
    }

    func writeHousehold(into out: inout [UInt8], _ input: EvalInput, _ row: Int) {
        if subject == household {
            writeKey(of: subject, row: row, input, into: &out)
        } else if let first = householdPath.first, householdPath.count == 1 {
            writeVia(link: first.link, row: row, input, into: &out)
        } else if let h = household {
            let r = householdRow(input, row)
            if r >= 0 { writeKey(of: h, row: r, input, into: &out) }
        }
    }

    func writePerson(into out: inout [UInt8], _ input: EvalInput, _ row: Int) {
        if subject == person {
            writeKey(of: subject, row: row, input, into: &out)
        } else if let pl = personLink {
            writeVia(link: pl, row: row, input, into: &out)
        }
    }

    func writeOwnKey(into out: inout [UInt8], _ input: EvalInput, _ row: Int) {
        writeKey(of: subject, row: row, input, into: &out)
    }

    /// The subject's key for tie-breaking in allocation: the number for fixed-width digits (same
    /// order as the text), the text otherwise.
    func subjectKey(_ input: EvalInput, _ row: Int) -> OrderValue {
        let e = schema.entities[subject]
        let cell = input.tables[subject].columns[e.key][row]
        if cell == .null { return .null }
        switch e.fields[e.key].type {
        case .digits, .integer, .money, .date, .month: return .cell(cell)
        default: return .text(CellText.text(cell, type: e.fields[e.key].type, strings: input.tables[subject].strings))
        }
    }
}
