import Testing
import TepatModel
import TepatSyntax

/// YAML as Tepat reads it (docs/policy-language.md, introduction): no implicit typing, positions
/// kept, duplicate keys and extra documents reported.
@Suite struct YAMLLoaderTests {
    static func load(_ text: String, path: String = "t.yaml") -> (YAMLNode?, [Diagnostic]) {
        YAMLLoader.load(SourceFile(path: path, text: text))
    }

    static func value(of key: String, in root: YAMLNode?) -> YAMLNode? {
        root?.mapping?.first { $0.key.scalar == key }?.value
    }

    /// A minimal valid policy around `parameters`, for reading parameter values.
    static func policy(parameters: String) -> String {
        """
        policy: p
        title: T
        budget_year: 2025
        subject: member
        as_of: 2025-03-01
        parameters:
        \(parameters)
        rules:
          - id: r
            require: true
            reject: "x"
        """
    }

    static func parameter(_ name: String, in policy: PolicySyntax?) -> ParameterValue? {
        policy?.parameters.first { $0.name.value == name }?.value
    }

    // MARK: No implicit typing

    @Test(arguments: ["no", "on", "off", "yes", "No", "Yes", "ON", "OFF", "y", "n"])
    func yamlOneOneBooleansStayText(_ word: String) throws {
        let (root, diagnostics) = Self.load("answer: \(word)\n")
        #expect(diagnostics.isEmpty)
        let node = try #require(Self.value(of: "answer", in: root))
        #expect(node.scalar == word)
        #expect(node.style == .plain)
        #expect(!node.isNull)
    }

    @Test(arguments: ["no", "on", "off", "yes"])
    func yamlOneOneBooleansAreStringParameters(_ word: String) throws {
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: Self.policy(parameters: "  jawaban: \(word)")))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let value = try #require(Self.parameter("jawaban", in: policy))
        guard case .scalar(let expr) = value, case .string(let text) = expr.kind else {
            Issue.record("`\(word)` should be a string parameter, got \(value)")
            return
        }
        #expect(text == word)
    }

    @Test func quotedNumberIsAStringAndPlainNumberAnInteger() throws {
        let text = Self.policy(parameters: "  quoted: \"4\"\n  single: '4'\n  plain: 4\n  kode_kota: \"3671\"")
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: text))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        for name in ["quoted", "single"] {
            guard case .scalar(let e) = try #require(Self.parameter(name, in: policy)), case .string("4") = e.kind else {
                Issue.record("`\(name)` should be the string \"4\"")
                continue
            }
        }
        guard case .scalar(let e) = try #require(Self.parameter("plain", in: policy)), case .integer(4) = e.kind else {
            Issue.record("`plain` should be the integer 4")
            return
        }
        guard case .scalar(let k) = try #require(Self.parameter("kode_kota", in: policy)), case .string("3671") = k.kind else {
            Issue.record("`kode_kota` should be the string \"3671\"")
            return
        }
    }

    @Test func scalarStylesAreKept() throws {
        let (root, diagnostics) = Self.load("a: 4\nb: \"4\"\nc: '4'\nd: |\n  x\ne: >\n  y\n")
        #expect(diagnostics.isEmpty)
        #expect(Self.value(of: "a", in: root)?.style == .plain)
        #expect(Self.value(of: "b", in: root)?.style == .doubleQuoted)
        #expect(Self.value(of: "c", in: root)?.style == .singleQuoted)
        #expect(Self.value(of: "d", in: root)?.style == .literal)
        #expect(Self.value(of: "e", in: root)?.style == .folded)
        #expect(Self.value(of: "b", in: root)?.style?.isQuoted == true)
    }

    @Test(arguments: [("a: null\n", true), ("a: ~\n", true), ("a:\n", true), ("a: \"null\"\n", false), ("a: nul\n", false)])
    func nullIsOnlyPlainNull(_ text: String, _ isNull: Bool) throws {
        let (root, _) = Self.load(text)
        let node = try #require(Self.value(of: "a", in: root))
        #expect(node.isNull == isNull)
    }

    @Test func datesAndBooleansAreReadAsTheirText() throws {
        let text = Self.policy(parameters: "  mulai: 2025-01-01\n  aktif: true\n  tarif: 0.01\n  iuran: Rp10.000\n  pekerjaan: [ojek, nelayan]")
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: text))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        guard case .scalar(let mulai) = try #require(Self.parameter("mulai", in: policy)), case .date(let day) = mulai.kind else {
            Issue.record("`mulai` should be a date")
            return
        }
        #expect(day == Day(year: 2025, month: 1, day: 1))
        guard case .scalar(let aktif) = try #require(Self.parameter("aktif", in: policy)), case .boolean(true) = aktif.kind else {
            Issue.record("`aktif` should be true")
            return
        }
        guard case .scalar(let tarif) = try #require(Self.parameter("tarif", in: policy)), case .decimal(let r) = tarif.kind else {
            Issue.record("`tarif` should be a decimal")
            return
        }
        #expect(r == Rational(1, 100))
        guard case .scalar(let iuran) = try #require(Self.parameter("iuran", in: policy)), case .money(10_000) = iuran.kind else {
            Issue.record("`iuran` should be Rp10.000")
            return
        }
        guard case .list(let items, _) = try #require(Self.parameter("pekerjaan", in: policy)) else {
            Issue.record("`pekerjaan` should be a list")
            return
        }
        #expect(items.map(\.text) == ["\"ojek\"", "\"nelayan\""])
    }

    /// Plain text that does not read as one literal is a string parameter.
    @Test(arguments: ["ojek", "Kota Tangerang", "mulai 2025-01-01", "Perwal 100/2023", "3671 Kota Tangerang"])
    func plainTextIsAStringParameter(_ text: String) throws {
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: Self.policy(parameters: "  catatan: \(text)")))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        guard case .scalar(let e) = try #require(Self.parameter("catatan", in: policy)), case .string(let value) = e.kind else {
            Issue.record("`\(text)` should be a string parameter")
            return
        }
        #expect(value == text)
    }

    /// Text with an amount in it is a string: only a scalar that is one literal-looking token
    /// (`Rp10.000`, `4`, `2025-03-01`) is read as a literal.
    @Test(arguments: ["Iuran Rp10.000 per bulan", "Santunan Rp3.000.000", "Rp10.000 per bulan", "2025-03-01 s.d. 2025-12-31", "08:00", "Rp10.000,-"])
    func plainTextWithAnAmountIsAStringParameter(_ text: String) throws {
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: Self.policy(parameters: "  catatan: \(text)")))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        guard case .scalar(let e)? = Self.parameter("catatan", in: policy), case .string(let value) = e.kind else {
            Issue.record("`\(text)` should be a string parameter")
            return
        }
        #expect(value == text)
    }

    /// A malformed literal written alone is an error, not a string.
    @Test(arguments: [
        ("Rp3.00.000", "`Rp3.00.000` has misplaced dots: write thousands as `Rp3.000.000`"),
        ("-Rp3.00.000", "`Rp3.00.000` has misplaced dots: write thousands as `Rp3.000.000`"),
        ("Rp10,50", "rupiah amounts are whole numbers: write `Rp10` without the decimal part"),
        ("2025-02-30", "`2025-02-30` is not a date that exists"),
        ("99999999999999999999", "the number `99999999999999999999` is too large (at most 9223372036854775807)"),
        ("12abc", "`12abc` is not a number or a name"),
    ])
    func malformedLiteralParameterIsAnError(_ text: String, _ message: String) throws {
        let (_, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: Self.policy(parameters: "  catatan: \(text)")))
        #expect(diagnostics.map(\.message) == [message])
        #expect(diagnostics.first?.code == "syntax.expression")
    }

    /// Literals written alone, with or without a minus sign.
    @Test(arguments: [("4", "4"), ("-4", "-4"), ("-Rp5.000", "-Rp5.000"), ("0.5", "0.5"), ("2025-03-01", "2025-03-01"), ("false", "false"), ("null", "null"), ("~", "null")])
    func literalParameter(_ text: String, _ rendered: String) throws {
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: Self.policy(parameters: "  nilai: \(text)")))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        guard case .scalar(let e)? = Self.parameter("nilai", in: policy) else {
            Issue.record("`\(text)` should be a scalar parameter")
            return
        }
        if case .string = e.kind { Issue.record("`\(text)` should be a literal, not a string") }
        #expect(e.text == rendered)
    }

    // MARK: Positions

    @Test func nodesKeepLineAndColumn() throws {
        let (root, _) = Self.load("# comment\npolicy: p\nrules:\n  - id: desil\n    require: household.desil <= 4\n")
        let rules = try #require(Self.value(of: "rules", in: root)?.sequence)
        let rule = try #require(rules.first?.mapping)
        let require = try #require(rule.first { $0.key.scalar == "require" })
        #expect(require.key.range.start == SourcePosition(line: 5, column: 5))
        #expect(require.value.range.start == SourcePosition(line: 5, column: 14))
        #expect(require.value.range.end == SourcePosition(line: 5, column: 34))
        #expect(Self.value(of: "policy", in: root)?.range.start == SourcePosition(line: 2, column: 9))
    }

    // MARK: Duplicate keys

    @Test func duplicateKeyIsReportedAtTheSecondOccurrenceWithANoteAtTheFirst() throws {
        let (root, diagnostics) = Self.load("policy: p\ntitle: A\nbudget_year: 2025\ntitle: B\n")
        #expect(root != nil, "the rest of the file is still read")
        let duplicates = diagnostics.filter { $0.code == "yaml.duplicate-key" }
        try #require(duplicates.count == 1)
        let d = duplicates[0]
        #expect(d.severity == .error)
        #expect(d.message == "duplicate key `title`")
        #expect(d.range?.start == SourcePosition(line: 4, column: 1))
        #expect(d.range?.end == SourcePosition(line: 4, column: 6))
        #expect(d.notes.count == 1)
        #expect(d.notes.first?.message == "first defined here")
        #expect(d.notes.first?.range?.start == SourcePosition(line: 2, column: 1))
        // The first value is the one kept; the renamed copy is skipped by readers.
        let titles = root?.mapping?.filter { $0.key.scalar == "title" }.compactMap(\.value.scalar)
        #expect(titles == ["A"])
    }

    @Test func otherErrorsInTheSameFileAreStillReported() throws {
        let text = """
            policy: p
            title: T
            budget_year: 2025
            subject: member
            as_of: 2025-03-01
            parameters:
              desil_maks: 4
              desil_maks: 5
            rules:
              - id: desil
                require: household.desil <= desil_maks
                reject: "Desil"
                rejct: "typo"
              - id: umur
                require: age_on(as_of) >= 18
                require: age_on(as_of) >= 21
                reject: "Umur"
            languges: [id]
            """
        let (policy, diagnostics) = PolicyParser.parse(SourceFile(path: "p.yaml", text: text))
        #expect(policy != nil)
        let duplicates = diagnostics.filter { $0.code == "yaml.duplicate-key" }
        #expect(duplicates.map(\.message) == ["duplicate key `desil_maks`", "duplicate key `require`"])
        #expect(duplicates.map { $0.range?.start } == [SourcePosition(line: 8, column: 3), SourcePosition(line: 16, column: 5)])
        #expect(duplicates.map { $0.notes.first?.range?.start } == [SourcePosition(line: 7, column: 3), SourcePosition(line: 15, column: 5)])
        let unknown = diagnostics.filter { $0.code == "syntax.unknown-key" }
        #expect(unknown.map(\.message) == ["unknown key `languges` in the policy", "unknown key `rejct` in a rule"])
        #expect(unknown.map(\.help) == ["did you mean `languages`?", "did you mean `reject`?"])
        #expect(unknown.map { $0.range?.start } == [SourcePosition(line: 18, column: 1), SourcePosition(line: 13, column: 5)])
        // The first of each duplicate is kept.
        #expect(policy?.parameters.count == 1)
        #expect(policy?.rules.count == 2)
        #expect(diagnostics.count == 4, "\(diagnostics.map(\.message))")
    }

    @Test func duplicateKeyInAFlowMapping() throws {
        let (root, diagnostics) = Self.load("valid: {from: 2025-01-01, from: 2025-02-01}\n")
        #expect(root != nil)
        try #require(diagnostics.count == 1)
        #expect(diagnostics[0].code == "yaml.duplicate-key")
        #expect(diagnostics[0].range?.start == SourcePosition(line: 1, column: 27))
        #expect(diagnostics[0].notes.first?.range?.start == SourcePosition(line: 1, column: 9))
    }

    @Test func duplicateQuotedKey() throws {
        let (root, diagnostics) = Self.load("a: 1\n\"a\": 2\n")
        #expect(root != nil)
        try #require(diagnostics.count == 1)
        #expect(diagnostics[0].range?.start == SourcePosition(line: 2, column: 1))
        #expect(diagnostics[0].notes.first?.range?.start == SourcePosition(line: 1, column: 1))
    }

    @Test func duplicateKeyWhenASiblingMappingHasTheSameKey() throws {
        let text = """
            rules:
              - id: a
                require: x
              - id: b
                require: y
                require: z
            """
        let (root, diagnostics) = Self.load(text)
        #expect(root != nil)
        try #require(diagnostics.count == 1)
        #expect(diagnostics[0].range?.start == SourcePosition(line: 6, column: 5))
        #expect(diagnostics[0].notes.first?.range?.start == SourcePosition(line: 5, column: 5))
    }

    @Test func duplicateKeyInAFileWithWindowsLineEndings() throws {
        let (root, diagnostics) = Self.load("policy: p\r\ntitle: A\r\ntitle: B\r\nrules: []\r\n")
        #expect(root != nil, "the rest of the file is still read")
        #expect(diagnostics.count == 1, "\(diagnostics.map(\.message))")
        #expect(diagnostics.first?.range?.start == SourcePosition(line: 3, column: 1))
        #expect(diagnostics.first?.notes.first?.range?.start == SourcePosition(line: 2, column: 1))
    }

    /// A duplicate whose renaming leaves the text as it was (here the key already is the name the
    /// renaming would give it) is reported once, and loading stops instead of retrying.
    @Test func aDuplicateThatRenamingCannotRemoveIsReportedOnce() throws {
        let key = "\(YAMLLoader.duplicateMarker)3_1"
        let (root, diagnostics) = Self.load("a: 1\n\"\(key)\": 2\n\"\(key)\": 3\n")
        #expect(root == nil)
        #expect(diagnostics.map(\.code) == ["yaml.duplicate-key"], "\(diagnostics.map(\.message))")
        #expect(diagnostics.first?.range?.start == SourcePosition(line: 3, column: 1))
    }

    // MARK: Documents and syntax

    @Test func aFileWithSeveralDocumentsIsAnError() throws {
        let (_, diagnostics) = Self.load("policy: a\n---\npolicy: b\n")
        let d = try #require(diagnostics.first { $0.code == "yaml.documents" })
        #expect(d.severity == .error)
        #expect(d.message.contains("one YAML document"))
    }

    @Test func aLeadingDocumentMarkerAloneIsFine() {
        let (root, diagnostics) = Self.load("---\npolicy: a\n")
        #expect(root != nil)
        #expect(diagnostics.isEmpty)
    }

    @Test(arguments: ["", "# only a comment\n"])
    func anEmptyFileIsAnError(_ text: String) {
        let (root, diagnostics) = Self.load(text)
        #expect(root == nil)
        #expect(diagnostics.map(\.code) == ["yaml.empty"])
    }

    @Test func syntaxErrorsArePositioned() throws {
        let (root, diagnostics) = Self.load("policy: p\nlanguages: [id, en\nrules: []\n")
        #expect(root == nil)
        let d = try #require(diagnostics.first)
        #expect(d.code == "yaml.syntax")
        #expect(d.range?.start.line == 3)
        #expect(d.notes.first?.range?.start == SourcePosition(line: 2, column: 12), "the `[` that opened the list")
    }

    @Test func aTabInIndentationIsASyntaxError() throws {
        let (_, diagnostics) = Self.load("policy: p\nrules:\n\t- id: a\n")
        #expect(diagnostics.first?.code == "yaml.syntax")
        #expect(diagnostics.first?.range?.start.line == 3)
    }
}
