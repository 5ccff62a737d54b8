import Foundation
import TepatCheck
import TepatData
import TepatEval
import TepatModel
import TepatReport

/// `tepat explain ID`: why a household (No. KK) or a person (NIK) got the decisions it got, in
/// every program of the workspace, and what would change them.
///
/// Only the records about the ID are read and evaluated (see `ExplainSlice`); the whole
/// population is run only when an eligible subject's final decision depends on allocation (a
/// quota, a budget, a limit such as one per household) and no previous run is given.
public enum Explainer {
    public static func explain(_ id: String, workspace: Workspace, options: ExplainOptions) -> Result<Explanation, ExplanationFailure> {
        let trimmed = id.trimmingCharacters(in: .whitespacesAndNewlines)
        do throws(ExplainError) {
            var session = try ExplainSession(id: trimmed, workspace: workspace, options: options)
            return .success(try session.explain())
        } catch {
            return .failure(ExplanationFailure(id: trimmed, error: error.kind, message: error.message, dataErrors: error.dataErrors))
        }
    }

    /// Whether `id` has the form of a No. KK or NIK: exactly 16 ASCII digits.
    public static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 16 && id.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}

/// One explanation being built.
struct ExplainSession {
    let id: String
    let workspace: Workspace
    let options: ExplainOptions
    let language: Language
    let schema: Schema
    let compiled: [CompiledPolicy]
    let folder: PopulationFolder
    var slice: ExplainSlice
    let input: EvalInput
    /// How the ID is read, and the NIKs of the household's member records (for a No. KK).
    let kind: Explanation.Kind
    let householdMembers: Set<String>

    var en: Bool { language == .en }

    init(id: String, workspace: Workspace, options: ExplainOptions) throws(ExplainError) {
        let en = options.language == .en
        guard Explainer.isWellFormed(id) else {
            let shown = id.isEmpty ? (en ? "(empty)" : "(kosong)") : "`\(id)`"
            throw ExplainError(.malformedId, en
                ? "\(shown) is not a valid ID: a family card number (No. KK) or a NIK has exactly 16 digits"
                : "\(shown) bukan ID yang sah: No. KK atau NIK terdiri atas tepat 16 angka")
        }
        guard !workspace.diagnostics.containsErrors else {
            throw ExplainError(.input, en ? "the policies have errors; run `tepat check` to see them" : "kebijakan memuat kesalahan; jalankan `tepat check` untuk melihatnya")
        }
        guard let first = workspace.policies.first else { throw ExplainError(.input, en ? "no policies to explain" : "tidak ada kebijakan untuk dijelaskan") }
        for policy in workspace.policies where policy.schema.path != first.schema.path {
            throw ExplainError(.input, en
                ? "policies `\(first.id)` and `\(policy.id)` use different schemas; explain them separately"
                : "kebijakan `\(first.id)` dan `\(policy.id)` memakai skema berbeda; jelaskan secara terpisah")
        }
        self.id = id
        self.workspace = workspace
        self.options = options
        language = options.language
        schema = first.schema
        let strings = Array(Set(workspace.policies.flatMap(\.stringConstants))).sorted()
        compiled = workspace.policies.map { CompiledPolicy($0, strings: strings) }
        do { folder = try PopulationFolder(path: options.population, schema: schema) } catch { throw ExplainError(.input, error.message(options.language)) }
        let member = schema.entityIndex(named: "member")
        let needsMembers = compiled.contains { $0.aggregates.contains { $0.element == member } }
        slice = try ExplainSlice.load(
            id: id, folder: folder, schema: schema, strings: strings, language: options.language, needsHouseholdMembers: needsMembers)
        input = EvalInput(tables: slice.tables)
        kind = options.kind ?? (slice.isHousehold ? .household : .person)
        var members = Set<String>()
        if kind == .household, let m = slice.member, let l = slice.memberHouseholdLink {
            let entity = schema.entities[m]
            let loaded = slice.entities[m]
            for status in loaded.rows {
                switch status {
                case .valid(let r):
                    if slice.text(m, row: Int(r), field: entity.links[l].via) == id { members.insert(slice.text(m, row: Int(r), field: entity.key)) }
                case .invalid(let k):
                    let record = loaded.invalid[Int(k)]
                    if l < record.rawLinks.count, record.rawLinks[l] == id, let key = record.rawKey { members.insert(key) }
                }
            }
        }
        householdMembers = members
    }

    // MARK: the subjects

    /// A subject of one program: a valid row of its entity's table, or an invalid record.
    enum SubjectRef {
        case valid(Int)
        case invalid(InvalidRecord)
    }

    func subjects(of policy: CompiledPolicy) -> [SubjectRef] {
        let s = policy.subject
        let entity = schema.entities[s]
        let loaded = slice.entities[s]
        var out: [SubjectRef] = []
        for status in loaded.rows {
            switch status {
            case .valid(let r):
                if isSubject(s, entity, { slice.text(s, row: Int(r), field: $0) }) { out.append(.valid(Int(r))) }
            case .invalid(let k):
                let record = loaded.invalid[Int(k)]
                let shaped = record.rawFields.count == (s < slice.columnFields.count ? slice.columnFields[s].count : -1)
                if isSubject(s, entity, { slice.rawText(record, entity: s, field: $0) ?? "" }) || (!shaped && malformedMentions(record)) {
                    out.append(.invalid(record))
                }
            }
        }
        return out
    }

    /// Whether a record of entity `s` (its fields read by `text`) is a subject to explain: for a
    /// No. KK, the household's members, the household, and records naming a member or the
    /// household (applications); for a NIK, the person and records naming them.
    func isSubject(_ s: Int, _ entity: Entity, _ text: (Int) -> String) -> Bool {
        if s == slice.member {
            if kind == .person { return text(entity.key) == id }
            guard let l = slice.memberHouseholdLink else { return false }
            return text(entity.links[l].via) == id
        }
        if s == slice.household { return kind == .household && text(entity.key) == id }
        for link in entity.links {
            let value = text(link.via)
            if link.target == slice.member {
                if kind == .person ? value == id : householdMembers.contains(value) { return true }
            } else if link.target == slice.household, kind == .household, value == id {
                return true
            }
        }
        return false
    }

    /// A row of the wrong shape (short, broken JSON) whose fields cannot be told apart: it is
    /// about the ID when any field holds it.
    func malformedMentions(_ record: InvalidRecord) -> Bool {
        record.rawFields.contains { PopulationSearch.trimmed($0) == id || (record.rawFields.count == 1 && $0.contains(id)) }
    }

    /// Whether an invalid record is about the ID (its key, its household, or any field of a row of the wrong shape).
    func mentions(_ record: InvalidRecord, _ entity: Int) -> Bool {
        if record.rawKey == id { return true }
        if entity == slice.member, let l = slice.memberHouseholdLink, l < record.rawLinks.count, record.rawLinks[l] == id { return true }
        return record.rawFields.contains { PopulationSearch.trimmed($0) == id || (record.rawFields.count == 1 && $0.contains(id)) }
    }

    func dataError(_ record: InvalidRecord) -> DataError {
        DataError(
            file: record.file, line: record.line, column: record.column, value: record.value,
            problem: record.problem.message(language, value: record.value), text: record.reason(language))
    }

    /// Every invalid record kept, in entity and file order, mentioning the ID or not (they were
    /// kept because they name the household, the person or a member).
    func allDataErrors() -> [DataError] {
        var out: [DataError] = []
        for e in schema.linkOrder {
            for record in slice.entities[e].invalid where relevant(record, e) { out.append(dataError(record)) }
        }
        return out
    }

    func relevant(_ record: InvalidRecord, _ entity: Int) -> Bool {
        if entity == slice.member || entity == slice.household { return mentions(record, entity) }
        return true
    }

    // MARK: explaining

    mutating func explain() throws(ExplainError) -> Explanation {
        let perProgram = compiled.map { subjects(of: $0) }
        let householdRow = slice.household.flatMap { h in rows(h).first { slice.text(h, row: $0, field: schema.entities[h].key) == id } }
        let personRow = slice.member.flatMap { m in rows(m).first { slice.text(m, row: $0, field: schema.entities[m].key) == id } }
        let anyValid = (kind == .household ? householdRow != nil : personRow != nil)
            || perProgram.contains { $0.contains { if case .valid = $0 { true } else { false } } }
        let errors = allDataErrors()
        if !anyValid {
            if errors.isEmpty {
                let files = folder.files.compactMap { $0?.name }.joined(separator: ", ")
                throw ExplainError(.unknownId, en
                    ? "ID \(id) was not found: it is neither a family card number (No. KK) nor a NIK in \(options.population) (\(files))"
                    : "ID \(id) tidak ditemukan: bukan No. KK maupun NIK dalam \(options.population) (\(files))")
            }
            throw ExplainError(.onlyInvalid, en
                ? "ID \(id) appears only on invalid rows, so no decision was made; correct the data and run again:"
                : "ID \(id) hanya ada pada baris data yang tidak valid, sehingga tidak ada keputusan; perbaiki datanya lalu jalankan lagi:",
                dataErrors: errors)
        }

        // Evaluate and trace every valid subject; note the ones whose decision needs the allocation.
        var traced: [[SubjectDraft]] = []
        var needsAllocation = Set<String>()
        var needles = Set<String>()
        for (p, policy) in compiled.enumerated() {
            let aggregates = policy.aggregates.map { $0.values(input, hostCount: input.tables[$0.host].count) }
            let programInput = EvalInput(tables: input.tables, aggregates: aggregates)
            let layout = SubjectLayout(schema: schema, subject: policy.subject)
            var drafts: [SubjectDraft] = []
            for ref in perProgram[p] {
                switch ref {
                case .valid(let row):
                    let trace = policy.trace(programInput, row: row)
                    let draft = SubjectDraft(ref: ref, row: row, trace: trace, ids: layout.ids(programInput, row), input: programInput)
                    if trace.evaluation.fault == nil, trace.evaluation.eligible, Self.allocates(policy) {
                        needsAllocation.insert(policy.id)
                        // decisions.csv lines are found by the household; by the subject's own key when it has none.
                        needles.insert(draft.ids.household.isEmpty ? draft.ids.own : draft.ids.household)
                    }
                    drafts.append(draft)
                case .invalid(let record):
                    drafts.append(SubjectDraft(ref: ref, row: -1, trace: nil, ids: layout.ids(record), input: programInput))
                }
            }
            traced.append(drafts)
        }
        var lookup: AllocationLookup?
        if !needsAllocation.isEmpty {
            lookup = try AllocationLookup.load(workspace: workspace, programs: needsAllocation, folder: folder, options: options, needles: needles)
        }

        var programs: [ProgramExplanation] = []
        var summary: [SummaryLine] = []
        for (p, policy) in compiled.enumerated() {
            var subjects: [SubjectExplanation] = []
            for draft in traced[p] { subjects.append(try subject(draft, policy: policy, lookup: lookup)) }
            let checked = policy.checked
            let title = language == .en ? (checked.titleEn ?? checked.title) : checked.title
            programs.append(ProgramExplanation(
                program: checked.id, title: title, version: checked.version, budgetYear: checked.budgetYear, asOf: checked.asOf.iso,
                files: checked.files, subject: checked.subjectEntity.name, subjects: subjects))
            let count = { (d: DecisionKind) in subjects.filter { $0.decision == d }.count }
            summary.append(SummaryLine(
                program: checked.id, title: title, subjects: subjects.count, accepted: count(.accepted), waitlisted: count(.waitlisted),
                rejected: count(.rejected), invalid: count(.invalid),
                text: ExplanationPhrases.summary(
                    title: title, subject: checked.subjectEntity.name, subjects: subjects.count, accepted: count(.accepted),
                    waitlisted: count(.waitlisted), rejected: count(.rejected), invalid: count(.invalid), language)))
        }

        var householdInfo: HouseholdInfo?
        if let h = slice.household {
            var row = kind == .household ? householdRow : nil
            if kind == .person, let m = slice.member, let pr = personRow, let l = slice.memberHouseholdLink {
                let target = Int(input.tables[m].links[l][pr])
                row = target >= 0 ? target : nil
            }
            if let row { householdInfo = household(h, row: row, listMembers: kind == .household) }
        }
        var personInfo: MemberInfo?
        if kind == .person, let m = slice.member, let pr = personRow { personInfo = memberInfo(m, row: pr) }
        var explanation = Explanation(
            id: id, kind: kind, language: language, population: options.population, allocationSource: lookup?.source,
            household: householdInfo, person: personInfo, summary: summary, programs: programs, dataErrors: errors)
        // The same 16 digits as the other kind of ID: say so, and how to ask about it.
        if kind == .household, let m = slice.member, let pr = personRow {
            let other = memberInfo(m, row: pr)
            explanation.alsoKind = .person
            let who = (other.name.map { "\($0), " } ?? "") + (en ? "family card " : "KK ") + other.householdId
            explanation.alsoText = en
                ? "This number is also the NIK of another person (\(who)). For that person: tepat explain --as person \(id)"
                : "Nomor ini juga NIK orang lain (\(who)). Untuk penjelasan orang itu: tepat explain --as person \(id)"
        } else if kind == .person, slice.isHousehold {
            explanation.alsoKind = .household
            explanation.alsoText = en
                ? "This number is also a family card number (No. KK). For that household: tepat explain --as household \(id)"
                : "Nomor ini juga sebuah No. KK. Untuk penjelasan keluarga itu: tepat explain --as household \(id)"
        }
        return explanation
    }

    static func allocates(_ policy: CompiledPolicy) -> Bool {
        guard let a = policy.checked.allocation else { return false }
        return !a.limits.isEmpty || a.quota != nil || a.budget != nil
    }

    func rows(_ entity: Int) -> [Int] {
        slice.entities[entity].rows.compactMap { if case .valid(let r) = $0 { Int(r) } else { nil } }
    }

    struct SubjectDraft {
        var ref: SubjectRef
        var row: Int
        var trace: SubjectTrace?
        var ids: (household: String, person: String, own: String)
        var input: EvalInput
    }

    // MARK: households and people

    func household(_ h: Int, row: Int, listMembers: Bool) -> HouseholdInfo {
        let entity = schema.entities[h]
        let table = input.tables[h]
        var fields: [FieldValue] = []
        var period: Month?
        for (f, field) in entity.fields.enumerated() where table.loaded[f] {
            let cell = table.columns[f][row]
            fields.append(FieldValue(name: field.name, value: CellText.text(cell, type: field.type, strings: table.strings), display: display(cell, field.type, table.strings)))
            if field.name == "dtks_period", case .month = field.type, !cell.isNull { period = Month(ordinal: Int(cell)) }
        }
        var members: [MemberInfo] = []
        if listMembers, let m = slice.member, let l = slice.memberHouseholdLink {
            let via = schema.entities[m].links[l].via
            for status in slice.entities[m].rows {
                switch status {
                case .valid(let r):
                    if slice.text(m, row: Int(r), field: via) == id { members.append(memberInfo(m, row: Int(r))) }
                case .invalid(let k):
                    let record = slice.entities[m].invalid[Int(k)]
                    guard l < record.rawLinks.count, record.rawLinks[l] == id else { continue }
                    members.append(MemberInfo(
                        personId: record.rawKey ?? "", householdId: id, name: rawField(record, m, "name"), relationship: rawField(record, m, "relationship"),
                        location: record.file + ":" + String(record.line), valid: false))
                }
            }
        }
        return HouseholdInfo(
            householdId: slice.text(h, row: row, field: entity.key), fields: fields, dataPeriod: period?.iso, dataPeriodText: period?.long(language),
            location: slice.location(h, line: table.lines[row]), members: members)
    }

    func memberInfo(_ m: Int, row: Int) -> MemberInfo {
        let entity = schema.entities[m]
        let via = slice.memberHouseholdLink.map { entity.links[$0].via }
        func field(_ name: String) -> String? {
            guard let f = entity.fieldIndex(named: name) else { return nil }
            let t = slice.text(m, row: row, field: f)
            return t.isEmpty ? nil : t
        }
        return MemberInfo(
            personId: slice.text(m, row: row, field: entity.key), householdId: via.map { slice.text(m, row: row, field: $0) } ?? "",
            name: field("name"), relationship: field("relationship"), location: slice.location(m, line: input.tables[m].lines[row]), valid: true)
    }

    func rawField(_ record: InvalidRecord, _ entity: Int, _ name: String) -> String? {
        guard let f = schema.entities[entity].fieldIndex(named: name) else { return nil }
        return slice.rawText(record, entity: entity, field: f)
    }

    func display(_ cell: Cell, _ type: FieldType, _ strings: StringPool) -> String {
        if cell.isNull { return "" }
        switch type {
        case .date: return Day(ordinal: Int(cell)).long(language)
        case .month: return Month(ordinal: Int(cell)).long(language)
        case .boolean: return cell != 0 ? (en ? "yes" : "ya") : (en ? "no" : "tidak")
        case .money: return Rupiah.format(cell)
        default: return CellText.text(cell, type: type, strings: strings)
        }
    }
}
