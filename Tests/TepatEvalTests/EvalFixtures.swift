@testable import TepatCheck
@testable import TepatEval
import TepatModel
import TepatSyntax

/// The small schema the evaluator tests run against, built in code:
///
/// ```
/// household   household_id digits(16), city_code string, desil integer 1–10 optional,
///             kecamatan enum (13 codes), savings money optional, dtks_period month optional;
///             collection members (member.household)
/// member      person_id digits(16), household_id digits(16), birth_date date (age_from),
///             death_date date optional, occupation enum (70 codes: ≥ 64, so both `in` paths),
///             disability boolean, bpjs boolean, wage money;
///             link household → household (required)
/// application application_id string, deceased_id digits(16) optional, submitted_on date,
///             amount money optional, city_code string optional;
///             link deceased → member (optional: row -1 when absent)
/// ```
enum World {
    static let household = 0, member = 1, application = 2

    enum H { static let id = 0, city = 1, desil = 2, kecamatan = 3, savings = 4, period = 5 }
    enum M { static let id = 0, householdId = 1, birth = 2, death = 3, occupation = 4, disability = 5, bpjs = 6, wage = 7 }
    enum A { static let id = 0, deceasedId = 1, submitted = 2, amount = 3, city = 4 }

    static let kecamatan = [
        "batuceper", "benda", "cibodas", "ciledug", "cipondoh", "jatiuwung", "karangtengah", "karawaci",
        "larangan", "neglasari", "periuk", "pinang", "tangerang",
    ]
    /// 70 codes: `ojek` is 0, `nelayan` 1, …, `pekerja_69` the last. Codes ≥ 64 cannot go in a 64-bit mask.
    static let occupations: [String] = ["ojek", "nelayan", "petani", "buruh_harian", "pedagang_kaki_lima"]
        + (5..<70).map { "pekerja_\($0)" }

    static let schema: Schema = {
        let household = Entity(
            name: "household", file: "households", fileRequired: true,
            fields: [
                Field(name: "household_id", type: .digits(16)),
                Field(name: "city_code", type: .string),
                Field(name: "desil", type: .integer(min: 1, max: 10), optional: true),
                Field(name: "kecamatan", type: .enumeration(kecamatan)),
                Field(name: "savings", type: .money, optional: true),
                Field(name: "dtks_period", type: .month, optional: true),
            ],
            key: H.id,
            collections: [Collection(name: "members", entity: World.member, link: 0)])
        let member = Entity(
            name: "member", file: "members", fileRequired: true,
            fields: [
                Field(name: "person_id", type: .digits(16)),
                Field(name: "household_id", type: .digits(16)),
                Field(name: "birth_date", type: .date),
                Field(name: "death_date", type: .date, optional: true),
                Field(name: "occupation", type: .enumeration(occupations)),
                Field(name: "disability", type: .boolean),
                Field(name: "bpjs", type: .boolean),
                Field(name: "wage", type: .money),
            ],
            key: M.id,
            links: [Link(name: "household", target: World.household, via: M.householdId, required: true)],
            birthDate: M.birth)
        let application = Entity(
            name: "application", file: "applications", fileRequired: false,
            fields: [
                Field(name: "application_id", type: .string),
                Field(name: "deceased_id", type: .digits(16), optional: true),
                Field(name: "submitted_on", type: .date),
                Field(name: "amount", type: .money, optional: true),
                Field(name: "city_code", type: .string, optional: true),
            ],
            key: A.id,
            links: [Link(name: "deceased", target: World.member, via: A.deceasedId, required: false)])
        return Schema(name: "test", path: "test.yaml", entities: [household, member, application])
    }()

    /// The string constants expressions may use: every table's pool is seeded with them, in this
    /// order, before any data string (as a run seeds pools with the policies' constants).
    static let strings = ["3671", "3603", "", "Kota Tangerang"]

    /// Days off of the code-built calendar (index 0): 2025 holidays and *cuti bersama*, a few
    /// from 2024, and two that fall on a weekend (which change nothing).
    static let daysOff = [
        "2024-12-25", "2024-12-26", "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-03-28", "2025-03-31",
        "2025-04-01", "2025-04-02", "2025-04-03", "2025-04-04", "2025-04-07", "2025-04-18", "2025-04-20", "2025-05-01",
        "2025-05-12", "2025-05-29", "2025-06-06", "2025-06-27", "2025-08-17", "2025-08-18", "2025-09-05", "2025-12-25",
        "2025-12-26",
    ]

    /// Calendar 0 has days off; calendar 1 has none (weekends only).
    static let calendars: [WorkCalendar] = [
        WorkCalendar(name: "libur", path: "libur.yaml", daysOff: daysOff.map { .init(day: day($0), name: $0, kind: "libur_nasional") }),
        WorkCalendar(name: "kosong", path: "kosong.yaml", daysOff: []),
    ]

    static func day(_ iso: String) -> Day {
        guard let d = Day(iso: iso) else { preconditionFailure("not a date: \(iso)") }
        return d
    }

    static func ordinal(_ iso: String) -> Int64 { Int64(day(iso).ordinal) }

    static func month(_ iso: String) -> Int64 {
        guard let m = Month(iso: iso) else { preconditionFailure("not a month: \(iso)") }
        return Int64(m.ordinal)
    }

    static var asOf: Day { day("2025-03-01") }
}

// MARK: - Records

/// Builds the three tables of a record set row by row. Strings are interned into the table's
/// own pool (seeded with `World.strings`), so equal texts in different tables get different ids.
struct RecordSet {
    var households: [[Cell]] = []
    var householdStrings: [String?] = []
    var members: [[Cell]] = []
    var memberHousehold: [Int32] = []
    var applications: [[Cell]] = []
    var applicationStrings: [(id: String, city: String?)] = []
    var applicationDeceased: [Int32] = []
    /// Data strings interned before the rows' own, to make the pools differ between tables.
    var householdPrefill: [String] = []
    var applicationPrefill: [String] = []

    @discardableResult
    mutating func household(city: String, desil: Int64?, kecamatan: Int64 = 0, savings: Int64? = nil, period: Int64? = nil) -> Int {
        households.append([Int64(3_671_000_000_000_000 + households.count), 0, desil ?? .null, kecamatan, savings ?? .null, period ?? .null])
        householdStrings.append(city)
        return households.count - 1
    }

    @discardableResult
    mutating func member(
        household: Int, birth: Int64, death: Int64? = nil, occupation: Int64 = 0, disability: Bool = false, bpjs: Bool = false,
        wage: Int64 = 0
    ) -> Int {
        members.append([
            Int64(3_671_010_000_000_000 + members.count), Int64(3_671_000_000_000_000 + household), birth, death ?? .null, occupation,
            disability ? 1 : 0, bpjs ? 1 : 0, wage,
        ])
        memberHousehold.append(Int32(household))
        return members.count - 1
    }

    @discardableResult
    mutating func application(deceased: Int?, submitted: Int64, amount: Int64? = nil, city: String? = nil) -> Int {
        applications.append([0, deceased.map { Int64(3_671_010_000_000_000 + $0) } ?? .null, submitted, amount ?? .null, 0])
        applicationStrings.append((id: "APP-\(applications.count)", city: city))
        applicationDeceased.append(Int32(deceased ?? -1))
        return applications.count - 1
    }

    var tables: [Table] {
        let schema = World.schema
        var h = Table(entity: World.household, fieldCount: schema.entities[0].fields.count, linkCount: 0, strings: StringPool(seed: World.strings))
        for s in householdPrefill { _ = h.strings.intern(s) }
        for (i, var cells) in households.enumerated() {
            cells[World.H.city] = h.strings.intern(householdStrings[i] ?? "")
            h.append(cells: cells, line: i + 2)
        }
        var m = Table(entity: World.member, fieldCount: schema.entities[1].fields.count, linkCount: 1, strings: StringPool(seed: World.strings))
        for (i, cells) in members.enumerated() {
            m.append(cells: cells, line: i + 2)
            m.links[0].append(memberHousehold[i])
        }
        var a = Table(entity: World.application, fieldCount: schema.entities[2].fields.count, linkCount: 1, strings: StringPool(seed: World.strings))
        for s in applicationPrefill { _ = a.strings.intern(s) }
        for (i, var cells) in applications.enumerated() {
            cells[World.A.id] = a.strings.intern(applicationStrings[i].id)
            cells[World.A.city] = applicationStrings[i].city.map { a.strings.intern($0) } ?? .null
            a.append(cells: cells, line: i + 2)
            a.links[0].append(applicationDeceased[i])
        }
        return [h, m, a]
    }
}

// MARK: - Typed expressions, as the checker builds them

/// Builds `TypedExpr` trees of the shapes `TepatCheck` produces (coercions included), with a
/// readable `text` for failure messages.
enum X {
    static let range = SourceRange(path: "generated", start: .init(line: 1, column: 1), length: 1)

    static func make(_ kind: TypedExpr.Kind, _ type: ValueType, _ text: String, nullable: Bool = false) -> TypedExpr {
        TypedExpr(kind, type, nullable: nullable, range: range, text: text)
    }

    static func int(_ v: Int64) -> TypedExpr { make(.constant(v), .integer, "\(v)") }
    /// A whole number of days (an integer constant).
    static func wholeDays(_ v: Int64) -> TypedExpr { int(v) }
    static func money(_ v: Int64) -> TypedExpr { make(.constant(v), .money, "Rp\(v)") }
    static func bool(_ b: Bool) -> TypedExpr { make(.constant(b ? 1 : 0), .boolean, "\(b)") }
    static func date(_ iso: String) -> TypedExpr { make(.constant(World.ordinal(iso)), .date, iso) }
    static func month(_ iso: String) -> TypedExpr { make(.constant(World.month(iso)), .month, iso) }
    static func text(_ s: String) -> TypedExpr { make(.text(s), .string, "\"\(s)\"") }
    static func decimal(_ literal: String) -> TypedExpr {
        guard let r = Rational(decimal: literal) else { preconditionFailure("not a decimal: \(literal)") }
        return make(.rational(r), .decimal, literal)
    }
    static func code(_ name: String, of field: String, in values: [String]) -> TypedExpr {
        guard let i = values.firstIndex(of: name) else { preconditionFailure("no code \(name)") }
        return make(.constant(Int64(i)), .enumeration(EnumDomain(name: field, values: values)), name)
    }
    static let null = make(.null, .null, "null", nullable: true)

    /// A field of the record reached from `root` by `links` (names of links, in order).
    static func field(_ root: Int, _ links: [String], _ name: String) -> TypedExpr {
        let schema = World.schema
        var entity = root
        var steps: [LinkPath.Step] = []
        var nullable = false
        for l in links {
            let e = schema.entities[entity]
            guard let li = e.linkIndex(named: l) else { preconditionFailure("no link \(l)") }
            steps.append(.init(entity: entity, link: li, required: e.links[li].required))
            nullable = nullable || !e.links[li].required
            entity = e.links[li].target
        }
        let e = schema.entities[entity]
        guard let f = e.fieldIndex(named: name) else { preconditionFailure("no field \(name)") }
        let text = (links + [name]).joined(separator: ".")
        let path = FieldPath(links: LinkPath(root: root, steps: steps, entity: entity, text: links.joined(separator: ".")), field: f, text: text)
        return make(.field(path), ValueType(e.fields[f].type, name: text), text, nullable: nullable || e.fields[f].optional)
    }

    static func link(_ root: Int, _ links: [String]) -> LinkPath {
        let schema = World.schema
        var entity = root
        var steps: [LinkPath.Step] = []
        for l in links {
            let e = schema.entities[entity]
            guard let li = e.linkIndex(named: l) else { preconditionFailure("no link \(l)") }
            steps.append(.init(entity: entity, link: li, required: e.links[li].required))
            entity = e.links[li].target
        }
        return LinkPath(root: root, steps: steps, entity: entity, text: links.joined(separator: "."))
    }

    static func linkPresent(_ root: Int, _ links: [String]) -> TypedExpr {
        make(.linkPresent(link(root, links)), .boolean, "present(\(links.joined(separator: ".")))")
    }

    static func present(_ x: TypedExpr) -> TypedExpr { make(.isPresent(x), .boolean, "present(\(x.text))") }
    static func not(_ x: TypedExpr) -> TypedExpr { make(.not(x), .boolean, "not (\(x.text))") }
    static func and(_ a: TypedExpr, _ b: TypedExpr) -> TypedExpr { make(.and(a, b), .boolean, "(\(a.text) and \(b.text))") }
    static func or(_ a: TypedExpr, _ b: TypedExpr) -> TypedExpr { make(.or(a, b), .boolean, "(\(a.text) or \(b.text))") }
    static func negate(_ x: TypedExpr) -> TypedExpr { make(.negate(x), x.type, "-(\(x.text))") }

    /// The common type of two operands (the checker's `unify`).
    static func unify(_ a: ValueType, _ b: ValueType) -> ValueType? {
        if a == b { return a }
        switch (a, b) {
        case (.integer, .money), (.money, .integer): return .money
        case (.decimal, .integer), (.integer, .decimal), (.decimal, .money), (.money, .decimal): return .decimal
        default: return nil
        }
    }

    /// The checker's `coerce`: an integer constant widened to decimal becomes a fraction; any other
    /// widening only changes the type (the compiler widens at run time).
    static func coerce(_ e: TypedExpr, to type: ValueType) -> TypedExpr {
        if e.type == type { return e }
        var out = e
        out.type = type
        if type == .decimal, case .constant(let c) = e.kind { out.kind = .rational(Rational(c)) }
        return out
    }

    static func compare(_ op: CompareOperator, _ a: TypedExpr, _ b: TypedExpr) -> TypedExpr {
        let t = unify(a.type, b.type) ?? a.type
        return make(.compare(op, coerce(a, to: t), coerce(b, to: t)), .boolean, "(\(a.text) \(op.rawValue) \(b.text))")
    }

    static func isIn(_ x: TypedExpr, _ list: TypedExpr, negated: Bool = false) -> TypedExpr {
        make(.membership(x, list, negated: negated), .boolean, "(\(x.text) \(negated ? "not in" : "in") \(list.text))")
    }

    static func list(_ cells: [Cell], of element: ValueType, text: String? = nil) -> TypedExpr {
        make(.list(cells), .list(element), text ?? "[\(cells.map(String.init).joined(separator: ", "))]")
    }

    static func textList(_ items: [String]) -> TypedExpr {
        make(.textList(items), .list(.string), "[\(items.map { "\"\($0)\"" }.joined(separator: ", "))]")
    }

    /// `a op b` with the checker's result type.
    static func arithmetic(_ op: ArithmeticOperator, _ a: TypedExpr, _ b: TypedExpr) -> TypedExpr {
        let type: ValueType
        switch (op, a.type, b.type) {
        case (.divide, _, _), (_, .decimal, _), (_, _, .decimal): type = .decimal
        case (.subtract, .date, .date): type = .integer
        case (_, .date, _), (_, _, .date): type = .date
        case (_, .money, _), (_, _, .money): type = .money
        default: type = .integer
        }
        // Like the checker, operands keep their own types: the compiler widens them at run time.
        return make(.arithmetic(op, a, b), type, "(\(a.text) \(op.rawValue) \(b.text))")
    }

    static func coalesce(_ a: TypedExpr, _ b: TypedExpr) -> TypedExpr {
        let t = unify(a.type, b.type) ?? a.type
        return make(.coalesce(coerce(a, to: t), coerce(b, to: t)), t, "(\(a.text) ?? \(b.text))")
    }

    static func call(_ builtin: Builtin, _ args: [TypedExpr]) -> TypedExpr {
        var args = args
        let type: ValueType
        switch builtin {
        case .ageOn, .workingDaysBetween, .daysBetween, .year, .month: type = .integer
        case .round, .floor, .ceil: type = args[0].type == .decimal ? .integer : args[0].type
        case .min, .max:
            type = unify(args[0].type, args[1].type) ?? args[0].type
            args = args.map { coerce($0, to: type) }
        }
        let shown = builtin == .workingDaysBetween ? [args[0].text, args[1].text, args[2].text] : args.map(\.text)
        return make(.call(builtin, args), type, "\(builtin.rawValue)(\(shown.joined(separator: ", ")))")
    }

    static func workingDays(_ a: TypedExpr, _ b: TypedExpr, calendar: Int) -> TypedExpr {
        call(.workingDaysBetween, [a, b, make(.constant(Int64(calendar)), .integer, World.calendars[calendar].name)])
    }

}

// MARK: - Running both evaluators

/// Evaluates one expression node with the compiled evaluator and returns it as a `RefValue`.
struct CompiledRunner {
    let compiler: Compiler

    init(aggregates: [CheckedAggregate] = [], calendars: [WorkCalendar] = World.calendars) {
        compiler = Compiler(strings: World.strings, calendars: calendars, aggregateHosts: aggregates.map(\.host))
    }

    /// The pool a string-valued expression's ids belong to: an entity, `-1` for "any pool" (a
    /// seeded constant), nil when ids from two different pools may come out.
    static func pool(_ e: TypedExpr) -> Int? {
        switch e.kind {
        case .field(let path): return path.entity
        case .text, .null: return -1
        case .coalesce(let a, let b):
            guard let pa = pool(a), let pb = pool(b) else { return nil }
            if pa == pb || pb == -1 { return pa }
            if pa == -1 { return pb }
            return nil
        default: return nil
        }
    }

    /// The compiled value of `e` at `row`; nil when it cannot be read back (a string whose pool is ambiguous).
    func value(_ e: TypedExpr, _ input: EvalInput, row: Int) -> RefValue? {
        if e.type == .decimal {
            let f = compiler.rational(e)
            do {
                return try f(input, row).map { .rational($0) } ?? .null
            } catch {
                return .overflow
            }
        }
        let f = compiler.cell(e)
        let cell: Cell
        do {
            cell = try f(input, row)
        } catch {
            return .overflow
        }
        if cell == .null { return .null }
        switch e.type {
        case .boolean: return cell == 0 ? .bool(false) : cell == 1 ? .bool(true) : .int(cell)
        case .string:
            guard let entity = Self.pool(e) else { return nil }
            if cell >= 0, cell < World.strings.count { return .text(World.strings[Int(cell)]) }
            guard entity >= 0 else { return .int(cell) }  // not a seeded id: shown raw, never equal to text
            return .text(input.tables[entity].strings[cell])
        default: return .int(cell)
        }
    }
}

extension TypedExpr {
    /// Every sub-expression, children first (lists on the right of `in` are left out).
    var nodes: [TypedExpr] {
        var out: [TypedExpr] = []
        func walk(_ e: TypedExpr) {
            switch e.kind {
            case .constant, .rational, .text, .null, .field, .linkPresent, .aggregate, .allocationValue: break
            case .list, .textList: return
            case .isPresent(let x), .not(let x), .negate(let x): walk(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b), .coalesce(let a, let b):
                walk(a)
                walk(b)
            case .membership(let x, _, _): walk(x)
            case .call(_, let args): args.forEach(walk)
            }
            out.append(e)
        }
        walk(self)
        return out
    }
}
