import Testing
import TepatModel
import TepatSyntax

/// The expression parser (docs/policy-language.md §6): precedence, associativity, literals,
/// error messages, and the file positions of every node.
@Suite struct ExpressionParserTests {
    // MARK: Helpers

    /// Parses `text` as the whole of a plain scalar on line 1, column 1 of a file `e.yaml`.
    static func parse(_ text: String) -> Result<Expr, DiagnosticSet> {
        let source = SourceFile(path: "e.yaml", text: text)
        let node = YAMLNode(
            kind: .scalar(text, .plain),
            range: SourceRange(path: "e.yaml", start: SourcePosition(line: 1, column: 1), length: text.unicodeScalars.count))
        return ExpressionParser.parse(node, source: source)
    }

    static func expr(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Expr {
        switch parse(text) {
        case .success(let e): return e
        case .failure(let set):
            Issue.record("`\(text)` should parse, got \(set.items.map(\.message))", sourceLocation: sourceLocation)
            throw set
        }
    }

    static func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Diagnostic {
        switch parse(text) {
        case .success(let e):
            Issue.record("`\(text)` should not parse, got \(shape(e))", sourceLocation: sourceLocation)
            throw DiagnosticSet()
        case .failure(let set):
            #expect(set.items.count == 1, sourceLocation: sourceLocation)
            return try #require(set.items.first, sourceLocation: sourceLocation)
        }
    }

    /// The tree, fully parenthesised in prefix form: `(or a (and b c))`. Unlike `Expr.text`,
    /// this shows the structure even where the normalised text would not need parentheses.
    static func shape(_ e: Expr) -> String {
        switch e.kind {
        case .integer(let v): return "\(v)"
        case .money(let v): return "money(\(v))"
        case .decimal(let r): return "decimal(\(r))"
        case .string(let s): return "string(\(s))"
        case .date(let d): return "date(\(d.iso))"
        case .boolean(let b): return "\(b)"
        case .null: return "null"
        case .list(let items): return "[" + items.map(shape).joined(separator: " ") + "]"
        case .name(let parts): return parts.map(\.name).joined(separator: ".")
        case .unary(.not, let x): return "(not \(shape(x)))"
        case .unary(.negate, let x): return "(neg \(shape(x)))"
        case .binary(let op, let l, let r): return "(\(op.rawValue) \(shape(l)) \(shape(r)))"
        case .call(let f, let args): return "\(f.name)(" + args.map(shape).joined(separator: ", ") + ")"
        case .aggregate(let kind, let collection, let condition):
            return "\(kind.rawValue)(\(shape(collection))" + (condition.map { " where \(shape($0))" } ?? "") + ")"
        }
    }

    // MARK: Precedence and associativity

    @Test(arguments: [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("(a or b) and c", "(and (or a b) c)"),
        ("not a and b", "(and (not a) b)"),
        ("not a or b", "(or (not a) b)"),
        ("not (a and b)", "(not (and a b))"),
        ("not not a", "(not (not a))"),
        ("not x == 1", "(not (== x 1))"),
        ("not x in [1, 2]", "(not (in x [1 2]))"),
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("-x * 2", "(* (neg x) 2)"),
        ("-(x * 2)", "(neg (* x 2))"),
        ("- x", "(neg x)"),
        ("--x", "(neg (neg x))"),
        ("-2 * 3", "(* -2 3)"),
        ("x ?? 0 <= 4", "(<= (?? x 0) 4)"),
        ("x ?? 0 + 1", "(?? x (+ 0 1))"),
        ("x ?? y ?? 0", "(?? (?? x y) 0)"),
        ("a in [x, y] and b", "(and (in a [x y]) b)"),
        ("a not in [x, y] and b", "(and (not in a [x y]) b)"),
        ("a + 1 in [x, y]", "(in (+ a 1) [x y])"),
        ("a == b and c != d", "(and (== a b) (!= c d))"),
        ("a < b or c >= d", "(or (< a b) (>= c d))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("1 - (2 - 3)", "(- 1 (- 2 3))"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("8 / 4 * 2", "(* (/ 8 4) 2)"),
        ("a or b or c", "(or (or a b) c)"),
        ("a and b and c", "(and (and a b) c)"),
        ("as_of - 30 > deceased.death_date", "(> (- as_of 30) deceased.death_date)"),
        ("(iuran_jkk + iuran_jkm) * bulan", "(* (+ iuran_jkk iuran_jkm) bulan)"),
        ("((a))", "a"),
    ])
    func precedenceAndAssociativity(_ text: String, _ expected: String) throws {
        #expect(Self.shape(try Self.expr(text)) == expected)
    }

    /// `Expr.text` is the normalised rendering used in explanations and to find rules that test
    /// the same condition: it must parse back to the same tree.
    @Test(arguments: [
        ("a or b and c", "a or b and c"),
        ("(a or b) and c", "(a or b) and c"),
        ("not a and b", "not a and b"),
        ("1 + 2 * 3", "1 + 2 * 3"),
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("-x * 2", "-x * 2"),
        ("x ?? 0 <= 4", "x ?? 0 <= 4"),
        ("a in [x, y] and b", "a in [x, y] and b"),
        ("a  not  in  [x,y]", "a not in [x, y]"),
        ("household.desil<=desil_maks", "household.desil <= desil_maks"),
        ("Rp3000000", "Rp3.000.000"),
        ("'3671'", "\"3671\""),
        ("0.010", "0.01"),
        ("age_on( as_of )", "age_on(as_of)"),
        ("count(household.members where age_on(as_of)>=18)", "count(household.members where age_on(as_of) >= 18)"),
    ])
    func normalisedText(_ text: String, _ expected: String) throws {
        let e = try Self.expr(text)
        #expect(e.text == expected)
        #expect(Self.shape(try Self.expr(e.text)) == Self.shape(e), "`\(e.text)` parses back to another tree")
    }

    /// Parentheses the tree needs must survive in `Expr.text`: `1 - (2 - 3)` is not `1 - 2 - 3`,
    /// and `not (a and b)` is not `not a and b`. (The checker uses the text to find a rule that
    /// repeats an earlier rule's condition, so a lost pair of parentheses also gives a false
    /// "can never be decisive" warning.)
    @Test(arguments: [
        "1 - (2 - 3)", "8 / (4 / 2)", "8 / (4 * 2)", "a - (b + c) > 0", "(a == b) == c",
        "not (a and b)", "not (a or b) and c", "-(a + b)",
        "a == (b == c)", "(a < b) == (c < d)", "a and (b and c)", "a or (b or c)", "x ?? (y ?? 0)",
        "(x ?? y) + 1", "-(a * b)", "-(not a)", "a == (not b)", "(not a) != b", "not (x == 1)",
        "not (x in [1, 2])", "[(a ?? 0), (b == c), (not d), -e]", "count((-a) where b)",
        "not not a", "--x", "-x * -y", "a - -2", "a and not b", "not a or not b",
    ])
    func normalisedTextKeepsNeededParentheses(_ text: String) throws {
        let e = try Self.expr(text)
        // `count((-a) …)` and `[(a ?? 0), …]` keep more parentheses than they need.
        if !text.hasPrefix("count(") && !text.hasPrefix("[") { #expect(e.text == text) }
        #expect(Self.shape(try Self.expr(e.text)) == Self.shape(e), "`\(e.text)` parses back to another tree")
    }

    /// `Expr.text` round-trips: for many generated trees, parsing the text gives the same tree
    /// back, and rendering that tree gives the same text.
    @Test(arguments: 0..<8)
    func normalisedTextRoundTrips(_ seed: Int) throws {
        var generator = TreeGenerator(seed: UInt64(seed))
        for _ in 0..<500 {
            let e = generator.expression(depth: 5)
            let text = e.text
            switch Self.parse(text) {
            case .success(let back):
                #expect(Self.shape(back) == Self.shape(e), "`\(text)` parses back to another tree")
                #expect(back.text == text)
            case .failure(let set):
                Issue.record("`\(text)` (from \(Self.shape(e))) does not parse: \(set.items.map(\.message))")
            }
        }
    }

    /// Random expression trees of the shapes the parser produces (a minus sign before a number
    /// literal is part of the literal, so `-` is never applied to one).
    struct TreeGenerator {
        var state: UInt64

        init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

        /// SplitMix64.
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }

        static let range = SourceRange(path: "e.yaml", start: SourcePosition(line: 1, column: 1), length: 1)
        static let names = ["a", "b", "household.desil", "as_of", "x"]

        mutating func leaf() -> Expr {
            let kind: Expr.Kind
            switch next(9) {
            case 0: kind = .integer(Int64(next(200)) - 100)
            case 1: kind = .money(Int64(next(5)) * 1_000)
            case 2:
                // Not a whole number: `2.0` would read back as the integer 2.
                var r = Rational(1)
                while r.denominator == 1 { r = Rational(Int64(next(41)) - 20, [2, 4, 5, 8, 10, 20, 100][next(7)])! }
                kind = .decimal(r)
            case 3: kind = .string(["3671", "", "Désa"][next(3)])
            case 4: kind = .date(Day(year: 2025, month: 1 + next(12), day: 1 + next(28))!)
            case 5: kind = .boolean(next(2) == 0)
            case 6: kind = .null
            default:
                let parts = Self.names[next(Self.names.count)].split(separator: ".").map { NamePart(String($0), Self.range) }
                kind = .name(parts)
            }
            return Expr(kind, Self.range)
        }

        mutating func expression(depth: Int) -> Expr {
            guard depth > 0, next(5) != 0 else { return leaf() }
            let kind: Expr.Kind
            switch next(12) {
            case 0: kind = .unary(.not, expression(depth: depth - 1))
            case 1:
                var operand = expression(depth: depth - 1)
                while case .integer = operand.kind { operand = expression(depth: depth - 1) }
                if case .money = operand.kind { operand = Expr(.name([NamePart("a", Self.range)]), Self.range) }
                if case .decimal = operand.kind { operand = Expr(.name([NamePart("b", Self.range)]), Self.range) }
                kind = .unary(.negate, operand)
            case 2: kind = .list((0..<next(3)).map { _ in expression(depth: depth - 1) })
            case 3: kind = .call(NamePart(["f", "round", "age_on"][next(3)], Self.range), (0..<next(3)).map { _ in expression(depth: depth - 1) })
            case 4:
                kind = .aggregate(
                    [.count, .any, .all][next(3)], collection: expression(depth: depth - 1),
                    condition: next(2) == 0 ? nil : expression(depth: depth - 1))
            default:
                let op = BinaryOperator.allCases[next(BinaryOperator.allCases.count)]
                kind = .binary(op, expression(depth: depth - 1), expression(depth: depth - 1))
            }
            return Expr(kind, Self.range)
        }
    }

    /// A decimal literal renders as written: `0.05`, not `1/20` (which would read as a division).
    @Test(arguments: ["0.5", "0.05", "0.25", "2.5"])
    func normalisedTextOfDecimals(_ text: String) throws {
        let e = try Self.expr(text)
        #expect(e.text == text)
    }

    // MARK: Literals

    @Test(arguments: [
        ("4", "4"),
        ("5952", "5952"),
        ("0", "0"),
        ("9223372036854775807", "9223372036854775807"),
        ("-4", "-4"),
        ("Rp3.000.000", "money(3000000)"),
        ("Rp3000000", "money(3000000)"),
        ("Rp10.000", "money(10000)"),
        ("Rp6.800", "money(6800)"),
        ("Rp999.936.000", "money(999936000)"),
        ("Rp0", "money(0)"),
        ("-Rp5.000", "money(-5000)"),
        ("0.01", "decimal(1/100)"),
        ("12.5", "decimal(25/2)"),
        ("-0.5", "decimal(-1/2)"),
        ("\"3671\"", "string(3671)"),
        ("'3671'", "string(3671)"),
        ("\"it's\"", "string(it's)"),
        ("'say \"hi\"'", "string(say \"hi\")"),
        ("\"\"", "string()"),
        ("\"a\\\"b\"", "string(a\"b)"),
        ("\"Désa — Kampung\"", "string(Désa — Kampung)"),
        ("2025-03-01", "date(2025-03-01)"),
        ("2024-02-29", "date(2024-02-29)"),
        ("2000-02-29", "date(2000-02-29)"),
        ("2025-12-31", "date(2025-12-31)"),
        ("true", "true"),
        ("false", "false"),
        ("null", "null"),
        ("[ojek, nelayan]", "[ojek nelayan]"),
        ("[\"a\", 'b']", "[string(a) string(b)]"),
        ("[1, 2]", "[1 2]"),
        ("[]", "[]"),
        ("[2025-01-01, 2025-06-01]", "[date(2025-01-01) date(2025-06-01)]"),
        ("[Rp1.000, Rp2.000]", "[money(1000) money(2000)]"),
    ])
    func literal(_ text: String, _ expected: String) throws {
        #expect(Self.shape(try Self.expr(text)) == expected)
    }

    @Test(arguments: [
        ("Rp3.00.000", "`Rp3.00.000` has misplaced dots: write thousands as `Rp3.000.000`"),
        ("Rp3000.000", "`Rp3000.000` has misplaced dots: write thousands as `Rp3.000.000`"),
        ("Rp3.0000", "`Rp3.0000` has misplaced dots: write thousands as `Rp3.000.000`"),
        ("Rp3.000.000.0000", "`Rp3.000.000.0000` has misplaced dots: write thousands as `Rp3.000.000`"),
        ("Rp3.000,50", "rupiah amounts are whole numbers: write `Rp3.000` without the decimal part"),
        ("Rp99.999.999.999.999.999.999", "the amount `Rp99.999.999.999.999.999.999` is too large"),
        ("9223372036854775808", "the number `9223372036854775808` is too large (at most 9223372036854775807)"),
        ("2025-02-29", "`2025-02-29` is not a date that exists"),
        ("2025-02-30", "`2025-02-30` is not a date that exists"),
        ("1900-02-29", "`1900-02-29` is not a date that exists"),
        ("2025-13-01", "`2025-13-01` is not a date that exists"),
        ("2025-04-31", "`2025-04-31` is not a date that exists"),
        ("2025-00-10", "`2025-00-10` is not a date that exists"),
        ("\"unterminated", "unterminated string"),
        ("'unterminated", "unterminated string"),
        ("12abc", "`12abc` is not a number or a name"),
    ])
    func badLiteral(_ text: String, _ message: String) throws {
        let d = try Self.error(text)
        #expect(d.message == message)
        #expect(d.code == "syntax.expression")
        #expect(d.severity == .error)
    }

    @Test func badLiteralIsUnderlinedWhole() throws {
        let d = try Self.error("submitted_on <= 2025-02-30")
        #expect(d.range?.start == SourcePosition(line: 1, column: 17))
        #expect(d.range?.end == SourcePosition(line: 1, column: 27))
        let m = try Self.error("benefit == Rp3.00.000")
        #expect(m.range?.start == SourcePosition(line: 1, column: 12))
        #expect(m.range?.end == SourcePosition(line: 1, column: 22))
    }

    /// A date needs its digits written together; with spaces it is arithmetic on integers.
    @Test func dateWithSpacesIsArithmetic() throws {
        #expect(Self.shape(try Self.expr("2025 - 03 - 01")) == "(- (- 2025 3) 1)")
    }

    // MARK: Names, calls, aggregates

    @Test(arguments: [
        ("desil", "desil", 1),
        ("household.desil", "household.desil", 2),
        ("deceased.household.city_code", "deceased.household.city_code", 3),
        ("iuran_bulanan.jkk", "iuran_bulanan.jkk", 2),
        ("household . desil", "household.desil", 2),
        ("_x1", "_x1", 1),
    ])
    func dottedName(_ text: String, _ expected: String, _ parts: Int) throws {
        let e = try Self.expr(text)
        guard case .name(let names) = e.kind else {
            Issue.record("`\(text)` should be a name, got \(Self.shape(e))")
            return
        }
        #expect(names.count == parts)
        #expect(e.text == expected)
    }

    @Test(arguments: [
        ("present(household.desil)", "present(household.desil)"),
        ("age_on(as_of)", "age_on(as_of)"),
        ("age_on(birth_date, as_of)", "age_on(birth_date, as_of)"),
        ("working_days_between(deceased.death_date, submitted_on, libur) <= 40", "(<= working_days_between(deceased.death_date, submitted_on, libur) 40)"),
        ("round(iuran * 0.5, 100)", "round((* iuran decimal(1/2)), 100)"),
        ("f()", "f()"),
        ("min(a, b) + max(c, d)", "(+ min(a, b) max(c, d))"),
        ("between(age_on(as_of), 18, 64)", "between(age_on(as_of), 18, 64)"),
        ("count(household.members)", "count(household.members)"),
        ("count(household.members where age_on(as_of) >= 18) > 2", "(> count(household.members where (>= age_on(as_of) 18)) 2)"),
        ("any(household.members where occupation == ojek and not disability)", "any(household.members where (and (== occupation ojek) (not disability)))"),
        ("all(deceased.household.members where present(death_date))", "all(deceased.household.members where present(death_date))"),
        ("not present(x) or x > as_of", "(or (not present(x)) (> x as_of))"),
        ("x != null and x <= 4", "(and (!= x null) (<= x 4))"),
    ])
    func callsAndAggregates(_ text: String, _ expected: String) throws {
        #expect(Self.shape(try Self.expr(text)) == expected)
    }

    @Test func callAndAggregateKinds() throws {
        guard case .call(let f, let args) = try Self.expr("age_on(birth_date, as_of)").kind else {
            Issue.record("a call")
            return
        }
        #expect(f.name == "age_on")
        #expect(args.count == 2)
        guard case .aggregate(.count, let collection, let condition) = try Self.expr("count(household.members where x)").kind else {
            Issue.record("an aggregate")
            return
        }
        #expect(collection.text == "household.members")
        #expect(condition?.text == "x")
        guard case .binary(.notIn, _, let list) = try Self.expr("x not in [a]").kind, case .list(let items) = list.kind else {
            Issue.record("`not in` with a list")
            return
        }
        #expect(items.count == 1)
    }

    // MARK: Errors

    @Test(arguments: [
        ("(a and b", "unbalanced `(`: expected `)` before the end of the expression", 1, "add the missing `)`"),
        ("((a and b)", "unbalanced `(`: expected `)` before the end of the expression", 1, "add the missing `)`"),
        ("(a and b or", "expected an expression here", 12, nil),
        ("a and b)", "unbalanced `)`: no `(` opens it", 8, "remove it or add the missing `(`"),
        ("(a and b))", "unbalanced `)`: no `(` opens it", 10, "remove it or add the missing `(`"),
        (")", "unexpected `)`", 1, "unbalanced `)`: no `(` opens it"),
        ("age_on(as_of", "unbalanced `(`: `age_on(` is never closed", 7, "add the missing `)`"),
        ("1 < x < 3", "comparisons cannot be chained; use `between(x, lo, hi)` or join them with `and`", 7, nil),
        ("a == b == c", "comparisons cannot be chained; use `between(x, lo, hi)` or join them with `and`", 8, nil),
        ("a < b in [true]", "comparisons cannot be chained; use `between(x, lo, hi)` or join them with `and`", 7, nil),
        ("a = 1", "`=` is not an operator; use `==` to compare", 3, nil),
        ("(occupation = ojek)", "`=` is not an operator; use `==` to compare", 13, nil),
        ("f(a && b)", "use `and` instead of `&&`", 5, nil),
        ("[a = 1]", "`=` is not an operator; use `==` to compare", 4, nil),
        ("count(m where a = 1)", "`=` is not an operator; use `==` to compare", 17, nil),
        ("x in [1, 2] || y", "use `or` instead of `||`", 13, nil),
        ("a && b", "use `and` instead of `&&`", 3, nil),
        ("a & b", "use `and` instead of `&`", 3, nil),
        ("a || b", "use `or` instead of `||`", 3, nil),
        ("!a", "use `not` instead of `!`", 1, nil),
        ("a b", "unexpected `b` after a complete expression", 3, "join conditions with `and` or `or`"),
        ("a and", "expected an expression here", 6, nil),
        ("", "expected an expression here", 1, "write a condition such as `household.desil <= 4`"),
        ("household.", "expected a field name after `.`", 11, nil),
        ("household.1", "expected a field name after `.`", 11, nil),
        ("and a", "expected an expression, found the keyword `and`", 1, nil),
        ("x in where", "expected an expression, found the keyword `where`", 6, nil),
        ("[1, 2", "expected `,` or `]` in the list, found the end of the expression", 6, nil),
        ("[1 2]", "expected `,` or `]` in the list, found `2`", 4, nil),
        ("f(a b)", "expected `,` or `)` in the arguments of `f`, found `b`", 5, nil),
        ("count(household.members x)", "expected `where` or `)` in `count(…)`, found `x`", 25, nil),
        ("a @ b", "unexpected character `@`", 3, nil),
        ("a ? b", "unexpected character `?`", 3, nil),
    ] as [(String, String, Int, String?)])
    func errorMessage(_ text: String, _ message: String, _ column: Int, _ help: String?) throws {
        let d = try Self.error(text)
        #expect(d.message == message)
        #expect(d.range?.start == SourcePosition(line: 1, column: column))
        #expect(d.help == help)
        #expect(d.code == "syntax.expression")
    }

    // MARK: Ranges

    @Test func rangesOfNodesInAPlainScalar() throws {
        let e = try Self.expr("household.desil <= 4 and not present(x)")
        #expect(e.range.start == SourcePosition(line: 1, column: 1))
        #expect(e.range.end == SourcePosition(line: 1, column: 40))
        guard case .binary(.and, let left, let right) = e.kind, case .binary(.lessEqual, let name, let four) = left.kind,
            case .name(let parts) = name.kind
        else {
            Issue.record("unexpected tree \(Self.shape(e))")
            return
        }
        #expect(left.range.start.column == 1)
        #expect(left.range.end.column == 21)
        #expect(parts[0].range.start.column == 1)
        #expect(parts[0].range.end.column == 10)
        #expect(parts[1].range.start.column == 11)
        #expect(parts[1].range.end.column == 16)
        #expect(four.range.start.column == 20)
        #expect(right.range.start.column == 26)
        #expect(right.range.end.column == 40)
    }

    @Test func parenthesisedExpressionCoversItsParentheses() throws {
        let e = try Self.expr("(a or b) and c")
        guard case .binary(.and, let group, _) = e.kind else {
            Issue.record("unexpected tree \(Self.shape(e))")
            return
        }
        #expect(group.range.start.column == 1)
        #expect(group.range.end.column == 9)
    }

    /// A policy document in which the name `desl` is at line 10, column 24.
    static let policy = """
        policy: p
        title: T
        budget_year: 2025
        subject: member
        as_of: 2025-03-01
        parameters:
          desil_maks: 4
        rules:
          - id: desil
            require: household.desl <= 4
            reject: "Desil {household.desl} melebihi {desil_maks}"
          - id: umur
            require: >-
              present(household.desil)
              and age_on(as_of) >= 18
            reject: 'Umur ''{age_on(as_of)}'' — {household.desl}'
        """

    static func rules(of text: String) throws -> [RuleSyntax] {
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: text))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        return try #require(policy?.rules)
    }

    static func condition(_ rule: RuleSyntax) throws -> Expr {
        guard case .require(let e) = rule.body else {
            Issue.record("rule `\(rule.id?.value ?? "")` has no condition")
            throw DiagnosticSet()
        }
        return e
    }

    static func templateValues(_ template: LocalizedTemplate?) -> [Expr] {
        template?.template(.id)?.segments.compactMap { if case .value(let e) = $0 { e } else { nil } } ?? []
    }

    @Test func rangeOfANameInsideARequireMapsToTheFile() throws {
        let rules = try Self.rules(of: Self.policy)
        let e = try Self.condition(rules[0])
        #expect(e.range == SourceRange(path: "p.yaml", start: .init(line: 10, column: 14), end: .init(line: 10, column: 33)))
        guard case .binary(.lessEqual, let name, _) = e.kind, case .name(let parts) = name.kind else {
            Issue.record("unexpected tree \(Self.shape(e))")
            return
        }
        #expect(parts[0].range == SourceRange(path: "p.yaml", start: .init(line: 10, column: 14), length: 9))
        #expect(parts[1].range == SourceRange(path: "p.yaml", start: .init(line: 10, column: 24), length: 4))
        #expect(rules[0].range.start == SourcePosition(line: 9, column: 5), "a rule is located at its `id` key")
        #expect(rules[0].id?.range.start == SourcePosition(line: 9, column: 9))
    }

    @Test func rangeOfANameInsideAReasonText() throws {
        let rules = try Self.rules(of: Self.policy)
        let values = Self.templateValues(rules[0].reject)
        try #require(values.count == 2)
        #expect(values[0].range == SourceRange(path: "p.yaml", start: .init(line: 11, column: 21), length: 14))
        #expect(values[1].range == SourceRange(path: "p.yaml", start: .init(line: 11, column: 47), length: 10))
    }

    @Test func rangeInsideAFoldedScalarFollowsItsLines() throws {
        let rules = try Self.rules(of: Self.policy)
        let e = try Self.condition(rules[1])
        guard case .binary(.and, let present, let age) = e.kind else {
            Issue.record("unexpected tree \(Self.shape(e))")
            return
        }
        #expect(present.range.start == SourcePosition(line: 14, column: 7))
        #expect(age.range.start == SourcePosition(line: 15, column: 11))
        #expect(age.range.end == SourcePosition(line: 15, column: 30))
    }

    @Test func rangeInsideASingleQuotedReasonTextWithEscapes() throws {
        let rules = try Self.rules(of: Self.policy)
        let values = Self.templateValues(rules[1].reject)
        try #require(values.count == 2)
        // `'Umur ''{age_on(as_of)}'' — {household.desl}'`: the `''` escapes are two characters in the file.
        #expect(values[0].range.start == SourcePosition(line: 16, column: 22))
        #expect(values[1].range.start == SourcePosition(line: 16, column: 42))
        #expect(values[1].range.end == SourcePosition(line: 16, column: 56))
    }

    @Test func rangeInADocumentWithWindowsLineEndings() throws {
        let text = Self.policy.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        let rules = try Self.rules(of: text)
        let e = try Self.condition(rules[0])
        guard case .binary(.lessEqual, let name, _) = e.kind, case .name(let parts) = name.kind else {
            Issue.record("unexpected tree \(Self.shape(e))")
            return
        }
        #expect(parts[1].range == SourceRange(path: "p.yaml", start: .init(line: 10, column: 24), length: 4))
    }

    /// A literal or folded block keeps the indentation of a line beyond the block's own (that of
    /// its first non-blank line): every line is matched from the block's indentation, not from its
    /// first non-blank character.
    @Test(arguments: ["|", ">", "|-", ">-"])
    func scalarLocatorInABlockWithMoreIndentedLines(_ indicator: String) throws {
        let text = "require: \(indicator)\n\n  a and\n    bb <= 4\n  and c\n"
        let source = SourceFile(path: "b.yaml", text: text)
        let (root, _) = YAMLLoader.load(source)
        let node = try #require(root?.mapping?.first?.value)
        let value = try #require(node.scalar)
        let locator = ScalarLocator(node: node, source: source)
        func start(of needle: String) throws -> SourcePosition {
            let offset = try #require(value.unicodeScalars.firstRange(of: needle.unicodeScalars)?.lowerBound)
            let index = value.unicodeScalars.distance(from: value.unicodeScalars.startIndex, to: offset)
            return locator.range(index, index + needle.unicodeScalars.count).start
        }
        #expect(try start(of: "a and") == SourcePosition(line: 3, column: 3))
        #expect(try start(of: "bb") == SourcePosition(line: 4, column: 5))
        #expect(try start(of: "<=") == SourcePosition(line: 4, column: 8))
        #expect(try start(of: "c") == SourcePosition(line: 5, column: 7))
    }

    @Test func scalarLocatorMapsOffsetsOfADoubleQuotedScalar() throws {
        let text = "require: \"a == \\\"x\\\" and bb\"\n"
        let (root, _) = YAMLLoader.load(SourceFile(path: "q.yaml", text: text))
        let node = try #require(root?.mapping?.first?.value)
        #expect(node.scalar == "a == \"x\" and bb")
        let locator = ScalarLocator(node: node, source: SourceFile(path: "q.yaml", text: text))
        // Value offsets: `a`=0, `x`=6, `bb`=13…14; file columns: `a`=11, `x`=18, `bb`=26.
        #expect(locator.range(0, 1).start.column == 11)
        #expect(locator.range(6, 7).start.column == 18)
        #expect(locator.range(13, 15) == SourceRange(path: "q.yaml", start: .init(line: 1, column: 26), length: 2))
    }
}
