import TepatModel

/// Reads a policy file into a `PolicySyntax`, reporting every shape problem it finds
/// (unknown keys, wrong kinds of value, bad dates, expression syntax) in one pass.
public enum PolicyParser {
    static let topKeys = [
        "policy", "title", "title_en", "version", "budget_year", "valid", "subject", "as_of", "schema", "calendars",
        "languages", "reference", "parameters", "rules", "benefit", "allocation", "extends", "remove", "description",
    ]
    static let ruleKeys = ["id", "title", "reference", "require", "all", "any", "reject", "accept", "insert_before", "insert_after", "description"]

    public static func parse(_ source: SourceFile) -> (PolicySyntax?, [Diagnostic]) {
        let (root, yamlDiagnostics) = YAMLLoader.load(source)
        var diagnostics = yamlDiagnostics
        guard let root else { return (nil, diagnostics) }
        guard let map = MappingReader(root, context: "the policy", allowed: topKeys, diagnostics: &diagnostics) else {
            return (nil, diagnostics)
        }
        var policy = PolicySyntax(source: source, range: root.range)
        policy.keys = map.entries.map(\.key)
        if let n = map["policy"] { policy.id = ScalarRead.string(n, "`policy`", &diagnostics) }
        if let n = map["title"] { policy.title = ScalarRead.string(n, "`title`", &diagnostics) }
        if let n = map["title_en"] { policy.titleEn = ScalarRead.string(n, "`title_en`", &diagnostics) }
        if let n = map["version"] { policy.version = ScalarRead.string(n, "`version`", &diagnostics) }
        if let n = map["reference"] { policy.reference = ScalarRead.string(n, "`reference`", &diagnostics) }
        if let n = map["budget_year"] { policy.budgetYear = ScalarRead.integer(n, "`budget_year`", &diagnostics) }
        if let n = map["subject"] { policy.subject = ScalarRead.string(n, "`subject`", &diagnostics) }
        if let n = map["as_of"] { policy.asOf = ScalarRead.date(n, "`as_of`", &diagnostics) }
        if let n = map["schema"] { policy.schema = ScalarRead.string(n, "`schema`", &diagnostics) }
        if let n = map["extends"] { policy.extends = ScalarRead.string(n, "`extends`", &diagnostics) }
        if let n = map["remove"] { policy.remove = ScalarRead.strings(n, "`remove`", &diagnostics) }
        if let n = map["languages"] { policy.languages = ScalarRead.strings(n, "`languages`", &diagnostics) }
        if let n = map["valid"], let valid = MappingReader(n, context: "`valid`", allowed: ["from", "to"], diagnostics: &diagnostics) {
            let from = valid["from"].flatMap { ScalarRead.date($0, "`valid.from`", &diagnostics) }
            let to = valid["to"].flatMap { ScalarRead.date($0, "`valid.to`", &diagnostics) }
            if !valid.has("from") { valid.missing("from", &diagnostics) }
            if !valid.has("to") { valid.missing("to", &diagnostics) }
            if let from, let to {
                policy.valid = ValidityPeriod(from: from, to: to)
                if to.value < from.value {
                    diagnostics.append(.error("syntax.period", "the validity period ends (\(to.value.iso)) before it starts (\(from.value.iso))", at: to.range))
                }
            }
        }
        if let n = map["calendars"] {
            if let pairs = n.mapping {
                for (key, value) in pairs {
                    guard let name = ScalarRead.string(key, "a calendar name", &diagnostics),
                        let path = ScalarRead.string(value, "a calendar path", &diagnostics)
                    else { continue }
                    policy.calendars.append(CalendarReference(name: name, path: path))
                }
            } else {
                diagnostics.append(.error("syntax.shape", "expected a mapping of calendar names to files for `calendars`", at: n.range, help: "e.g. `calendars: {libur: ../../calendars/indonesia-2025.yaml}`"))
            }
        }
        if let n = map["parameters"] {
            if let pairs = n.mapping {
                for (key, value) in pairs {
                    guard let name = ScalarRead.string(key, "a parameter name", &diagnostics) else { continue }
                    if name.value.hasPrefix(YAMLLoader.duplicateMarker) { continue }
                    if let parameter = parameter(name, value, source, &diagnostics) { policy.parameters.append(parameter) }
                }
            } else {
                diagnostics.append(.error("syntax.shape", "expected a mapping of parameter names to values for `parameters`", at: n.range))
            }
        }
        if let n = map["rules"] {
            policy.rules = rules(n, source, topLevel: true, &diagnostics)
        } else if policy.extends == nil {
            map.missing("rules", &diagnostics)
        }
        if let n = map["benefit"] { policy.benefit = expression(n, source, &diagnostics) }
        if let n = map["allocation"] { policy.allocation = allocation(n, source, partial: policy.extends != nil, &diagnostics) }
        if policy.extends == nil {
            for key in ["policy", "title", "budget_year", "subject", "as_of"] where !map.has(key) {
                map.missing(key, &diagnostics)
            }
        }
        return (policy, diagnostics)
    }

    // MARK: Parts

    static func expression(_ node: YAMLNode, _ source: SourceFile, _ diagnostics: inout [Diagnostic]) -> Expr? {
        guard node.scalar != nil else {
            diagnostics.append(.error("syntax.shape", "expected an expression, found \(node.kindName)", at: node.range, help: "write the expression on one line, quoted if it contains `:` or `#`"))
            return nil
        }
        if node.isNull, node.style == .plain, (node.scalar ?? "").isEmpty {
            diagnostics.append(.error("syntax.expression", "expected an expression here", at: node.range))
            return nil
        }
        switch ExpressionParser.parse(node, source: source) {
        case .success(let expr): return expr
        case .failure(let set):
            diagnostics.append(contentsOf: set.items)
            return nil
        }
    }

    /// A parameter value: a declaration mapping (`value`/`values` + metadata), a map, a list or a scalar.
    static func parameter(_ name: Located<String>, _ node: YAMLNode, _ source: SourceFile, _ diagnostics: inout [Diagnostic]) -> ParameterSyntax? {
        if let pairs = node.mapping, pairs.contains(where: { $0.key.scalar == "value" || $0.key.scalar == "values" }) {
            guard let map = MappingReader(node, context: "parameter `\(name.value)`", allowed: ["value", "values", "type", "description", "reference", "unit"], diagnostics: &diagnostics)
            else { return nil }
            var value: ParameterValue?
            if map.has("value") && map.has("values") {
                diagnostics.append(.error("syntax.parameter", "parameter `\(name.value)` has both `value` and `values`", at: map.keyRange("values") ?? node.range, help: "use `value` for one value or `values` for date-effective values"))
            }
            if let v = map["value"] {
                value = parameterValue(v, source, &diagnostics)
            } else if let v = map["values"] {
                guard let dated = v.mapping else {
                    diagnostics.append(.error("syntax.shape", "expected a mapping of start dates to values for `values`", at: v.range, help: "e.g. `values: {2025-01-01: 4, 2026-01-01: 5}`"))
                    return nil
                }
                var entries: [(start: Located<Day>, value: ParameterValue)] = []
                for (key, value) in dated {
                    guard let start = ScalarRead.date(key, "a start date in `values`", &diagnostics),
                        let parsed = parameterValue(value, source, &diagnostics)
                    else { continue }
                    entries.append((start, parsed))
                }
                value = .dated(entries, v.range)
            }
            guard let value else { return nil }
            return ParameterSyntax(
                name: name, value: value, declaredType: map["type"].flatMap { ScalarRead.string($0, "`type`", &diagnostics) },
                description: map["description"]?.scalar, reference: map["reference"]?.scalar, unit: map["unit"]?.scalar)
        }
        guard let value = parameterValue(node, source, &diagnostics) else { return nil }
        return ParameterSyntax(name: name, value: value, declaredType: nil)
    }

    static func parameterValue(_ node: YAMLNode, _ source: SourceFile, _ diagnostics: inout [Diagnostic]) -> ParameterValue? {
        switch node.kind {
        case .scalar:
            return scalarLiteral(node, source, &diagnostics).map { .scalar($0) }
        case .sequence(let items):
            var exprs: [Expr] = []
            for item in items {
                guard item.scalar != nil else {
                    diagnostics.append(.error("syntax.shape", "a list parameter holds plain values, found \(item.kindName)", at: item.range))
                    continue
                }
                if let e = scalarLiteral(item, source, &diagnostics) { exprs.append(e) }
            }
            return .list(exprs, node.range)
        case .mapping(let pairs):
            var entries: [(key: Located<String>, value: ParameterValue)] = []
            for (key, value) in pairs {
                guard let k = ScalarRead.string(key, "a key", &diagnostics) else { continue }
                if k.value.hasPrefix(YAMLLoader.duplicateMarker) { continue }
                if let v = parameterValue(value, source, &diagnostics) { entries.append((k, v)) }
            }
            return .map(entries, node.range)
        }
    }

    /// A scalar parameter value: quoted text is a string; plain text is a literal when it reads
    /// as one (`4`, `Rp10.000`, `0.01`, `2025-03-01`, `true`, `null`), else a string (`ojek`,
    /// `Iuran Rp10.000 per bulan`).
    static func scalarLiteral(_ node: YAMLNode, _ source: SourceFile, _ diagnostics: inout [Diagnostic]) -> Expr? {
        let text = node.scalar ?? ""
        if node.style != .plain { return Expr(.string(text), node.range) }
        if text.isEmpty || text == "~" { return Expr(.null, node.range) }
        if text == "true" || text == "false" || text == "null" || isLiteralAttempt(text) {
            switch ExpressionParser.parse(node, source: source) {
            case .success(let expr):
                switch expr.kind {
                case .integer, .money, .decimal, .date, .boolean, .null: return expr
                default: break
                }
            case .failure(let set):
                // A malformed literal (a date that does not exist, misplaced dots in an amount, a
                // number too large) is an error; a literal followed by other text is a string.
                if case .invalid = Lexer(text).tokens().first(where: { $0.kind != .symbol("-") })?.kind {
                    diagnostics.append(contentsOf: set.items)
                    return nil
                }
            }
        }
        return Expr(.string(text), node.range)
    }

    /// Whether plain text is meant as one number, amount or date: no spaces, and it starts with a
    /// digit, `Rp` and a digit, or either after a `-`.
    static func isLiteralAttempt(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" { rest = rest.dropFirst() }
        if rest.hasPrefix("Rp") { rest = rest.dropFirst(2) }
        guard let first = rest.unicodeScalars.first, first >= "0", first <= "9" else { return false }
        return !text.unicodeScalars.contains { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    }

    static func rules(_ node: YAMLNode, _ source: SourceFile, topLevel: Bool, _ diagnostics: inout [Diagnostic]) -> [RuleSyntax] {
        guard let items = node.sequence else {
            diagnostics.append(.error("syntax.shape", "expected a list of rules, found \(node.kindName)", at: node.range, help: "each rule starts with `- id: …`"))
            return []
        }
        return items.compactMap { rule($0, source, &diagnostics) }
    }

    static func rule(_ node: YAMLNode, _ source: SourceFile, _ diagnostics: inout [Diagnostic]) -> RuleSyntax? {
        guard let map = MappingReader(node, context: "a rule", allowed: ruleKeys, diagnostics: &diagnostics) else { return nil }
        var body: RuleSyntax.Body = .invalid
        let kinds = ["require", "all", "any"].filter { map.has($0) }
        if kinds.count > 1 {
            diagnostics.append(.error("syntax.rule", "a rule has one of `require`, `all` or `any`, not several", at: map.keyRange(kinds[1]) ?? node.range, help: "put the conditions in an `all:` group"))
        }
        if let n = map["require"] {
            if let e = expression(n, source, &diagnostics) { body = .require(e) }
        } else if let n = map["all"] {
            body = .all(rules(n, source, topLevel: false, &diagnostics))
        } else if let n = map["any"] {
            body = .any(rules(n, source, topLevel: false, &diagnostics))
        } else if !map.has("insert_before") || true {
            diagnostics.append(.error("syntax.missing-key", "a rule needs `require`, `all` or `any`", at: map.keyRange("id") ?? node.range, help: "e.g. `require: household.desil <= desil_maks`"))
        }
        let id = map["id"].flatMap { ScalarRead.string($0, "a rule id", &diagnostics) }
        if id == nil, !map.has("id") { map.missing("id", &diagnostics) }
        return RuleSyntax(
            id: id,
            title: map["title"].flatMap { ScalarRead.string($0, "`title`", &diagnostics) },
            reference: map["reference"].flatMap { ScalarRead.string($0, "`reference`", &diagnostics) },
            body: body,
            reject: map["reject"].flatMap { localized($0, source, &diagnostics) },
            accept: map["accept"].flatMap { localized($0, source, &diagnostics) },
            insertBefore: map["insert_before"].flatMap { ScalarRead.string($0, "`insert_before`", &diagnostics) },
            insertAfter: map["insert_after"].flatMap { ScalarRead.string($0, "`insert_after`", &diagnostics) },
            range: map.keyRange("id") ?? node.range)
    }

    static func localized(_ node: YAMLNode, _ source: SourceFile, _ diagnostics: inout [Diagnostic]) -> LocalizedTemplate? {
        if node.scalar != nil {
            let (template, d) = Template.parse(node, source: source)
            diagnostics.append(contentsOf: d)
            return LocalizedTemplate(texts: [(Located("id", node.range), template)], range: node.range)
        }
        guard let pairs = node.mapping else {
            diagnostics.append(.error("syntax.shape", "expected a reason text, or a mapping of languages to texts", at: node.range))
            return nil
        }
        var texts: [(language: Located<String>, template: Template)] = []
        for (key, value) in pairs {
            guard let language = ScalarRead.string(key, "a language", &diagnostics) else { continue }
            if language.value.hasPrefix(YAMLLoader.duplicateMarker) { continue }
            guard Language(rawValue: language.value) != nil else {
                diagnostics.append(.error("syntax.language", "unknown language `\(language.value)`", at: key.range, help: "use `id` (Bahasa Indonesia) or `en` (English)"))
                continue
            }
            guard value.scalar != nil else {
                diagnostics.append(.error("syntax.shape", "expected a reason text for `\(language.value)`", at: value.range))
                continue
            }
            let (template, d) = Template.parse(value, source: source)
            diagnostics.append(contentsOf: d)
            texts.append((language, template))
        }
        return LocalizedTemplate(texts: texts, range: node.range)
    }

    /// `partial`: in an extending policy a limit or cap may give only the fields it changes
    /// (the merge checks that the result is whole).
    static func allocation(_ node: YAMLNode, _ source: SourceFile, partial: Bool = false, _ diagnostics: inout [Diagnostic]) -> AllocationSyntax? {
        guard let map = MappingReader(node, context: "`allocation`", allowed: ["order", "limits", "quota", "budget"], diagnostics: &diagnostics)
        else { return nil }
        var allocation = AllocationSyntax(range: node.range)
        allocation.keys = map.entries.map(\.key.value)
        if let n = map["order"] {
            let items = n.sequence ?? [n]
            for item in items {
                guard let text = item.scalar else {
                    diagnostics.append(.error("syntax.shape", "an order key is an expression followed by `asc` or `desc`", at: item.range))
                    continue
                }
                var exprText = text.trimmingSpaces
                var descending = false
                if exprText.hasSuffix(" desc") {
                    descending = true
                    exprText = String(exprText.dropLast(5))
                } else if exprText.hasSuffix(" asc") {
                    exprText = String(exprText.dropLast(4))
                }
                let locator = ScalarLocator(node: item, source: source)
                switch ExpressionParser.parse(text: exprText, locator: locator) {
                case .success(let e): allocation.order.append(OrderKeySyntax(expr: e, descending: descending, range: item.range))
                case .failure(let set): diagnostics.append(contentsOf: set.items)
                }
            }
        }
        if let n = map["limits"] {
            for item in n.sequence ?? [] {
                guard let limit = MappingReader(item, context: "a limit", allowed: ["id", "per", "max", "reject"], diagnostics: &diagnostics) else { continue }
                if !limit.has("id") { limit.missing("id", &diagnostics) }
                if !partial, !limit.has("per") { limit.missing("per", &diagnostics, help: "e.g. `per: household_id` for one per household") }
                allocation.limits.append(
                    LimitSyntax(
                        id: limit["id"].flatMap { ScalarRead.string($0, "a limit id", &diagnostics) },
                        per: limit["per"].flatMap { expression($0, source, &diagnostics) },
                        max: limit["max"].flatMap { expression($0, source, &diagnostics) },
                        reject: limit["reject"].flatMap { localized($0, source, &diagnostics) },
                        range: limit.keyRange("id") ?? item.range))
            }
            if n.sequence == nil { diagnostics.append(.error("syntax.shape", "expected a list of limits", at: n.range)) }
        }
        for key in ["quota", "budget"] {
            guard let n = map[key], let cap = MappingReader(n, context: "`\(key)`", allowed: ["id", "max", "waitlist"], diagnostics: &diagnostics)
            else { continue }
            if !partial, !cap.has("id") { cap.missing("id", &diagnostics) }
            if !partial, !cap.has("max") { cap.missing("max", &diagnostics) }
            let parsed = CapSyntax(
                id: cap["id"].flatMap { ScalarRead.string($0, "an id", &diagnostics) },
                max: cap["max"].flatMap { expression($0, source, &diagnostics) },
                waitlist: cap["waitlist"].flatMap { localized($0, source, &diagnostics) },
                range: cap.keyRange("id") ?? n.range)
            if key == "quota" { allocation.quota = parsed } else { allocation.budget = parsed }
        }
        return allocation
    }
}

/// Reads a parameter value written as YAML text (`4`, `Rp10.000`, `ojek`), as `--set name=value` does.
public enum ParameterLiteral {
    public static func parse(_ node: YAMLNode, source: SourceFile, diagnostics: inout [Diagnostic]) -> Expr? {
        if let text = node.scalar, text.hasPrefix("["), text.hasSuffix("]") {
            // A list: parse it as an expression list literal.
            switch ExpressionParser.parse(node, source: SourceFile(path: node.range.path, text: text)) {
            case .success(let e):
                // As in a YAML list, plain words are strings (`[ojek, nelayan]`), not names.
                guard case .list(let items) = e.kind else { return e }
                return Expr(.list(items.map { item in
                    if case .name(let parts) = item.kind, parts.count == 1 { return Expr(.string(parts[0].name), item.range) }
                    return item
                }), e.range)
            case .failure(let set):
                diagnostics.append(contentsOf: set.items)
                return nil
            }
        }
        return PolicyParser.scalarLiteral(node, SourceFile(path: node.range.path, text: node.scalar ?? ""), &diagnostics)
    }
}
