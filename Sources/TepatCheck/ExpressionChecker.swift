import TepatModel
import TepatSyntax

/// Resolves and types expressions (docs/policy-language.md §6). Part of `PolicyChecker`; each
/// method returns nil after reporting a diagnostic, so one bad name does not cascade.
extension PolicyChecker {
    func check(_ expr: Expr, _ scope: Scope, allowNull: Bool = false) -> TypedExpr? {
        guard let typed = resolve(expr, scope, enumContext: nil) else { return nil }
        if !allowNull, typed.nullable {
            report(.mayBeNull(typed.text, at: typed.range))
            return nil
        }
        return typed
    }

    /// A boolean condition.
    func condition(_ expr: Expr, _ scope: Scope, what: String) -> TypedExpr? {
        guard let typed = check(expr, scope) else { return nil }
        guard typed.type == .boolean else {
            report(.typeMismatch("\(what) must be a condition (true or false), but `\(typed.text)` is \(typed.type)", at: typed.range, help: "compare it, e.g. `\(typed.text) > 0`"))
            return nil
        }
        return typed
    }

    private func nonNull(_ e: TypedExpr?) -> TypedExpr? {
        guard let e else { return nil }
        if e.nullable {
            report(.mayBeNull(e.text, at: e.range))
            return nil
        }
        return e
    }

    func resolve(_ expr: Expr, _ scope: Scope, enumContext: EnumDomain?) -> TypedExpr? {
        let text = expr.text
        switch expr.kind {
        case .integer(let v): return TypedExpr(.constant(v), .integer, nullable: false, range: expr.range, text: text)
        case .money(let v): return TypedExpr(.constant(v), .money, nullable: false, range: expr.range, text: text)
        case .decimal(let r): return TypedExpr(.rational(r), .decimal, nullable: false, range: expr.range, text: text)
        case .string(let s):
            if let enumContext {
                guard let index = enumContext.values.firstIndex(of: s) else {
                    report(.notInEnum(s, domain: enumContext.values, field: enumContext.name, at: expr.range))
                    return nil
                }
                return TypedExpr(.constant(Int64(index)), .enumeration(enumContext), nullable: false, range: expr.range, text: s)
            }
            return TypedExpr(.text(s), .string, nullable: false, range: expr.range, text: text)
        case .date(let d): return TypedExpr(.constant(Int64(d.ordinal)), .date, nullable: false, range: expr.range, text: text)
        case .boolean(let b): return TypedExpr(.constant(b ? 1 : 0), .boolean, nullable: false, range: expr.range, text: text)
        case .null: return TypedExpr(.null, .null, nullable: true, range: expr.range, text: text)
        case .list(let items): return list(items, expr.range, scope, enumContext: enumContext)
        case .name(let parts): return name(parts, expr.range, scope, enumContext: enumContext)
        case .unary(.not, let x):
            guard let operand = nonNull(resolve(x, scope, enumContext: nil)) else { return nil }
            guard operand.type == .boolean else {
                report(.typeMismatch("`not` needs a condition, but `\(operand.text)` is \(operand.type)", at: operand.range))
                return nil
            }
            return fold(TypedExpr(.not(operand), .boolean, nullable: false, range: expr.range, text: text))
        case .unary(.negate, let x):
            guard let operand = nonNull(resolve(x, scope, enumContext: nil)) else { return nil }
            guard operand.type.isNumeric else {
                report(.typeMismatch("`-` needs a number, but `\(operand.text)` is \(operand.type)", at: operand.range))
                return nil
            }
            return fold(TypedExpr(.negate(operand), operand.type, nullable: false, range: expr.range, text: text))
        case .binary(let op, let l, let r): return binary(op, l, r, expr, scope)
        case .call(let function, let args): return call(function, args, expr, scope)
        case .aggregate(let kind, let collection, let condition): return aggregate(kind, collection, condition, expr, scope)
        }
    }

    // MARK: Names

    func name(_ parts: [NamePart], _ range: SourceRange, _ scope: Scope, enumContext: EnumDomain?) -> TypedExpr? {
        let first = parts[0]
        let rootEntity = schema.entities[scope.root]
        let text = parts.map(\.name).joined(separator: ".")
        // A field or link of the root record.
        if rootEntity.fieldIndex(named: first.name) != nil || rootEntity.linkIndex(named: first.name) != nil
            || rootEntity.collectionIndex(named: first.name) != nil
        {
            return path(parts, range, scope)
        }
        if parts.count == 1, scope.allocationValues, let value = AllocationValue(rawValue: first.name) {
            let type: ValueType = value == .budget || value == .used ? .money : .integer
            return TypedExpr(.allocationValue(value), type, nullable: false, range: range, text: text)
        }
        // A parameter whose value was already reported as wrong: one error is enough.
        if erroneousParameters.contains(first.name) || erroneousParameters.contains(text) {
            usedParameters.insert(first.name)
            return nil
        }
        if parameters[first.name] != nil || mapParameters[first.name] != nil {
            usedParameters.insert(first.name)
            if let value = parameters[text] {
                var result = value
                result.range = range
                result.text = text
                if let enumContext, case .textList(let items) = value.kind {
                    return enumList(items, enumContext, range, text: text, elementRanges: listElementRanges[text])
                }
                if let enumContext, case .text(let s) = value.kind {
                    guard let index = enumContext.values.firstIndex(of: s) else {
                        report(.notInEnum(s, domain: enumContext.values, field: enumContext.name, at: value.range))
                        return nil
                    }
                    return TypedExpr(.constant(Int64(index)), .enumeration(enumContext), nullable: false, range: range, text: text)
                }
                return result
            }
            if let keys = mapParameters[text] {
                report(.typeMismatch("`\(text)` is a map of values; name one entry, e.g. `\(text).\(keys.sorted().first ?? "…")`", at: range))
                return nil
            }
            var k = parts.count - 1
            while k > 0 {
                let owner = parts[0..<k].map(\.name).joined(separator: ".")
                if let keys = mapParameters[owner] {
                    report(.unknownName(parts[k].name, at: parts[k].range, candidates: keys, on: owner))
                    return nil
                }
                if parameters[owner] != nil {
                    report(.typeMismatch("parameter `\(owner)` is a single value; it has no entry `\(parts[k].name)`", at: parts[k].range))
                    return nil
                }
                k -= 1
            }
            return nil
        }
        if parts.count == 1 {
            switch first.name {
            case "as_of": return TypedExpr(.constant(Int64(asOf.ordinal)), .date, nullable: false, range: range, text: text)
            case "budget_year": return TypedExpr(.constant(budgetYear), .integer, nullable: false, range: range, text: text)
            default: break
            }
            if let enumContext, let index = enumContext.values.firstIndex(of: first.name) {
                return TypedExpr(.constant(Int64(index)), .enumeration(enumContext), nullable: false, range: range, text: text)
            }
        }
        var candidates = rootEntity.fields.map(\.name) + rootEntity.links.map(\.name) + Array(parameters.keys) + ["as_of", "budget_year"]
        if let enumContext { candidates += enumContext.values }
        if scope.allocationValues { candidates += ["rank", "quota", "budget", "used"] }
        // A subject field named without its link (`desil` for a member) gets a pointed hint.
        for link in rootEntity.links where schema.entities[link.target].fieldIndex(named: first.name) != nil {
            report(.error("check.unknown-name", "unknown name `\(first.name)`", at: first.range, help: "did you mean `\(link.name).\(first.name)`?"))
            return nil
        }
        if let enumContext, Suggestion.closest(to: first.name, in: enumContext.values) != nil {
            report(.notInEnum(first.name, domain: enumContext.values, field: enumContext.name, at: first.range))
            return nil
        }
        if let suggestion = Suggestion.closest(to: first.name, in: candidates) {
            suggestedNames.insert(String(suggestion.prefix { $0 != "." }))
        }
        report(.unknownName(first.name, at: first.range, candidates: candidates))
        return nil
    }

    /// `household.desil`, `deceased.household.city_code`, `deceased`, `household.members`.
    func path(_ parts: [NamePart], _ range: SourceRange, _ scope: Scope) -> TypedExpr? {
        var entity = scope.root
        var steps: [LinkPath.Step] = []
        var nullable = false
        var prefix: [String] = []
        for (i, part) in parts.enumerated() {
            let current = schema.entities[entity]
            let isLast = i == parts.count - 1
            if let f = current.fieldIndex(named: part.name) {
                guard isLast else {
                    report(.typeMismatch("`\(part.name)` is a value (\(current.fields[f].type)); it has no field `\(parts[i + 1].name)`", at: parts[i + 1].range))
                    return nil
                }
                prefix.append(part.name)
                let text = prefix.joined(separator: ".")
                let links = LinkPath(root: scope.root, steps: steps, entity: entity, text: prefix.dropLast().joined(separator: "."))
                let field = current.fields[f]
                if field.optional && !scope.facts.contains(text) { nullable = true }
                let fieldPath = FieldPath(links: links, field: f, text: text)
                return TypedExpr(.field(fieldPath), ValueType(field.type, name: text), nullable: nullable, range: range, text: text)
            }
            if let l = current.linkIndex(named: part.name) {
                let link = current.links[l]
                prefix.append(part.name)
                steps.append(.init(entity: entity, link: l, required: link.required))
                if !link.required && !scope.facts.contains(prefix.joined(separator: ".")) { nullable = true }
                entity = link.target
                if isLast {
                    let text = prefix.joined(separator: ".")
                    return TypedExpr(
                        .linkPresent(LinkPath(root: scope.root, steps: steps, entity: entity, text: text)),
                        .record(entity: entity, name: text), nullable: nullable, range: range, text: text)
                }
                continue
            }
            if current.collectionIndex(named: part.name) != nil {
                report(.typeMismatch("`\(part.name)` is a collection of records; use it in `count(…)`, `any(…)` or `all(…)`", at: part.range, help: "e.g. `count(\((prefix + [part.name]).joined(separator: ".")) where …)`"))
                return nil
            }
            let candidates = current.fields.map(\.name) + current.links.map(\.name)
            report(.unknownName(part.name, at: part.range, candidates: candidates, on: prefix.isEmpty ? current.name : prefix.joined(separator: ".")))
            return nil
        }
        return nil
    }

    // MARK: Lists

    func list(_ items: [Expr], _ range: SourceRange, _ scope: Scope, enumContext: EnumDomain?) -> TypedExpr? {
        let text = "[" + items.map(\.text).joined(separator: ", ") + "]"
        if let enumContext {
            var cells: [Cell] = []
            var ok = true
            for item in items {
                let name: String?
                switch item.kind {
                case .string(let s): name = s
                case .name(let parts) where parts.count == 1: name = parts[0].name
                default: name = nil
                }
                guard let name else {
                    report(.typeMismatch("a list compared with `\(enumContext.name)` holds its codes, found `\(item.text)`", at: item.range))
                    ok = false
                    continue
                }
                guard let index = enumContext.values.firstIndex(of: name) else {
                    report(.notInEnum(name, domain: enumContext.values, field: enumContext.name, at: item.range))
                    ok = false
                    continue
                }
                cells.append(Int64(index))
            }
            return ok ? TypedExpr(.list(cells), .list(.enumeration(enumContext)), nullable: false, range: range, text: text) : nil
        }
        var typed: [TypedExpr] = []
        for item in items {
            guard let t = nonNull(resolve(item, scope, enumContext: nil)) else { return nil }
            guard t.isConstant else {
                report(.typeMismatch("list elements must be constants; `\(t.text)` depends on the data", at: t.range, help: "compare it separately and join with `or`"))
                return nil
            }
            typed.append(t)
        }
        return constantList(typed, range: range, text: text)
    }

    /// A list of typed constants, unified to one element type.
    func constantList(_ typed: [TypedExpr], range: SourceRange, text: String) -> TypedExpr? {
        guard let first = typed.first else { return TypedExpr(.list([]), .list(.integer), nullable: false, range: range, text: text) }
        var element = first.type
        for t in typed.dropFirst() {
            guard let unified = unify(element, t.type) else {
                report(.typeMismatch("a list holds values of one type; `\(t.text)` is \(t.type), not \(element)", at: t.range))
                return nil
            }
            element = unified
        }
        if element == .string {
            return TypedExpr(.textList(typed.compactMap { if case .text(let s) = $0.kind { s } else { nil } }), .list(.string), nullable: false, range: range, text: text)
        }
        var cells: [Cell] = []
        for t in typed {
            guard case .constant(let c) = t.kind else {
                report(.typeMismatch("a list of \(element) values cannot hold `\(t.text)`", at: t.range))
                return nil
            }
            cells.append(c)
        }
        return TypedExpr(.list(cells), .list(element), nullable: false, range: range, text: text)
    }

    func enumList(_ items: [String], _ domain: EnumDomain, _ range: SourceRange, text: String, elementRanges: [SourceRange]?) -> TypedExpr? {
        var cells: [Cell] = []
        var ok = true
        for (i, item) in items.enumerated() {
            guard let index = domain.values.firstIndex(of: item) else {
                let at = elementRanges.flatMap { i < $0.count ? $0[i] : nil } ?? range
                if !reportedEnumElements.contains(at) {
                    reportedEnumElements.insert(at)
                    report(.notInEnum(item, domain: domain.values, field: domain.name, at: at))
                }
                ok = false
                continue
            }
            cells.append(Int64(index))
        }
        return ok ? TypedExpr(.list(cells), .list(.enumeration(domain)), nullable: false, range: range, text: text) : nil
    }

    /// The common type two operands are compared or combined at; nil when they do not mix.
    func unify(_ a: ValueType, _ b: ValueType) -> ValueType? {
        if a == b { return a }
        switch (a, b) {
        case (.integer, .money), (.money, .integer): return .money
        case (.decimal, .integer), (.integer, .decimal), (.decimal, .money), (.money, .decimal): return .decimal
        default: return nil
        }
    }

    /// Converts a constant to `type` where the language allows it (text to digits or enum, integer to money or decimal).
    func coerce(_ e: TypedExpr, to type: ValueType) -> TypedExpr? {
        if e.type == type { return e }
        var out = e
        out.type = type
        switch (e.kind, type) {
        case (_, .money) where e.type == .integer: return out
        case (.constant(let c), .decimal) where e.type == .integer || e.type == .money:
            out.kind = .rational(Rational(c))
            return out
        case (_, .decimal) where e.type == .integer || e.type == .money:
            return out  // the compiler widens at run time
        case (.text(let s), .digits(let n)):
            guard s.count == n, s.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(s) else {
                report(.typeMismatch("`\"\(s)\"` is not a \(n)-digit number, so it never equals a digits(\(n)) value", at: e.range))
                return nil
            }
            out.kind = .constant(v)
            return out
        case (.text(let s), .enumeration(let d)):
            guard let index = d.values.firstIndex(of: s) else {
                report(.notInEnum(s, domain: d.values, field: d.name, at: e.range))
                return nil
            }
            out.kind = .constant(Int64(index))
            return out
        case (.textList(let items), .list(.enumeration(let d))):
            return enumList(items, d, e.range, text: e.text, elementRanges: listElementRanges[e.text])
        case (.textList(let items), .list(.digits(let n))):
            var cells: [Cell] = []
            for s in items {
                guard s.count == n, let v = Int64(s) else {
                    report(.typeMismatch("`\"\(s)\"` is not a \(n)-digit number", at: e.range))
                    return nil
                }
                cells.append(v)
            }
            out.kind = .list(cells)
            return out
        case (.list, .list(let element)):
            if case .list(let from) = e.type, unify(from, element) == element { return out }
            return nil
        default:
            return nil
        }
    }
}
