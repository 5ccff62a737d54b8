import Foundation
import Testing
@testable import TepatCheck
@testable import TepatEval
import TepatModel
import TepatSyntax

/// Every operator and function of docs/policy-language.md §6 through the compiled evaluator,
/// with the boundaries each one has: hand-written expectations, one row of data per case.
@Suite struct OperatorTests {
    // MARK: Fixtures

    /// A household (desil 3, city "3671"), two members (born 2000-02-29 and 1960-03-01) and two
    /// applications: row 0 names no deceased (its `deceased` link is -1), row 1 names member 0.
    static func records(
        desil: Int64? = 3, savings: Int64? = 1_000_000, wage: Int64 = 2_500_000, birth: String = "2000-02-29", death: String? = nil,
        occupation: Int64 = 0, amount: Int64? = nil, applicationCity: String? = nil
    ) -> RecordSet {
        var r = RecordSet()
        r.household(city: "3671", desil: desil, kecamatan: 2, savings: savings, period: World.month("2025-02"))
        r.member(household: 0, birth: World.ordinal(birth), death: death.map(World.ordinal), occupation: occupation, disability: true, bpjs: false, wage: wage)
        r.member(household: 0, birth: World.ordinal("1960-03-01"), occupation: 1, wage: 0)
        r.application(deceased: nil, submitted: World.ordinal("2025-03-03"), amount: amount, city: applicationCity)
        r.application(deceased: 0, submitted: World.ordinal("2025-04-08"), amount: amount, city: applicationCity)
        return r
    }

    /// The compiled value of `e` for row `row` of `root`'s table.
    static func eval(_ e: TypedExpr, _ records: RecordSet = records(), root: Int = World.member, row: Int = 0, calendars: [WorkCalendar] = World.calendars) -> RefValue? {
        let tables = records.tables
        return CompiledRunner(calendars: calendars).value(e, EvalInput(tables: tables), row: row)
    }

    static let m = World.member, a = World.application
    static var wage: TypedExpr { X.field(m, [], "wage") }
    static var desil: TypedExpr { X.field(m, ["household"], "desil") }
    static var birth: TypedExpr { X.field(m, [], "birth_date") }
    /// Null on application row 0 (no deceased), the member's value on row 1.
    static var deceasedBpjs: TypedExpr { X.field(a, ["deceased"], "bpjs") }

    /// A boolean operand: a constant, or null read through an absent link (application row 0).
    static func operand(_ v: Bool?) -> TypedExpr { v.map(X.bool) ?? deceasedBpjs }

    static func show(_ v: Bool?) -> String { v.map { "\($0)" } ?? "null" }
    static func ref(_ v: Bool?) -> RefValue { v.map(RefValue.bool) ?? .null }

    // MARK: Kleene logic

    static let truthValues: [Bool?] = [true, false, nil]

    @Test(arguments: OperatorTests.truthValues, OperatorTests.truthValues)
    func andIsKleene(_ x: Bool?, _ y: Bool?) {
        // false wins, then unknown, then true.
        let expected: Bool? = x == false || y == false ? false : (x == nil || y == nil ? nil : true)
        #expect(Self.eval(X.and(Self.operand(x), Self.operand(y)), root: Self.a) == Self.ref(expected), "\(Self.show(x)) and \(Self.show(y))")
    }

    @Test(arguments: OperatorTests.truthValues, OperatorTests.truthValues)
    func orIsKleene(_ x: Bool?, _ y: Bool?) {
        let expected: Bool? = x == true || y == true ? true : (x == nil || y == nil ? nil : false)
        #expect(Self.eval(X.or(Self.operand(x), Self.operand(y)), root: Self.a) == Self.ref(expected), "\(Self.show(x)) or \(Self.show(y))")
    }

    @Test(arguments: OperatorTests.truthValues)
    func notIsKleene(_ x: Bool?) {
        #expect(Self.eval(X.not(Self.operand(x)), root: Self.a) == Self.ref(x.map { !$0 }))
    }

    /// `false and x` never evaluates `x` (Kleene: its value cannot matter); otherwise a fault in
    /// either operand is a fault of the whole.
    @Test(arguments: [
        ("false and overflow", X.and(X.bool(false), OperatorTests.overflowing), RefValue.bool(false)),
        ("overflow and false", X.and(OperatorTests.overflowing, X.bool(false)), .overflow),
        ("true and overflow", X.and(X.bool(true), OperatorTests.overflowing), .overflow),
        ("true or overflow", X.or(X.bool(true), OperatorTests.overflowing), .bool(true)),
        ("overflow or true", X.or(OperatorTests.overflowing, X.bool(true)), .overflow),
        ("false or overflow", X.or(X.bool(false), OperatorTests.overflowing), .overflow),
    ])
    func shortCircuitAndFaults(_ label: String, _ e: TypedExpr, _ expected: RefValue) {
        #expect(Self.eval(e, Self.records(wage: Int64.max)) == expected, "\(label)")
    }

    /// Evaluation is strict: an operand that overflows is a fault even when the other operand is
    /// null (and the result would otherwise be unknown) — so `a < b` and `b > a` always agree.
    /// Only `and`, `or` and `??` skip an operand, when their meaning makes it irrelevant.
    @Test(arguments: [
        ("null < overflow", X.compare(.less, OperatorTests.desil, X.arithmetic(.add, OperatorTests.wage, X.int(1))), RefValue.overflow),
        ("overflow > null", X.compare(.greater, X.arithmetic(.add, OperatorTests.wage, X.int(1)), OperatorTests.desil), .overflow),
        ("null + overflow", X.arithmetic(.add, OperatorTests.desil, X.arithmetic(.add, OperatorTests.wage, X.int(1))), .overflow),
        ("decimal null < overflow", X.compare(.less, X.coerce(OperatorTests.desil, to: .decimal), X.arithmetic(.multiply, OperatorTests.wage, X.decimal("2.5"))), .overflow),
        ("decimal null + overflow", X.arithmetic(.add, X.arithmetic(.divide, OperatorTests.desil, X.int(2)), X.arithmetic(.multiply, OperatorTests.wage, X.decimal("2.5"))), .overflow),
        ("round(null, overflow)", X.call(.round, [X.coerce(OperatorTests.desil, to: .decimal), X.arithmetic(.add, OperatorTests.wage, X.int(1))]), .overflow),
        ("min(null, overflow)", X.call(.min, [OperatorTests.desil, X.arithmetic(.add, OperatorTests.wage, X.int(1))]), .overflow),
        ("null in list", X.isIn(OperatorTests.desil, X.list([1], of: .integer)), .null),
        ("null < wage", X.compare(.less, OperatorTests.desil, OperatorTests.wage), .null),
        ("null ?? overflow", X.coalesce(OperatorTests.desil, X.arithmetic(.add, OperatorTests.wage, X.int(1))), .overflow),
    ])
    func evaluationIsStrict(_ label: String, _ e: TypedExpr, _ expected: RefValue) {
        #expect(Self.eval(e, Self.records(desil: nil, wage: Int64.max)) == expected, "\(label)")
    }

    /// `wage + 1 > 0` with wage at the 64-bit maximum.
    static var overflowing: TypedExpr { X.compare(.greater, X.arithmetic(.add, wage, X.int(1)), X.money(0)) }

    // MARK: Comparisons

    @Test(arguments: CompareOperator.allCases)
    func comparisonWithNullIsUnknown(_ op: CompareOperator) {
        let nullDesil = Self.records(desil: nil)
        #expect(Self.eval(X.compare(op, Self.desil, X.int(4)), nullDesil) == .null)
        #expect(Self.eval(X.compare(op, X.int(4), Self.desil), nullDesil) == .null)
        #expect(Self.eval(X.compare(op, Self.desil, Self.desil), nullDesil) == .null)
    }

    @Test(arguments: [
        (CompareOperator.less, Int64.min + 1, Int64.max, true), (.greater, Int64.max, Int64.max - 1, true),
        (.lessEqual, Int64.max, Int64.max, true), (.greaterEqual, Int64.min + 1, Int64.min + 2, false),
        (.equal, -1, -1, true), (.notEqual, 0, -0, false), (.less, 0, -1, false), (.greater, 1, -1, true),
        (.less, 5, 5, false), (.greater, 5, 5, false), (.lessEqual, 4, 5, true), (.greaterEqual, 5, 5, true),
    ])
    func comparisonsOfWholeNumbers(_ op: CompareOperator, _ wage: Int64, _ k: Int64, _ expected: Bool) {
        // The data on the left, a constant on the right (the inlined path) and the other way round.
        #expect(Self.eval(X.compare(op, Self.wage, X.money(k)), Self.records(wage: wage)) == .bool(expected))
        #expect(Self.eval(X.compare(op.flipped, X.money(k), Self.wage), Self.records(wage: wage)) == .bool(expected))
    }

    @Test(arguments: [
        ("2024-02-29", CompareOperator.less, "2024-03-01", true), ("2025-03-01", .equal, "2025-03-01", true),
        ("2025-02-28", .greaterEqual, "2025-03-01", false), ("1960-03-01", .less, "2000-02-29", true),
    ])
    func comparisonsOfDates(_ birth: String, _ op: CompareOperator, _ day: String, _ expected: Bool) {
        #expect(Self.eval(X.compare(op, Self.birth, X.date(day)), Self.records(birth: birth)) == .bool(expected))
    }

    @Test func comparisonsOfMonths() {
        let period = X.field(Self.m, ["household"], "dtks_period")
        #expect(Self.eval(X.compare(.less, period, X.month("2025-03"))) == .bool(true))
        #expect(Self.eval(X.compare(.equal, period, X.month("2025-02"))) == .bool(true))
        #expect(Self.eval(X.compare(.greater, period, X.month("2024-12"))) == .bool(true))
    }

    // MARK: Rationals

    @Test(arguments: [
        ("0.1 + 0.2 == 0.3", X.compare(.equal, X.arithmetic(.add, X.decimal("0.1"), X.decimal("0.2")), X.decimal("0.3")), RefValue.bool(true)),
        ("0.1 + 0.2 > 0.3", X.compare(.greater, X.arithmetic(.add, X.decimal("0.1"), X.decimal("0.2")), X.decimal("0.3")), .bool(false)),
        ("0.1 + 0.2 <= 0.3", X.compare(.lessEqual, X.arithmetic(.add, X.decimal("0.1"), X.decimal("0.2")), X.decimal("0.3")), .bool(true)),
        ("1 / 3 * 3 == 1", X.compare(.equal, X.arithmetic(.multiply, X.arithmetic(.divide, X.int(1), X.int(3)), X.int(3)), X.coerce(X.int(1), to: .decimal)), .bool(true)),
        ("1/3 + 1/3 + 1/3 == 1", X.compare(.equal, X.arithmetic(.add, X.arithmetic(.add, OperatorTests.third, OperatorTests.third), OperatorTests.third), X.coerce(X.int(1), to: .decimal)), .bool(true)),
        ("2 / 3 > 0.6666666", X.compare(.greater, X.arithmetic(.divide, X.int(2), X.int(3)), X.decimal("0.6666666")), .bool(true)),
        ("-0.5 < 0", X.compare(.less, X.decimal("-0.5"), X.coerce(X.int(0), to: .decimal)), .bool(true)),
        ("-(0.5) == -0.5", X.compare(.equal, X.negate(X.decimal("0.5")), X.decimal("-0.5")), .bool(true)),
        // Whole numbers from the data widened to decimal (`household.desil > 2.5`, desil 3).
        ("desil > 2.5", X.compare(.greater, OperatorTests.desil, X.decimal("2.5")), .bool(true)),
        ("desil < 3.5", X.compare(.less, OperatorTests.desil, X.decimal("3.5")), .bool(true)),
        ("desil == 3.0", X.compare(.equal, OperatorTests.desil, X.decimal("3.0")), .bool(true)),
        ("wage / 2 == 1250000", X.compare(.equal, X.arithmetic(.divide, OperatorTests.wage, X.int(2)), X.coerce(X.int(1_250_000), to: .decimal)), .bool(true)),
        ("wage * 0.01 == 25000", X.compare(.equal, X.arithmetic(.multiply, OperatorTests.wage, X.decimal("0.01")), X.coerce(X.int(25_000), to: .decimal)), .bool(true)),
    ])
    func rationalsAreExact(_ label: String, _ e: TypedExpr, _ expected: RefValue) {
        #expect(Self.eval(e) == expected, "\(label)")
    }

    static var third: TypedExpr { X.arithmetic(.divide, X.int(1), X.int(3)) }

    @Test func divisionByZeroOnDataIsAFault() {
        let zero = X.arithmetic(.subtract, Self.wage, Self.wage)
        #expect(Self.eval(X.arithmetic(.divide, X.int(1), zero)) == .overflow)
        #expect(Self.eval(X.arithmetic(.divide, X.decimal("0.5"), X.coerce(zero, to: .decimal))) == .overflow)
    }

    // MARK: Arithmetic and overflow

    @Test(arguments: [
        (Int64.max, ArithmeticOperator.add, Int64(1), RefValue.overflow),
        (Int64.max, .subtract, -1, .overflow),
        // Int64.min is the null cell: a result there is out of range, never "missing".
        (Int64.min + 1, .subtract, 1, .overflow),
        (Int64.min + 1, .add, -1, .overflow),
        (3_037_000_500, .multiply, 3_037_000_500, .overflow),
        (3_037_000_499, .multiply, 3_037_000_499, .int(9_223_372_030_926_249_001)),
        (Int64.max, .multiply, -1, .int(-Int64.max)),
        (Int64.min + 1, .multiply, -1, .int(Int64.max)),
        (Int64.max, .add, 0, .int(Int64.max)),
        (Int64.max - 1, .add, 1, .int(Int64.max)),
        (1 << 62, .multiply, 2, .overflow),
        (-(1 << 62), .multiply, 2, .overflow),
        (3_000_000, .multiply, 12, .int(36_000_000)),
    ])
    func moneyArithmeticOnData(_ wage: Int64, _ op: ArithmeticOperator, _ k: Int64, _ expected: RefValue) {
        let records = Self.records(wage: wage)
        #expect(Self.eval(X.arithmetic(op, Self.wage, X.int(k)), records) == expected, "\(wage) \(op.rawValue) \(k)")
        // `k op wage` for the commutative ones.
        if op != .subtract {
            #expect(Self.eval(X.arithmetic(op, X.int(k), Self.wage), records) == expected, "\(k) \(op.rawValue) \(wage)")
        }
    }

    @Test(arguments: [Int64.max, Int64.min + 1, 0, -1, 1])
    func negationNeverOverflows(_ wage: Int64) {
        #expect(Self.eval(X.negate(Self.wage), Self.records(wage: wage)) == .int(-wage))
    }

    @Test func overflowOnDataThrowsEvalFault() throws {
        let e = X.arithmetic(.multiply, Self.wage, X.int(2))
        let f = CompiledRunner().compiler.cell(e)
        let input = EvalInput(tables: Self.records(wage: Int64.max / 2 + 1).tables)
        #expect(throws: EvalFault.self) { try f(input, 0) }
        #expect(try f(EvalInput(tables: Self.records(wage: Int64.max / 2).tables), 0) == Int64.max - 1)
    }

    /// A subject whose data overflows is invalid with the reason; the other subjects are decided.
    @Test func overflowOnDataMakesTheSubjectInvalid() {
        var records = Self.records(wage: Int64.max)
        records.member(household: 0, birth: World.ordinal("1990-01-01"), wage: 3_000_000)
        let condition = X.compare(.lessEqual, X.arithmetic(.multiply, Self.wage, X.int(12)), X.money(40_000_000))
        let policy = Self.policy(subject: Self.m, rules: [.init(id: "upah", kind: .require(condition), range: X.range, reads: [])], topLevel: [0])
        let compiled = CompiledPolicy(policy, strings: World.strings)
        let input = EvalInput(tables: records.tables)
        let invalid = compiled.evaluate(input, row: 0)
        #expect(invalid.fault != nil)
        #expect(!invalid.eligible)
        #expect(invalid.fault?.reason(.id) == "Tidak dapat dinilai: `(wage * 12)` melampaui batas angka")
        #expect(invalid.fault?.reason(.en) == "Cannot be assessed: `(wage * 12)` overflows")
        #expect(compiled.evaluate(input, row: 1).fault == nil)
        #expect(compiled.evaluate(input, row: 1).eligible)
        #expect(compiled.evaluate(input, row: 2).eligible)
    }

    // MARK: Dates

    @Test(arguments: [
        ("2000-03-01", "2025-03-01", 25), ("2000-03-01", "2025-02-28", 24),  // the birthday, the day before
        ("2007-03-01", "2025-03-01", 18), ("2007-03-02", "2025-03-01", 17),
        // Born on 29 February: a year older on 1 March in common years, on 29 February in leap years.
        ("2000-02-29", "2025-02-28", 24), ("2000-02-29", "2025-03-01", 25),
        ("2000-02-29", "2024-02-28", 23), ("2000-02-29", "2024-02-29", 24),
        ("1960-02-29", "2025-02-28", 64), ("1960-02-29", "2025-03-01", 65),
        ("2025-03-01", "2025-03-01", 0), ("1930-01-01", "2025-12-31", 95),
    ])
    func ageOn(_ born: String, _ on: String, _ expected: Int64) {
        #expect(Self.eval(X.call(.ageOn, [Self.birth, X.date(on)]), Self.records(birth: born)) == .int(expected), "born \(born), on \(on)")
    }

    /// The real 2025 holiday calendar, read as `tepat` reads it.
    static let indonesia2025: WorkCalendar? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../policies/calendars/indonesia-2025.yaml").standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let (calendar, diagnostics) = CalendarLoader.load(SourceFile(path: "indonesia-2025.yaml", text: String(decoding: data, as: UTF8.self)))
        return diagnostics.isEmpty ? calendar : nil
    }()

    /// (from, to, with the code-built calendar, with indonesia-2025.yaml, with no days off)
    @Test(arguments: [
        ("2025-03-21", "2025-03-24", 1, 1, 1),  // Friday → Monday: the weekend does not count
        ("2025-03-22", "2025-03-23", 0, 0, 0),  // Saturday → Sunday
        ("2025-03-24", "2025-03-24", 0, 0, 0),  // the day of `a` is day 0
        ("2025-03-24", "2025-03-25", 1, 1, 1),
        ("2025-03-27", "2025-04-08", 1, 1, 8),  // Nyepi and Idulfitri: 28 Mar, 31 Mar–4 Apr, 7 Apr off
        ("2025-08-15", "2025-08-19", 1, 1, 2),  // 17 Aug is a Sunday; 18 Aug cuti bersama
        ("2025-08-19", "2025-08-15", -1, -1, -2),  // backwards: negative
        ("2025-12-24", "2025-12-29", 1, 1, 3),  // Christmas and cuti bersama, then the weekend
        ("2025-05-09", "2025-05-16", 4, 3, 5),  // Waisak 12 May; 13 May is cuti bersama only in the file
        ("2025-01-01", "2025-01-31", 19, 19, 22),  // January, Isra Mikraj and Imlek 27–29 Jan
        ("2025-03-01", "2025-03-03", 1, 1, 1),  // from a Saturday
    ])
    func workingDaysBetween(_ from: String, _ to: String, _ code: Int64, _ file: Int64, _ none: Int64) throws {
        let calendars = [World.calendars[0], try #require(Self.indonesia2025), World.calendars[1]]
        for (index, expected) in [code, file, none].enumerated() {
            let e = X.call(.workingDaysBetween, [X.date(from), X.date(to), X.make(.constant(Int64(index)), .integer, "cal\(index)")])
            #expect(Self.eval(e, calendars: calendars) == .int(expected), "\(from) → \(to), calendar \(calendars[index].name)")
            // The same through data: the member's death date.
            let onData = X.call(.workingDaysBetween, [X.field(Self.m, [], "death_date"), X.date(to), X.make(.constant(Int64(index)), .integer, "cal\(index)")])
            #expect(Self.eval(onData, Self.records(death: from), calendars: calendars) == .int(expected))
        }
        // The independent oracle of the differential tests agrees.
        let reference = ReferenceInterpreter(calendars: calendars)
        for (index, expected) in [code, file, none].enumerated() {
            #expect(Int64(reference.workingDays(Int(World.ordinal(from)), Int(World.ordinal(to)), calendar: index)) == expected)
        }
    }

    @Test func workingDaysWithAMissingDateIsUnknown() {
        let e = X.workingDays(X.field(Self.m, [], "death_date"), X.date("2025-04-08"), calendar: 0)
        #expect(Self.eval(e, Self.records(death: nil)) == .null)
    }

    @Test(arguments: [
        ("2025-03-01", "2025-03-01", Int64(0)), ("2024-02-28", "2024-03-01", 2), ("2025-02-28", "2025-03-01", 1),
        ("2025-03-01", "2025-02-28", -1), ("1930-01-01", "2025-03-01", 34_758), ("2024-12-31", "2025-01-01", 1),
    ])
    func daysBetween(_ from: String, _ to: String, _ expected: Int64) {
        #expect(Self.eval(X.call(.daysBetween, [Self.birth, X.date(to)]), Self.records(birth: from)) == .int(expected))
        // `date - date` is the same number.
        #expect(Self.eval(X.arithmetic(.subtract, X.date(to), Self.birth), Self.records(birth: from)) == .int(expected))
    }

    @Test(arguments: [
        ("2024-02-29", Int64(2024), Int64(2)), ("2025-12-31", 2025, 12), ("1930-01-01", 1930, 1), ("2000-02-29", 2000, 2),
    ])
    func yearAndMonth(_ day: String, _ year: Int64, _ month: Int64) {
        #expect(Self.eval(X.call(.year, [Self.birth]), Self.records(birth: day)) == .int(year))
        #expect(Self.eval(X.call(.month, [Self.birth]), Self.records(birth: day)) == .int(month))
    }

    @Test(arguments: [
        ("2024-02-29", Int64(1), "2024-03-01"), ("2025-02-28", 1, "2025-03-01"), ("2025-03-01", -1, "2025-02-28"),
        ("2024-03-01", -1, "2024-02-29"), ("2025-12-31", 1, "2026-01-01"),
    ])
    func dateArithmetic(_ day: String, _ days: Int64, _ expected: String) {
        #expect(Self.eval(X.arithmetic(.add, Self.birth, X.int(days)), Self.records(birth: day)) == .int(World.ordinal(expected)))
        #expect(Self.eval(X.arithmetic(.add, X.int(days), Self.birth), Self.records(birth: day)) == .int(World.ordinal(expected)))
        #expect(Self.eval(X.arithmetic(.subtract, Self.birth, X.int(-days)), Self.records(birth: day)) == .int(World.ordinal(expected)))
    }

    /// `date ± days` beyond the calendar (years 1–9999) is a fault on the subject's data — never a
    /// date that `year`, `age_on` or `working_days_between` cannot handle.
    @Test(arguments: [
        ("2000-02-29", Int64.max, RefValue.overflow), ("2000-02-29", 3_000_000, .overflow), ("2000-02-29", -800_000, .overflow),
        ("2000-02-29", 2_900_000, .int(World.ordinal("9940-02-04"))), ("2025-12-31", -739_615, .int(World.ordinal("0001-01-01"))), ("2025-12-31", -739_616, .overflow),
    ])
    func datesStayDates(_ day: String, _ days: Int64, _ expected: RefValue) {
        let shifted = X.arithmetic(.add, Self.birth, X.wholeDays(days))
        let records = Self.records(birth: day)
        #expect(Self.eval(shifted, records) == expected)
        #expect(Self.eval(X.call(.year, [shifted]), records) == (expected == .overflow ? .overflow : .int(Int64(Day(ordinal: Int(World.ordinal(day) + days)).civil.year))))
        #expect(Self.eval(X.call(.daysBetween, [shifted, Self.birth]), records) == (expected == .overflow ? .overflow : .int(-days)))
    }

    @Test func theLastAndFirstDays() {
        #expect(Self.eval(X.arithmetic(.add, Self.birth, X.int(1)), Self.records(birth: "9999-12-30")) == .int(World.ordinal("9999-12-31")))
        #expect(Self.eval(X.arithmetic(.add, Self.birth, X.int(2)), Self.records(birth: "9999-12-30")) == .overflow)
        #expect(Self.eval(X.arithmetic(.subtract, Self.birth, X.int(1)), Self.records(birth: "0001-01-02")) == .int(World.ordinal("0001-01-01")))
        #expect(Self.eval(X.arithmetic(.subtract, Self.birth, X.int(2)), Self.records(birth: "0001-01-02")) == .overflow)
    }

    // MARK: Rounding

    /// (function, decimal, step, expected)
    @Test(arguments: [
        (Builtin.round, "2.5", Int64?.none, RefValue.int(3)), (.round, "-2.5", nil, .int(-3)), (.round, "2.4999", nil, .int(2)),
        (.round, "0.5", nil, .int(1)), (.round, "-0.5", nil, .int(-1)), (.round, "-0.4", nil, .int(0)),
        (.floor, "2.5", nil, .int(2)), (.floor, "-2.5", nil, .int(-3)), (.floor, "-3", nil, .int(-3)),
        (.ceil, "2.1", nil, .int(3)), (.ceil, "-2.5", nil, .int(-2)), (.ceil, "3", nil, .int(3)),
        (.round, "1250", 100, .int(1300)), (.round, "-1250", 100, .int(-1300)), (.round, "1249.99", 100, .int(1200)),
        (.floor, "1299", 100, .int(1200)), (.floor, "-1201", 100, .int(-1300)),
        (.ceil, "1201", 100, .int(1300)), (.ceil, "-1201", 100, .int(-1200)),
        (.round, "168000.5", 1000, .int(168_000)), (.ceil, "0.000000001", 1000, .int(1000)),
        (.round, "922337203685477580.7", nil, .int(922_337_203_685_477_581)),
    ])
    func rounding(_ function: Builtin, _ x: String, _ step: Int64?, _ expected: RefValue) {
        let e = X.call(function, [X.decimal(x)] + (step.map { [X.int($0)] } ?? []))
        #expect(Self.eval(e) == expected, "\(function.rawValue)(\(x)\(step.map { ", \($0)" } ?? ""))")
    }

    @Test func roundingOnDataAndItsFaults() {
        // round(wage * 0.01) with wage 2.500.050: 25.000,5 → 25.001
        #expect(Self.eval(X.call(.round, [X.arithmetic(.multiply, Self.wage, X.decimal("0.01"))]), Self.records(wage: 2_500_050)) == .int(25_001))
        // A step read from the data that is not positive cannot be rounded to.
        #expect(Self.eval(X.call(.floor, [X.decimal("2.5"), Self.wage]), Self.records(wage: 0)) == .overflow)
        #expect(Self.eval(X.call(.floor, [X.decimal("2.5"), Self.wage]), Self.records(wage: -100)) == .overflow)
        // A rounded value at the null bit pattern (-2^63) is out of range, not "missing".
        #expect(Self.eval(X.call(.floor, [Self.wage, X.int(2)]), Self.records(wage: Int64.min + 1)) == .overflow)
        #expect(Self.eval(X.call(.floor, [Self.wage, X.int(2)]), Self.records(wage: Int64.min + 2)) == .int(Int64.min + 2))
        #expect(Self.eval(X.call(.ceil, [Self.wage, X.int(1 << 62)]), Self.records(wage: Int64.max)) == .overflow)
        // A missing value or step is unknown.
        #expect(Self.eval(X.call(.round, [X.coerce(Self.desil, to: .decimal)]), Self.records(desil: nil)) == .null)
        #expect(Self.eval(X.call(.round, [X.decimal("2.5"), Self.desil]), Self.records(desil: nil)) == .null)
    }

    // MARK: min, max

    @Test func minAndMax() {
        let r = Self.records(desil: 3, wage: 2_500_000, birth: "2000-02-29")
        #expect(Self.eval(X.call(.min, [Self.desil, X.int(4)]), r) == .int(3))
        #expect(Self.eval(X.call(.max, [Self.desil, X.int(4)]), r) == .int(4))
        #expect(Self.eval(X.call(.min, [Self.wage, X.int(3_000_000)]), r) == .int(2_500_000))  // integer widened to money
        #expect(Self.eval(X.call(.max, [Self.birth, X.date("2000-03-01")]), r) == .int(World.ordinal("2000-03-01")))
        #expect(Self.eval(X.call(.min, [Self.birth, X.date("2000-03-01")]), r) == .int(World.ordinal("2000-02-29")))
        #expect(Self.eval(X.call(.max, [X.int(Int64.min + 1), X.int(Int64.max)]), r) == .int(Int64.max))
        // Decimals, and whole numbers widened to decimal by the other argument.
        #expect(Self.eval(X.call(.min, [X.decimal("0.5"), Self.desil]), r) == .rational(Rational(1, 2)!))
        #expect(Self.eval(X.call(.max, [X.decimal("0.5"), Self.desil]), r) == .rational(Rational(3)))
        #expect(Self.eval(X.compare(.equal, X.call(.max, [X.decimal("2.5"), Self.desil]), X.decimal("3")), r) == .bool(true))
        #expect(Self.eval(X.call(.min, [X.decimal("0.5"), Self.desil]), Self.records(desil: nil)) == .null)
    }

    // MARK: ??, present, links

    /// (records, expression, expected)
    @Test(arguments: [
        ("desil null ?? 0", OperatorTests.records(desil: nil), X.coalesce(OperatorTests.desil, X.int(0)), RefValue.int(0)),
        ("desil 3 ?? 0", OperatorTests.records(desil: 3), X.coalesce(OperatorTests.desil, X.int(0)), .int(3)),
        ("desil null ?? 0.5", OperatorTests.records(desil: nil), X.coalesce(OperatorTests.desil, X.decimal("0.5")), .rational(Rational(1, 2)!)),
        ("desil 3 ?? 0.5", OperatorTests.records(desil: 3), X.coalesce(OperatorTests.desil, X.decimal("0.5")), .rational(Rational(3))),
        ("death null ?? date", OperatorTests.records(death: nil), X.coalesce(X.field(OperatorTests.m, [], "death_date"), X.date("2025-03-01")), .int(World.ordinal("2025-03-01"))),
        ("death ?? date", OperatorTests.records(death: "2025-01-02"), X.coalesce(X.field(OperatorTests.m, [], "death_date"), X.date("2025-03-01")), .int(World.ordinal("2025-01-02"))),
        ("savings null ?? wage", OperatorTests.records(savings: nil, wage: 7), X.coalesce(X.field(OperatorTests.m, ["household"], "savings"), OperatorTests.wage), .int(7)),
        // The default is only evaluated when needed: no overflow while the value is present.
        ("savings ?? wage + 1", OperatorTests.records(savings: 5, wage: Int64.max), X.coalesce(X.field(OperatorTests.m, ["household"], "savings"), X.arithmetic(.add, OperatorTests.wage, X.int(1))), .int(5)),
        ("null ?? wage + 1", OperatorTests.records(savings: nil, wage: Int64.max), X.coalesce(X.field(OperatorTests.m, ["household"], "savings"), X.arithmetic(.add, OperatorTests.wage, X.int(1))), .overflow),
    ])
    func coalesce(_ label: String, _ records: RecordSet, _ e: TypedExpr, _ expected: RefValue) {
        #expect(Self.eval(e, records) == expected, "\(label)")
    }

    @Test func coalesceThroughAnAbsentLink() {
        let e = X.coalesce(X.field(Self.a, ["deceased", "household"], "desil"), X.int(7))
        #expect(Self.eval(e, root: Self.a, row: 0) == .int(7))  // no deceased
        #expect(Self.eval(e, root: Self.a, row: 1) == .int(3))
        let city = X.coalesce(X.field(Self.a, [], "city_code"), X.text("3671"))
        #expect(Self.eval(city, Self.records(applicationCity: nil), root: Self.a) == .text("3671"))
        #expect(Self.eval(city, Self.records(applicationCity: "3603"), root: Self.a) == .text("3603"))
    }

    @Test func presentAndLinks() {
        #expect(Self.eval(X.present(Self.desil), Self.records(desil: nil)) == .bool(false))
        #expect(Self.eval(X.present(Self.desil), Self.records(desil: 1)) == .bool(true))
        #expect(Self.eval(X.not(X.present(X.field(Self.m, [], "death_date"))), Self.records(death: nil)) == .bool(true))
        #expect(Self.eval(X.linkPresent(Self.a, ["deceased"]), root: Self.a, row: 0) == .bool(false))
        #expect(Self.eval(X.linkPresent(Self.a, ["deceased"]), root: Self.a, row: 1) == .bool(true))
        #expect(Self.eval(X.linkPresent(Self.a, ["deceased", "household"]), root: Self.a, row: 0) == .bool(false))
        #expect(Self.eval(X.linkPresent(Self.a, ["deceased", "household"]), root: Self.a, row: 1) == .bool(true))
        #expect(Self.eval(X.linkPresent(Self.m, ["household"])) == .bool(true))
        // A field read through an absent link is null, and `present` of it false.
        let city = X.field(Self.a, ["deceased", "household"], "city_code")
        #expect(Self.eval(city, root: Self.a, row: 0) == .null)
        #expect(Self.eval(city, root: Self.a, row: 1) == .text("3671"))
        #expect(Self.eval(X.present(city), root: Self.a, row: 0) == .bool(false))
        #expect(Self.eval(X.field(Self.a, ["deceased"], "wage"), root: Self.a, row: 0) == .null)
        #expect(Self.eval(X.field(Self.a, ["deceased"], "wage"), root: Self.a, row: 1) == .int(2_500_000))
    }

    // MARK: in, not in

    static func occupations(_ codes: [Int64]) -> TypedExpr {
        X.list(codes, of: X.field(m, [], "occupation").type, text: "[" + codes.map { World.occupations[Int($0)] }.joined(separator: ", ") + "]")
    }

    /// Codes below 64 compile to a bit mask; a list with a code ≥ 64 to a sorted array.
    @Test(arguments: [
        (Int64(0), [Int64(0), 1, 63], true), (63, [0, 1, 63], true), (62, [0, 1, 63], false), (1, [63], false),
        (64, [0, 1, 63], false), (69, [0, 1, 63], false),  // mask path, value beyond the mask
        (64, [0, 64, 69], true), (69, [0, 64, 69], true), (0, [69, 0, 64], true), (63, [0, 64, 69], false), (65, [64, 69], false),
        (3, [], false), (69, [], false),
    ])
    func membershipInEnumsOf70Codes(_ occupation: Int64, _ codes: [Int64], _ expected: Bool) {
        let r = Self.records(occupation: occupation)
        let field = X.field(Self.m, [], "occupation")
        #expect(Self.eval(X.isIn(field, Self.occupations(codes)), r) == .bool(expected), "\(occupation) in \(codes)")
        #expect(Self.eval(X.isIn(field, Self.occupations(codes), negated: true), r) == .bool(!expected), "\(occupation) not in \(codes)")
        // Unknown when the value is missing (no deceased).
        let deceased = X.field(Self.a, ["deceased"], "occupation")
        #expect(Self.eval(X.isIn(deceased, Self.occupations(codes)), r, root: Self.a, row: 0) == .null)
        #expect(Self.eval(X.isIn(deceased, Self.occupations(codes), negated: true), r, root: Self.a, row: 0) == .null)
    }

    @Test func membershipOfOtherTypes() {
        let r = Self.records(desil: 3, wage: Int64.max, birth: "2024-02-29")
        #expect(Self.eval(X.isIn(Self.desil, X.list([1, 2, 3, 4], of: .integer)), r) == .bool(true))
        #expect(Self.eval(X.isIn(Self.desil, X.list([4, 10], of: .integer)), r) == .bool(false))
        #expect(Self.eval(X.isIn(Self.wage, X.list([0, Int64.max], of: .money)), r) == .bool(true))
        #expect(Self.eval(X.isIn(Self.birth, X.list([World.ordinal("2024-02-29")], of: .date)), r) == .bool(true))
        #expect(Self.eval(X.isIn(X.coerce(Self.desil, to: .decimal), X.list([3], of: .decimal)), r) == .bool(true))
        #expect(Self.eval(X.isIn(X.arithmetic(.divide, Self.desil, X.int(2)), X.list([1, 2], of: .decimal)), r) == .bool(false))
        let city = X.field(Self.m, ["household"], "city_code")
        #expect(Self.eval(X.isIn(city, X.textList(["3603", "3671"])), r) == .bool(true))
        #expect(Self.eval(X.isIn(city, X.textList(["3603"]), negated: true), r) == .bool(true))
        #expect(Self.eval(X.isIn(Self.desil, X.list([3], of: .integer)), Self.records(desil: nil)) == .null)
    }

    // MARK: Strings across tables

    /// The application's pool and the household's pool hold the same texts under different ids.
    static func twoPools(household: String, application: String?) -> RecordSet {
        var r = RecordSet()
        r.householdPrefill = ["a", "b", "c"]
        r.applicationPrefill = ["x"]
        r.household(city: household, desil: 1)
        r.member(household: 0, birth: World.ordinal("1950-01-01"))
        r.application(deceased: 0, submitted: World.ordinal("2025-03-03"), city: application)
        return r
    }

    /// (household city, application city, operator, expected)
    @Test(arguments: [
        ("3674", "3674" as String?, CompareOperator.equal, RefValue.bool(true)), ("3674", "3674", .notEqual, .bool(false)),
        ("3674", "3603", .equal, .bool(false)), ("3671", "3671", .equal, .bool(true)), ("3671", "3674", .notEqual, .bool(true)),
        ("", "", .equal, .bool(true)), ("Kota", "kota", .equal, .bool(false)), ("3674", nil, .equal, .null),
    ])
    func stringEqualityAcrossTables(_ householdCity: String, _ applicationCity: String?, _ op: CompareOperator, _ expected: RefValue) throws {
        let records = Self.twoPools(household: householdCity, application: applicationCity)
        let tables = records.tables
        if let applicationCity, !World.strings.contains(applicationCity) {
            // The premise: the same text, different ids.
            #expect(tables[World.household].strings.id(of: householdCity) != tables[World.application].strings.id(of: applicationCity))
        }
        let own = X.field(Self.a, [], "city_code")
        let theirs = X.field(Self.a, ["deceased", "household"], "city_code")
        #expect(Self.eval(X.compare(op, own, theirs), records, root: Self.a) == expected)
        #expect(Self.eval(X.compare(op, theirs, own), records, root: Self.a) == expected)
        // Through `??`: the ids may come from either pool.
        let defaulted = X.coalesce(own, X.text("3603"))
        let expectedDefaulted: RefValue = applicationCity == nil ? .bool((householdCity == "3603") == (op == .equal)) : expected
        #expect(Self.eval(X.compare(op, defaulted, theirs), records, root: Self.a) == expectedDefaulted)
        #expect(Self.eval(X.compare(op, theirs, X.coalesce(theirs, own)), records, root: Self.a) == .bool(op == .equal))
    }

    // MARK: Aggregates

    @Test func aggregatesAreReadAtTheHostRecord() {
        // Two households: the first has three members (one with a disability), the second one.
        var r = RecordSet()
        r.household(city: "3671", desil: 1)
        r.household(city: "3671", desil: 2)
        r.member(household: 1, birth: World.ordinal("1990-01-01"), disability: false)
        r.member(household: 0, birth: World.ordinal("1950-01-01"), disability: true)
        r.member(household: 0, birth: World.ordinal("2010-01-01"), disability: false)
        r.member(household: 0, birth: World.ordinal("2012-01-01"), disability: false)
        r.application(deceased: nil, submitted: World.ordinal("2025-03-03"))
        r.application(deceased: 0, submitted: World.ordinal("2025-03-03"))
        let tables = r.tables
        let disability = X.field(Self.m, [], "disability")
        let aggregates = [
            CheckedAggregate(kind: .count, host: X.link(Self.m, ["household"]), collection: 0, element: Self.m, backLink: 0, condition: nil, text: "count(household.members)"),
            CheckedAggregate(kind: .any, host: X.link(Self.m, ["household"]), collection: 0, element: Self.m, backLink: 0, condition: disability, text: "any(household.members where disability)"),
            CheckedAggregate(kind: .all, host: X.link(Self.a, ["deceased", "household"]), collection: 0, element: Self.m, backLink: 0, condition: X.not(disability), text: "all(deceased.household.members where not disability)"),
        ]
        let runner = CompiledRunner(aggregates: aggregates)
        let values = aggregates.map { CompiledAggregate($0, compiler: runner.compiler).values(EvalInput(tables: tables), hostCount: tables[$0.host.entity].count) }
        let input = EvalInput(tables: tables, aggregates: values)
        func at(_ i: Int, _ type: ValueType, row: Int) -> RefValue? { runner.value(X.make(.aggregate(i), type, aggregates[i].text), input, row: row) }
        #expect((0..<4).map { at(0, .integer, row: $0) } == [.int(1), .int(3), .int(3), .int(3)])
        #expect((0..<4).map { at(1, .boolean, row: $0) } == [.bool(false), .bool(true), .bool(true), .bool(true)])
        // Application 0 has no deceased: not assessed; application 1's deceased lives alone, without a disability.
        #expect(at(2, .boolean, row: 0) == .null)
        #expect(at(2, .boolean, row: 1) == .bool(true))
    }

    // MARK: Through the checker

    /// The schema of `World` as a schema file, so that expressions can be written as policy text.
    static let schemaYAML = """
        schema: test
        entities:
          household:
            file: households
            key: household_id
            collections:
              members: {entity: member, link: household}
            fields:
              household_id: {type: digits, length: 16}
              city_code: {type: string}
              desil: {type: integer, min: 1, max: 10, optional: true}
              kecamatan: {type: enum, values: [\(World.kecamatan.joined(separator: ", "))]}
              savings: {type: money, optional: true}
              dtks_period: {type: month, optional: true}
          member:
            file: members
            key: person_id
            age_from: birth_date
            links:
              household: {entity: household, via: household_id, required: true}
            fields:
              person_id: {type: digits, length: 16}
              household_id: {type: digits, length: 16}
              birth_date: {type: date}
              death_date: {type: date, optional: true}
              occupation: {type: enum, values: [\(World.occupations.joined(separator: ", "))]}
              disability: {type: boolean}
              bpjs: {type: boolean}
              wage: {type: money}
          application:
            file: applications
            file_required: false
            key: application_id
            links:
              deceased: {entity: member, via: deceased_id, required: false}
            fields:
              application_id: {type: string}
              deceased_id: {type: digits, length: 16, optional: true}
              submitted_on: {type: date}
              amount: {type: money, optional: true}
              city_code: {type: string, optional: true}
        """

    @Test func theSchemaFileIsTheSchemaOfTheTests() throws {
        let (schema, diagnostics) = SchemaLoader.load(SourceFile(path: "test.yaml", text: Self.schemaYAML))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let loaded = try #require(schema)
        #expect(loaded.entities == World.schema.entities)
    }

    /// The condition of the last rule of a policy whose earlier rules are `facts`.
    static func checked(_ condition: String, subject: String = "member", facts: [String] = ["present(household.desil)"]) -> TypedExpr? {
        let (policy, diagnostics) = check(condition, subject: subject, facts: facts)
        guard let policy, case .require(let e) = policy.rules.last?.kind else {
            Issue.record("`\(condition)`: \(diagnostics.map(\.message))")
            return nil
        }
        return e
    }

    static func check(_ condition: String, subject: String = "member", facts: [String] = ["present(household.desil)"]) -> (CheckedPolicy?, [Diagnostic]) {
        let rules = (facts + [condition]).enumerated().map { "  - id: r\($0.offset)\n    require: \($0.element)\n    reject: \"x\"" }
        let text = """
            policy: t
            title: t
            budget_year: 2025
            subject: \(subject)
            as_of: 2025-03-01
            rules:
            \(rules.joined(separator: "\n"))
            """
        let (syntax, parseDiagnostics) = PolicyParser.parse(SourceFile(path: "t.yaml", text: text))
        guard let syntax, let schema = SchemaLoader.load(SourceFile(path: "test.yaml", text: schemaYAML)).0 else {
            Issue.record("\(parseDiagnostics)")
            return (nil, parseDiagnostics)
        }
        return Checker.check(syntax, schema: schema, calendars: [("libur", World.calendars[0])])
    }

    /// Policy text as the checker types it, evaluated for member 0 (desil 3, wage 2.500.000, born 29 Feb 2000).
    @Test(arguments: [
        ("household.desil > 2.5", RefValue.bool(true)),
        ("household.desil >= 3.5", .bool(false)),
        ("(household.desil ?? 0.5) * 2 == 6", .bool(true)),
        ("min(wage, 0.5) == 0.5", .bool(true)),
        ("max(household.desil, 2.5) == 3", .bool(true)),
        ("round(wage * 0.015) == Rp37.500", .bool(true)),
        ("wage / 2 > Rp1.249.999", .bool(true)),
        ("0.1 + 0.2 == 0.3", .bool(true)),
        ("age_on(2025-02-28) == 24 and age_on(2025-03-01) == 25", .bool(true)),
        ("working_days_between(2025-03-27, 2025-04-08, libur) == 1", .bool(true)),
        ("occupation in [ojek, pekerja_69]", .bool(true)),
        ("occupation not in [nelayan, pekerja_64]", .bool(true)),
        ("household.city_code == \"3671\"", .bool(true)),
        ("present(household.desil) and household.desil <= 4", .bool(true)),
        ("(household.savings ?? Rp0) + wage == Rp3.500.000", .bool(true)),
        ("between(age_on(as_of), 18, 64)", .bool(true)),
        ("death_date == null", .bool(true)),
    ])
    func checkedExpressions(_ source: String, _ expected: RefValue) throws {
        let e = try #require(Self.checked(source))
        #expect(Self.eval(e) == expected, "\(source)")
        // And the reference interpreter agrees.
        #expect(ReferenceInterpreter(calendars: World.calendars).evaluate(e, Self.records().tables, row: 0) == expected, "\(source)")
    }

    /// Constants are folded at check time; a result the evaluator would reject on data — beyond
    /// ±9.223.372.036.854.775.807, exactly the null cell -2^63, or a date outside years 1–9999 —
    /// is an overflow diagnostic there too, never a silent null constant (or a crash).
    @Test(arguments: [
        "wage > -9223372036854775807 - 1",
        "wage > floor(-9223372036854775807, 2)",
        "wage > 9223372036854775807 + 1",
        "birth_date < 9999-12-31 + 1",
        "birth_date > 0001-01-01 - 1",
        "year(1970-01-01 + 9223372036854775000) > 0",
    ])
    func foldingReportsOverflow(_ condition: String) {
        let (policy, diagnostics) = Self.check(condition)
        #expect(policy == nil)
        #expect(diagnostics.contains { $0.code == "check.overflow" }, "\(diagnostics.map(\.message))")
    }

    @Test func foldingKeepsTheExtremes() throws {
        let e = try #require(Self.checked("wage > -9223372036854775806 - 1"))
        guard case .compare(_, _, let k) = e.kind, case .constant(let c) = k.kind else {
            Issue.record("not folded: \(e.text)")
            return
        }
        #expect(c == Int64.min + 1)
        #expect(Self.eval(e, Self.records(wage: Int64.min + 1)) == .bool(false))
        #expect(Self.eval(e, Self.records(wage: Int64.min + 2)) == .bool(true))
    }

    /// A value established by an earlier rule is unknown — not a failure — when that rule failed.
    @Test func laterRulesAreNotAssessedWhenAnEarlierOneFailed() throws {
        let e = try #require(Self.checked("household.desil <= 4", facts: ["present(household.desil)"]))
        #expect(Self.eval(e, Self.records(desil: nil)) == .null)
        #expect(Self.eval(e, Self.records(desil: 4)) == .bool(true))
    }

    // MARK: Helpers

    static func policy(subject: Int, rules: [CheckedRule], topLevel: [Int], benefit: TypedExpr? = nil) -> CheckedPolicy {
        CheckedPolicy(
            id: "test", title: "test", titleEn: nil, version: nil, budgetYear: 2025, asOf: World.asOf, valid: nil, path: "test.yaml",
            schema: World.schema, subject: subject, languages: [.id, .en], calendars: World.calendars, parameters: [], rules: rules,
            topLevel: topLevel, benefit: benefit, allocation: nil, aggregates: [], stringConstants: World.strings, files: [])
    }
}
