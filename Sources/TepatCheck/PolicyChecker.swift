import TepatModel
import TepatSyntax

/// Options that change what a check produces without editing files.
public struct CheckOptions: Sendable {
    /// Replaces the policy's `as_of` (`--as-of`): ages and date-effective parameters follow it.
    public var asOf: Day?
    /// `--set name=value`: parameter values as they would be written in YAML.
    public var parameterOverrides: [(name: String, value: String)]

    public init(asOf: Day? = nil, parameterOverrides: [(name: String, value: String)] = []) {
        self.asOf = asOf
        self.parameterOverrides = parameterOverrides
    }
}

/// Checks a policy against its schema (docs/policy-language.md §3–§7) and produces a
/// `CheckedPolicy`, reporting every problem it finds in one pass.
public enum Checker {
    /// - Parameter calendars: the policy's calendars by the names it declares them under.
    public static func check(
        _ syntax: PolicySyntax, schema: Schema, calendars: [(name: String, calendar: WorkCalendar)], options: CheckOptions = CheckOptions()
    ) -> (CheckedPolicy?, [Diagnostic]) {
        let checker = PolicyChecker(syntax: syntax, schema: schema, calendars: calendars, options: options)
        let policy = checker.run()
        return (checker.diagnostics.contains { $0.severity == .error } ? nil : policy, checker.diagnostics)
    }
}

/// The state of one check. A class so that the expression checking in extensions can report
/// and record as it goes; it never escapes `Checker.check`.
final class PolicyChecker {
    let syntax: PolicySyntax
    let schema: Schema
    let options: CheckOptions
    let calendarNames: [String]
    let calendars: [WorkCalendar]
    var diagnostics: [Diagnostic] = []

    var asOf = Day(ordinal: 0)
    var budgetYear: Int64 = 0
    /// Scalar and list parameters by dotted path (`iuran_bulanan.jkk`).
    var parameters: [String: TypedExpr] = [:]
    /// Map parameters by dotted path → their entry names.
    var mapParameters: [String: [String]] = [:]
    var listElementRanges: [String: [SourceRange]] = [:]
    var checkedParameters: [CheckedParameter] = []
    var usedParameters: Set<String> = []
    /// Parameters (dotted paths) whose value was reported as wrong: references to them are
    /// skipped silently rather than reported again as unknown names.
    var erroneousParameters: Set<String> = []
    /// Names an unknown-name error suggested ("did you mean `desil_maks`?"): such a parameter is
    /// not also reported as never used.
    var suggestedNames: Set<String> = []
    var reportedEnumElements: Set<SourceRange> = []
    var aggregates: [CheckedAggregate] = []
    var rules: [CheckedRule] = []
    var languages: [Language] = [.id]

    init(syntax: PolicySyntax, schema: Schema, calendars: [(name: String, calendar: WorkCalendar)], options: CheckOptions) {
        self.syntax = syntax
        self.schema = schema
        self.options = options
        self.calendarNames = calendars.map(\.name)
        self.calendars = calendars.map(\.calendar)
    }

    func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    func run() -> CheckedPolicy? {
        let start = SourceRange(path: syntax.source.path, start: .init(line: 1, column: 1), length: 1)
        // Identity.
        if let id = syntax.id {
            let ok = !id.value.isEmpty && id.value.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "_" }
            if !ok {
                report(.error("check.policy-id", "the program id `\(id.value)` may use lower-case letters, digits, `-` and `_` only", at: id.range))
            }
        }
        guard let subjectName = syntax.subject else { return nil }
        guard let subject = schema.entityIndex(named: subjectName.value) else {
            report(.error("check.subject", "unknown subject `\(subjectName.value)`", at: subjectName.range,
                help: Suggestion.closest(to: subjectName.value, in: schema.entities.map(\.name)).map { "did you mean `\($0)`?" }
                    ?? "the schema's entities are " + schema.entities.map { "`\($0.name)`" }.joined(separator: ", ")))
            return nil
        }
        asOf = options.asOf ?? syntax.asOf?.value ?? Day(ordinal: 0)
        budgetYear = syntax.budgetYear?.value ?? 0
        if let valid = syntax.valid, let asOfRange = syntax.asOf?.range, asOf < valid.from.value || asOf > valid.to.value {
            report(.error("check.as-of", "the reference date \(asOf.iso) is outside the validity period \(valid.from.value.iso) – \(valid.to.value.iso)", at: asOfRange))
        }
        // Languages.
        var declared: [Language] = []
        for language in syntax.languages {
            guard let l = Language(rawValue: language.value) else {
                report(.error("check.language", "unknown language `\(language.value)`", at: language.range, help: "use `id` (Bahasa Indonesia) or `en` (English)"))
                continue
            }
            declared.append(l)
        }
        if !syntax.languages.isEmpty, !declared.contains(.id), let first = syntax.languages.first {
            report(.error("check.language", "`languages` must include `id`: reasons are written in Bahasa Indonesia first", at: first.range))
        }
        languages = declared.isEmpty ? [.id] : declared

        checkParameters()
        let rootScope = Scope(root: subject, facts: [])
        var facts = Set<String>()
        var topLevel: [Int] = []
        var seenIds: [String: SourceRange] = [:]
        var conditionsByText: [String: String] = [:]
        for rule in syntax.rules {
            guard let index = checkRule(rule, parent: nil, scope: rootScope.adding(facts), seenIds: &seenIds, inheritedReject: nil, topLevel: true) else { continue }
            topLevel.append(index)
            let checked = rules[index]
            if case .require(let condition) = checked.kind {
                if case .constant(let c) = condition.kind {
                    report(c != 0
                        ? .warning("check.always-true", "rule `\(checked.id)` always passes, so it never rejects anyone", at: condition.range)
                        : .warning("check.always-false", "rule `\(checked.id)` always fails: every subject is rejected here and later rules are never decisive", at: condition.range))
                }
                if let earlier = conditionsByText[condition.text] {
                    report(.warning("check.never-decisive", "rule `\(checked.id)` can never be decisive: rule `\(earlier)` checks the same condition first", at: condition.range))
                } else {
                    conditionsByText[condition.text] = checked.id
                }
            }
            facts.formUnion(passFacts(index))
        }
        if syntax.rules.isEmpty, syntax.extends == nil, syntax.keys.contains(where: { $0.value == "rules" }) {
            report(.warning("check.no-rules", "the policy has no rules: every subject is eligible", at: start))
        }
        // Benefit and allocation see the facts of every rule: they apply to eligible subjects only.
        let eligibleScope = rootScope.adding(facts)
        var benefit: TypedExpr?
        if let expr = syntax.benefit, let typed = check(expr, eligibleScope) {
            switch typed.type {
            case .money, .integer: benefit = TypedExpr(typed.kind, .money, nullable: false, range: typed.range, text: typed.text)
            case .decimal:
                report(.typeMismatch("the benefit `\(typed.text)` is a fraction; round it to whole rupiah", at: typed.range, help: "write `round(\(typed.text))`, `floor(…)` or `ceil(…)`"))
            default:
                report(.typeMismatch("the benefit must be an amount of money, but `\(typed.text)` is \(typed.type)", at: typed.range))
            }
        }
        let allocation = syntax.allocation.flatMap { checkAllocation($0, eligibleScope, &seenIds) }
        for parameter in checkedParameters where !usedParameters.contains(parameter.name) && !suggestedNames.contains(parameter.name) {
            report(.warning("check.unused-parameter", "parameter `\(parameter.name)` is never used", at: parameter.range, help: "remove it, or use it in a rule"))
        }
        let strings = collectStrings()
        return CheckedPolicy(
            id: syntax.id?.value ?? "", title: syntax.title?.value ?? "", titleEn: syntax.titleEn?.value, version: syntax.version?.value,
            budgetYear: budgetYear, asOf: asOf, valid: syntax.valid.map { ($0.from.value, $0.to.value) }, path: syntax.source.path,
            schema: schema, subject: subject, languages: languages, calendars: calendars, parameters: checkedParameters, rules: rules,
            topLevel: topLevel, benefit: benefit, allocation: allocation, aggregates: aggregates, stringConstants: strings,
            files: [syntax.source.path])
    }

    /// What a rule passing proves present, for the rules after it.
    func passFacts(_ index: Int) -> Set<String> {
        switch rules[index].kind {
        case .require(let condition): return Facts.when(condition, is: true)
        case .all(let children): return children.reduce(into: Set<String>()) { $0.formUnion(passFacts($1)) }
        case .any(let children):
            guard let first = children.first else { return [] }
            return children.dropFirst().reduce(passFacts(first)) { $0.intersection(passFacts($1)) }
        }
    }

    // MARK: Parameters

    func checkParameters() {
        var seen: [String: SourceRange] = [:]
        var overrides: [String: String] = [:]
        for o in options.parameterOverrides { overrides[o.name] = o.value }
        for parameter in syntax.parameters {
            let name = parameter.name.value
            if let first = seen[name] {
                report(.error("check.duplicate-parameter", "parameter `\(name)` is declared twice", at: parameter.name.range, notes: [.init("first declared here", at: first)]))
                continue
            }
            seen[name] = parameter.name.range
            if ["as_of", "budget_year", "rank", "quota", "budget", "used"].contains(name) || schema.entities[schema.entityIndex(named: syntax.subject?.value ?? "") ?? 0].fieldIndex(named: name) != nil {
                report(.warning("check.shadowed-parameter", "parameter `\(name)` has the name of a field or built-in, which takes precedence", at: parameter.name.range))
            }
            var value = parameter.value
            var effectiveFrom: Day?
            if case .dated(let entries, let range) = value {
                let sorted = entries.sorted { $0.start.value < $1.start.value }
                for (a, b) in zip(sorted, sorted.dropFirst()) where a.start.value == b.start.value {
                    report(.error("check.parameter-period", "two values of `\(name)` start on \(b.start.value.iso)", at: b.start.range, notes: [.init("the other starts here", at: a.start.range)]))
                }
                // A gap: the policy applies from `valid.from`, but the first value starts later.
                if let valid = syntax.valid, let first = sorted.first, first.start.value > valid.from.value {
                    report(.error(
                        "check.parameter-gap", "`\(name)` has no value from \(valid.from.value.iso), when the policy's validity period starts, until \(first.start.value.iso)",
                        at: first.start.range, notes: [.init("the validity period starts here", at: valid.from.range)],
                        help: "start the first value on or before \(valid.from.value.iso)"))
                }
                if let valid = syntax.valid {
                    for entry in sorted where entry.start.value > valid.to.value {
                        report(.warning("check.parameter-period", "the value of `\(name)` from \(entry.start.value.iso) is never in force: the policy is valid until \(valid.to.value.iso)", at: entry.start.range))
                    }
                }
                guard let inForce = sorted.last(where: { $0.start.value <= asOf }) else {
                    report(.error("check.parameter-period", "`\(name)` has no value in force on \(asOf.iso)", at: range, help: "the first value starts on \(sorted.first?.start.value.iso ?? "?")"))
                    erroneousParameters.insert(name)
                    continue
                }
                value = inForce.value
                effectiveFrom = inForce.start.value
            }
            if let text = overrides[name] {
                let node = YAMLNode(kind: .scalar(text, .plain), range: parameter.name.range)
                var d: [Diagnostic] = []
                if let expr = ParameterLiteral.parse(node, source: syntax.source, diagnostics: &d) {
                    if case .list(let items) = expr.kind { value = .list(items, expr.range) } else { value = .scalar(expr) }
                }
                diagnostics.append(contentsOf: d)
                overrides[name] = nil
            }
            guard let typed = parameterValue(value, path: name, declared: parameter.declaredType) else {
                erroneousParameters.insert(name)
                continue
            }
            checkedParameters.append(CheckedParameter(name: name, value: typed, range: parameter.name.range, description: parameter.description, reference: parameter.reference, effectiveFrom: effectiveFrom))
        }
        // Overrides this policy does not declare are for other policies; the workspace reports
        // names that no policy declares.
    }

    /// Registers a parameter value under `path`; returns the typed value for scalars and lists.
    @discardableResult
    func parameterValue(_ value: ParameterValue, path: String, declared: Located<String>?) -> TypedExpr? {
        let scope = Scope(root: 0, facts: [])
        switch value {
        case .scalar(let expr):
            guard var typed = resolve(expr, scope, enumContext: nil) else { return nil }
            if let declared {
                let target: ValueType? =
                    switch declared.value {
                    case "integer": .integer
                    case "money": .money
                    case "decimal": .decimal
                    case "string": .string
                    case "date": .date
                    case "boolean": .boolean
                    default: nil
                    }
                guard let target else {
                    report(.error("check.parameter-type", "unknown parameter type `\(declared.value)`", at: declared.range, help: "use integer, money, decimal, string, date or boolean"))
                    return nil
                }
                if typed.type != target {
                    if case .text(let s) = typed.kind, target == .string { _ = s }
                    guard let converted = coerce(typed, to: target) else {
                        report(.typeMismatch("`\(path)` is declared \(target) but its value `\(typed.text)` is \(typed.type)", at: typed.range))
                        return nil
                    }
                    typed = converted
                }
            }
            typed.text = path
            parameters[path] = typed
            return typed
        case .list(let items, let range):
            var typed: [TypedExpr] = []
            for item in items {
                guard let t = resolve(item, scope, enumContext: nil) else { return nil }
                typed.append(t)
            }
            listElementRanges[path] = items.map(\.range)
            guard var list = constantList(typed, range: range, text: path) else { return nil }
            list.text = path
            parameters[path] = list
            return list
        case .map(let entries, let range):
            mapParameters[path] = entries.map(\.key.value)
            for entry in entries {
                let entryPath = "\(path).\(entry.key.value)"
                if parameterValue(entry.value, path: entryPath, declared: nil) == nil { erroneousParameters.insert(entryPath) }
            }
            return TypedExpr(.null, .null, nullable: true, range: range, text: path)
        case .dated(_, let range):
            report(.error("check.parameter-period", "date-effective values cannot be nested", at: range))
            return nil
        }
    }

    // MARK: Rules

    func checkRule(_ rule: RuleSyntax, parent: Int?, scope: Scope, seenIds: inout [String: SourceRange], inheritedReject: CheckedTemplate?, topLevel: Bool) -> Int? {
        guard let id = rule.id else { return nil }
        if let first = seenIds[id.value] {
            report(.error("check.duplicate-rule", "duplicate rule id `\(id.value)`", at: id.range, notes: [.init("first used here", at: first)], help: "rule ids must be unique in a policy"))
        } else {
            seenIds[id.value] = id.range
        }
        let index = rules.count
        let placeholder = CheckedRule(id: id.value, title: rule.title?.value, reference: rule.reference?.value, kind: .all([]), parent: parent, reject: nil, accept: nil, range: id.range, reads: [])
        rules.append(placeholder)
        let reject = rule.reject.flatMap { template($0, scope, owner: "rule `\(id.value)`") } ?? inheritedReject
        let accept = rule.accept.flatMap { template($0, scope, owner: "rule `\(id.value)`") }
        var kind: CheckedRule.Kind = .all([])
        var reads: [FieldPath] = []
        switch rule.body {
        case .require(let expr):
            if let condition = condition(expr, scope, what: "the condition of rule `\(id.value)`") {
                kind = .require(condition)
                reads = condition.fieldsRead
            }
        case .all(let children), .any(let children):
            var indices: [Int] = []
            var inner = scope
            let isAll = if case .all = rule.body { true } else { false }
            if children.isEmpty {
                report(.error("check.empty-group", "the group `\(id.value)` has no rules", at: id.range))
            }
            for child in children {
                guard let c = checkRule(child, parent: index, scope: inner, seenIds: &seenIds, inheritedReject: isAll ? reject : nil, topLevel: false) else { continue }
                indices.append(c)
                if isAll { inner = inner.adding(passFacts(c)) }
            }
            kind = isAll ? .all(indices) : .any(indices)
        case .invalid:
            break
        }
        if topLevel, reject == nil {
            report(.error("check.missing-reason", "rule `\(id.value)` needs a `reject:` reason text", at: id.range, help: "e.g. `reject: \"Desil {household.desil} melebihi batas desil {desil_maks}\"`"))
        }
        rules[index].kind = kind
        rules[index].reject = reject
        rules[index].accept = accept
        rules[index].reads = reads
        return index
    }


    // MARK: Templates

    func template(_ syntax: LocalizedTemplate, _ scope: Scope, owner: String) -> CheckedTemplate? {
        var texts: [Language: [CheckedTemplate.Segment]] = [:]
        for (language, template) in syntax.texts {
            guard let l = Language(rawValue: language.value) else { continue }
            if texts[l] != nil {
                report(.error("check.duplicate-language", "the reason text of \(owner) has two `\(l.rawValue)` texts", at: language.range))
            }
            var segments: [CheckedTemplate.Segment] = []
            for segment in template.segments {
                switch segment {
                case .text(let s): segments.append(.text(s))
                case .value(let expr):
                    guard let typed = resolve(expr, scope, enumContext: nil) else { continue }
                    if case .record = typed.type {
                        report(.typeMismatch("`\(typed.text)` is a record; name one of its fields", at: typed.range))
                        continue
                    }
                    segments.append(.value(typed))
                }
            }
            texts[l] = segments
        }
        for language in languages where texts[language] == nil {
            let name = language == .en ? "English (`en`)" : "Indonesian (`id`)"
            report(.error("check.missing-translation", "the reason text of \(owner) has no \(name) version, but the policy declares `\(language.rawValue)` in `languages`", at: syntax.range,
                help: "write `{id: \"…\", \(language.rawValue): \"…\"}`"))
        }
        return CheckedTemplate(texts: texts, range: syntax.range)
    }

    // MARK: Allocation

    func checkAllocation(_ syntax: AllocationSyntax, _ scope: Scope, _ seenIds: inout [String: SourceRange]) -> CheckedAllocation? {
        var order: [CheckedAllocation.OrderKey] = []
        for key in syntax.order {
            guard let typed = resolve(key.expr, scope, enumContext: nil) else { continue }
            switch typed.type {
            case .list, .record, .null:
                report(.typeMismatch("an order key must be a single value, but `\(typed.text)` is \(typed.type)", at: typed.range))
            default:
                order.append(.init(expr: typed, descending: key.descending))
            }
        }
        func id(_ located: Located<String>?) -> String? {
            guard let located else { return nil }
            if let first = seenIds[located.value] {
                report(.error("check.duplicate-rule", "duplicate rule id `\(located.value)`", at: located.range, notes: [.init("first used here", at: first)]))
            }
            seenIds[located.value] = located.range
            return located.value
        }
        func constantCount(_ expr: Expr?, what: String, money: Bool) -> Int64? {
            guard let expr, let typed = check(expr, scope) else { return nil }
            guard case .constant(let c) = typed.kind, money ? (typed.type == .money || typed.type == .integer) : typed.type == .integer else {
                report(.typeMismatch("\(what) must be a constant \(money ? "amount" : "whole number"), but `\(typed.text)` is \(typed.isConstant ? typed.type.description : "computed from the data")", at: typed.range))
                return nil
            }
            guard c >= 0 else {
                report(.typeMismatch("\(what) cannot be negative", at: typed.range))
                return nil
            }
            return c
        }
        var allocationScope = scope
        allocationScope.allocationValues = true
        var limits: [CheckedAllocation.Limit] = []
        for limit in syntax.limits {
            guard let limitId = id(limit.id), let perExpr = limit.per, let per = resolve(perExpr, scope, enumContext: nil) else { continue }
            let max = limit.max == nil ? 1 : constantCount(limit.max, what: "the `max` of limit `\(limitId)`", money: false)
            guard let max else { continue }
            let reject = limit.reject.flatMap { template($0, allocationScope, owner: "limit `\(limitId)`") }
            if reject == nil { report(.error("check.missing-reason", "limit `\(limitId)` needs a `reject:` reason text", at: limit.range)) }
            limits.append(.init(id: limitId, per: per, max: max, reject: reject, range: limit.range))
        }
        func cap(_ syntax: CapSyntax?, money: Bool) -> CheckedAllocation.Cap? {
            guard let syntax, let capId = id(syntax.id), let max = constantCount(syntax.max, what: "the `max` of `\(capId)`", money: money) else { return nil }
            let waitlist = syntax.waitlist.flatMap { template($0, allocationScope, owner: "`\(capId)`") }
            return .init(id: capId, max: max, waitlist: waitlist, range: syntax.range)
        }
        let quota = cap(syntax.quota, money: false)
        let budget = cap(syntax.budget, money: true)
        if syntax.budget != nil, self.syntax.benefit == nil {
            report(.warning("check.budget-without-benefit", "a budget with no `benefit:` caps nothing (every amount is 0)", at: syntax.budget?.range))
        }
        return CheckedAllocation(order: order, limits: limits, quota: quota, budget: budget)
    }

    // MARK: Strings

    /// Every string constant in expressions, for seeding string pools.
    func collectStrings() -> [String] {
        var set = Set<String>()
        func walk(_ e: TypedExpr) {
            switch e.kind {
            case .text(let s): set.insert(s)
            case .textList(let items): set.formUnion(items)
            case .isPresent(let x), .not(let x), .negate(let x): walk(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .membership(let a, let b, _), .arithmetic(_, let a, let b), .coalesce(let a, let b):
                walk(a)
                walk(b)
            case .call(_, let args): args.forEach(walk)
            default: break
            }
        }
        for rule in rules { if case .require(let c) = rule.kind { walk(c) } }
        for a in aggregates { if let c = a.condition { walk(c) } }
        return set.sorted()
    }
}
