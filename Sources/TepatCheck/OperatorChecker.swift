import TepatModel
import TepatSyntax

/// Binary operators, function calls and aggregates.
extension PolicyChecker {
    func binary(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ expr: Expr, _ scope: Scope) -> TypedExpr? {
        let text = expr.text
        switch op {
        case .and, .or:
            guard let left = condition(l, scope, what: "each side of `\(op.rawValue)`") else { return nil }
            // `A and B`: B is checked knowing A held; `A or B`: knowing A did not.
            let inner = scope.adding(Facts.when(left, is: op == .and))
            guard let right = condition(r, inner, what: "each side of `\(op.rawValue)`") else { return nil }
            return fold(TypedExpr(op == .and ? .and(left, right) : .or(left, right), .boolean, nullable: false, range: expr.range, text: text))
        case .coalesce:
            guard let left = resolve(l, scope, enumContext: nil) else { return nil }
            guard left.nullable else {
                report(.warning("check.never-null", "`\(left.text)` is never empty, so `?? …` has no effect", at: left.range))
                return left
            }
            let enumDomain: EnumDomain? = if case .enumeration(let d) = left.type { d } else { nil }
            guard let right = nonNullResolved(r, scope, enumContext: enumDomain) else { return nil }
            guard let type = unify(left.type, right.type), let a = coerce(left, to: type), let b = coerce(right, to: type) else {
                report(.typeMismatch("the default of `\(left.text)` must be \(left.type), but `\(right.text)` is \(right.type)", at: right.range))
                return nil
            }
            return TypedExpr(.coalesce(a, b), type, nullable: false, range: expr.range, text: text)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            return comparison(CompareOperator(rawValue: op.rawValue)!, l, r, expr, scope)
        case .in, .notIn:
            guard let left = nonNullResolved(l, scope, enumContext: nil) else { return nil }
            let enumDomain: EnumDomain? = if case .enumeration(let d) = left.type { d } else { nil }
            guard let right = nonNullResolved(r, scope, enumContext: enumDomain) else { return nil }
            guard case .list(let element) = right.type else {
                report(.typeMismatch("`\(op.rawValue)` needs a list on its right, but `\(right.text)` is \(right.type)", at: right.range, help: "use `==` to compare two values"))
                return nil
            }
            var lhs = left
            var list = right
            if case .digits = left.type, element == .string {
                guard let converted = coerce(right, to: .list(left.type)) else { return nil }
                list = converted
            } else if let unified = unify(left.type, element) {
                if unified != left.type { lhs = coerce(left, to: unified) ?? left }
                if unified != element, case .list(let cells) = right.kind, unified == .decimal || unified == .money {
                    list = TypedExpr(.list(cells), .list(unified), nullable: false, range: right.range, text: right.text)
                }
            } else if !(right.kind.isEmptyList) {
                report(.typeMismatch("`\(left.text)` is \(left.type) but the list `\(right.text)` holds \(element) values", at: right.range))
                return nil
            }
            return fold(TypedExpr(.membership(lhs, list, negated: op == .notIn), .boolean, nullable: false, range: expr.range, text: text))
        case .add, .subtract, .multiply, .divide:
            return arithmetic(op, l, r, expr, scope)
        }
    }

    private func nonNullResolved(_ e: Expr, _ scope: Scope, enumContext: EnumDomain?) -> TypedExpr? {
        guard let t = resolve(e, scope, enumContext: enumContext) else { return nil }
        if t.nullable {
            report(.mayBeNull(t.text, at: t.range))
            return nil
        }
        return t
    }

    func comparison(_ op: CompareOperator, _ l: Expr, _ r: Expr, _ expr: Expr, _ scope: Scope) -> TypedExpr? {
        let text = expr.text
        // `x == null` / `x != null` are presence tests.
        if case .null = r.kind, op == .equal || op == .notEqual {
            return presence(l, negated: op == .equal, expr, scope)
        }
        if case .null = l.kind, op == .equal || op == .notEqual {
            return presence(r, negated: op == .equal, expr, scope)
        }
        // Resolve the side that names data first, so that codes on the other side are read as its enum values.
        var left: TypedExpr?, right: TypedExpr?
        if isBareWordOrText(l), !isBareWordOrText(r) {
            guard let rr = comparable(r, scope, enumContext: nil, isLeft: false) else { return nil }
            right = rr
            left = comparable(l, scope, enumContext: enumDomain(rr.type), isLeft: true)
        } else {
            guard let ll = comparable(l, scope, enumContext: nil, isLeft: true) else { return nil }
            left = ll
            right = comparable(r, scope, enumContext: enumDomain(ll.type), isLeft: false)
        }
        guard var a = left, var b = right else { return nil }
        if a.type != b.type {
            if case .digits = a.type, b.type == .string, let c = coerce(b, to: a.type) { b = c }
            else if case .digits = b.type, a.type == .string, let c = coerce(a, to: b.type) { a = c }
            else if let type = unify(a.type, b.type), let ca = coerce(a, to: type), let cb = coerce(b, to: type) {
                a = ca
                b = cb
            } else {
                let help: String? = {
                    if case .text(let s) = b.kind, a.type.isNumeric, Int64(s) != nil { return "remove the quotes: `\(s)` is a number" }
                    if case .text(let s) = a.kind, b.type.isNumeric, Int64(s) != nil { return "remove the quotes: `\(s)` is a number" }
                    if a.type == .string, b.type == .integer { return "quote the number: `\"\(b.text)\"`" }
                    return nil
                }()
                report(.typeMismatch("cannot compare `\(a.text)` (\(a.type)) with `\(b.text)` (\(b.type))", at: expr.range, help: help))
                return nil
            }
        }
        if op != .equal, op != .notEqual, !a.type.isOrdered {
            report(.typeMismatch("`\(op.rawValue)` needs numbers, amounts or dates, but `\(a.text)` is \(a.type)", at: expr.range, help: "use `==`, `!=` or `in` for \(a.type) values"))
            return nil
        }
        return fold(TypedExpr(.compare(op, a, b), .boolean, nullable: false, range: expr.range, text: text))
    }

    /// One side of a comparison: a record cannot be compared at all, which is said before (and
    /// instead of) "may be empty" for an optional link such as `deceased`.
    private func comparable(_ e: Expr, _ scope: Scope, enumContext: EnumDomain?, isLeft: Bool) -> TypedExpr? {
        guard let t = resolve(e, scope, enumContext: enumContext) else { return nil }
        if case .record = t.type {
            report(.typeMismatch("`\(t.text)` is a record; compare one of its fields" + (isLeft ? ", or test it with `present(\(t.text))`" : ""), at: t.range))
            return nil
        }
        if t.nullable {
            report(.mayBeNull(t.text, at: t.range))
            return nil
        }
        return t
    }

    private func isBareWordOrText(_ e: Expr) -> Bool {
        switch e.kind {
        case .string: return true
        case .name(let parts): return parts.count == 1 && parameters[parts[0].name] == nil
        case .list: return true
        default: return false
        }
    }

    private func enumDomain(_ type: ValueType) -> EnumDomain? {
        if case .enumeration(let d) = type { return d }
        return nil
    }

    private func presence(_ e: Expr, negated: Bool, _ expr: Expr, _ scope: Scope) -> TypedExpr? {
        guard let x = resolve(e, scope, enumContext: nil) else { return nil }
        let test: TypedExpr
        if case .linkPresent = x.kind { test = TypedExpr(x.kind, .boolean, nullable: false, range: expr.range, text: "present(\(x.text))") }
        else { test = TypedExpr(.isPresent(x), .boolean, nullable: false, range: expr.range, text: "present(\(x.text))") }
        return negated ? TypedExpr(.not(test), .boolean, nullable: false, range: expr.range, text: expr.text) : test
    }

    func arithmetic(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ expr: Expr, _ scope: Scope) -> TypedExpr? {
        guard let a = nonNullResolved(l, scope, enumContext: nil), let b = nonNullResolved(r, scope, enumContext: nil) else { return nil }
        let arithmeticOp = ArithmeticOperator(rawValue: op.rawValue)!
        let result: ValueType?
        switch (op, a.type, b.type) {
        case (.divide, let x, let y) where x.isNumeric && y.isNumeric: result = .decimal
        case (_, .decimal, let y) where y.isNumeric: result = .decimal
        case (_, let x, .decimal) where x.isNumeric: result = .decimal
        case (.add, .integer, .integer), (.subtract, .integer, .integer), (.multiply, .integer, .integer): result = .integer
        case (.add, .money, .money), (.add, .money, .integer), (.add, .integer, .money),
            (.subtract, .money, .money), (.subtract, .money, .integer), (.subtract, .integer, .money),
            (.multiply, .money, .integer), (.multiply, .integer, .money):
            result = .money
        case (.multiply, .money, .money):
            report(.typeMismatch("multiplying two amounts (`\(a.text)` × `\(b.text)`) gives no amount", at: expr.range, help: "multiply an amount by a number of months or persons"))
            return nil
        case (.add, .date, .integer), (.subtract, .date, .integer), (.add, .integer, .date): result = .date
        case (.subtract, .date, .date): result = .integer
        default: result = nil
        }
        guard let type = result else {
            report(.typeMismatch("cannot apply `\(op.rawValue)` to `\(a.text)` (\(a.type)) and `\(b.text)` (\(b.type))", at: expr.range))
            return nil
        }
        return fold(TypedExpr(.arithmetic(arithmeticOp, a, b), type, nullable: false, range: expr.range, text: expr.text))
    }

    // MARK: Functions

    func call(_ function: NamePart, _ args: [Expr], _ expr: Expr, _ scope: Scope) -> TypedExpr? {
        let text = expr.text
        func arity(_ counts: ClosedRange<Int>, _ usage: String) -> Bool {
            if counts.contains(args.count) { return true }
            report(.error("check.arity", "`\(function.name)` takes \(counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound) or \(counts.upperBound)") argument\(counts.upperBound == 1 ? "" : "s"), found \(args.count)", at: expr.range, help: "usage: `\(usage)`"))
            return false
        }
        func argument(_ i: Int, _ expected: [ValueType], _ what: String) -> TypedExpr? {
            guard let t = nonNullResolved(args[i], scope, enumContext: nil) else { return nil }
            if expected.contains(t.type) { return t }
            if expected.contains(.money), t.type == .integer { return t }
            report(.typeMismatch("\(what) of `\(function.name)` must be \(expected.map(\.description).joined(separator: " or ")), but `\(t.text)` is \(t.type)", at: t.range))
            return nil
        }
        switch function.name {
        case "present":
            guard arity(1...1, "present(household.desil)") else { return nil }
            guard let x = resolve(args[0], scope, enumContext: nil) else { return nil }
            if case .linkPresent(let path) = x.kind {
                return TypedExpr(.linkPresent(path), .boolean, nullable: false, range: expr.range, text: text)
            }
            guard case .field = x.kind else {
                report(.typeMismatch("`present` takes a field or a link, not `\(x.text)`", at: x.range))
                return nil
            }
            return TypedExpr(.isPresent(x), .boolean, nullable: false, range: expr.range, text: text)
        case "age_on":
            guard arity(1...2, "age_on(as_of) or age_on(birth_date, as_of)") else { return nil }
            let birth: TypedExpr
            if args.count == 2 {
                guard let b = argument(0, [.date], "the birth date") else { return nil }
                birth = b
            } else {
                let entity = schema.entities[scope.root]
                guard let f = entity.birthDate else {
                    report(.error("check.age", "`\(entity.name)` has no birth date (`age_from` in the schema)", at: expr.range, help: "use `age_on(birth, date)` with a date field"))
                    return nil
                }
                let fieldName = entity.fields[f].name
                let path = FieldPath(links: LinkPath(root: scope.root, steps: [], entity: scope.root, text: ""), field: f, text: fieldName)
                let nullable = entity.fields[f].optional && !scope.facts.contains(fieldName)
                birth = TypedExpr(.field(path), .date, nullable: nullable, range: function.range, text: fieldName)
                if nullable {
                    report(.mayBeNull(fieldName, at: expr.range))
                    return nil
                }
            }
            guard let on = argument(args.count - 1, [.date], "the date") else { return nil }
            return fold(TypedExpr(.call(.ageOn, [birth, on]), .integer, nullable: false, range: expr.range, text: text))
        case "working_days_between":
            guard arity(3...3, "working_days_between(deceased.death_date, submitted_on, libur)") else { return nil }
            guard let a = argument(0, [.date], "the first argument"), let b = argument(1, [.date], "the second argument") else { return nil }
            guard case .name(let parts) = args[2].kind, parts.count == 1 else {
                report(.typeMismatch("the third argument of `working_days_between` is a calendar name from `calendars:`", at: args[2].range))
                return nil
            }
            guard let index = calendarNames.firstIndex(of: parts[0].name) else {
                report(.error("check.unknown-calendar", "unknown calendar `\(parts[0].name)`", at: parts[0].range,
                    help: Suggestion.closest(to: parts[0].name, in: calendarNames).map { "did you mean `\($0)`?" }
                        ?? (calendarNames.isEmpty ? "declare it: `calendars: {\(parts[0].name): ../calendars/indonesia-2025.yaml}`" : "declared calendars: " + calendarNames.joined(separator: ", "))))
                return nil
            }
            let calendar = TypedExpr(.constant(Int64(index)), .integer, nullable: false, range: args[2].range, text: parts[0].name)
            return fold(TypedExpr(.call(.workingDaysBetween, [a, b, calendar]), .integer, nullable: false, range: expr.range, text: text))
        case "days_between":
            guard arity(2...2, "days_between(a, b)") else { return nil }
            guard let a = argument(0, [.date], "the first argument"), let b = argument(1, [.date], "the second argument") else { return nil }
            return fold(TypedExpr(.call(.daysBetween, [a, b]), .integer, nullable: false, range: expr.range, text: text))
        case "between":
            guard arity(3...3, "between(age_on(as_of), 18, 64)") else { return nil }
            let lo = Expr(.binary(.lessEqual, args[1], args[0]), expr.range)
            let hi = Expr(.binary(.lessEqual, args[0], args[2]), expr.range)
            guard let a = comparison(.lessEqual, args[1], args[0], lo, scope), let b = comparison(.lessEqual, args[0], args[2], hi, scope) else { return nil }
            return fold(TypedExpr(.and(a, b), .boolean, nullable: false, range: expr.range, text: text))
        case "round", "floor", "ceil":
            guard arity(1...2, "\(function.name)(x) or \(function.name)(x, 100)") else { return nil }
            guard let x = argument(0, [.decimal, .integer, .money], "the value") else { return nil }
            var arguments = [x]
            if args.count == 2 {
                guard let step = argument(1, [.integer, .money], "the multiple") else { return nil }
                if case .constant(let s) = step.kind, s <= 0 {
                    report(.typeMismatch("rounding to a multiple of \(s) is impossible; use a positive number", at: step.range))
                    return nil
                }
                arguments.append(step)
            }
            let builtin: Builtin = function.name == "round" ? .round : function.name == "floor" ? .floor : .ceil
            return fold(TypedExpr(.call(builtin, arguments), x.type == .decimal ? .integer : x.type, nullable: false, range: expr.range, text: text))
        case "min", "max":
            guard arity(2...2, "\(function.name)(a, b)") else { return nil }
            guard let a = nonNullResolved(args[0], scope, enumContext: nil), let b = nonNullResolved(args[1], scope, enumContext: nil) else { return nil }
            guard let type = unify(a.type, b.type), type.isOrdered, let ca = coerce(a, to: type), let cb = coerce(b, to: type) else {
                report(.typeMismatch("`\(function.name)` needs two numbers, amounts or dates of one type", at: expr.range))
                return nil
            }
            return fold(TypedExpr(.call(function.name == "min" ? .min : .max, [ca, cb]), type, nullable: false, range: expr.range, text: text))
        case "year", "month":
            guard arity(1...1, "\(function.name)(as_of)") else { return nil }
            guard let d = argument(0, [.date], "the argument") else { return nil }
            return fold(TypedExpr(.call(function.name == "year" ? .year : .month, [d]), .integer, nullable: false, range: expr.range, text: text))
        default:
            let names = ["present", "age_on", "working_days_between", "days_between", "between", "round", "floor", "ceil", "min", "max", "year", "month", "count", "any", "all"]
            report(.error("check.unknown-function", "unknown function `\(function.name)`", at: function.range, help: Suggestion.closest(to: function.name, in: names).map { "did you mean `\($0)`?" } ?? "functions: " + names.joined(separator: ", ")))
            return nil
        }
    }

    func aggregate(_ kind: AggregateKind, _ collection: Expr, _ condition: Expr?, _ expr: Expr, _ scope: Scope) -> TypedExpr? {
        if scope.inAggregate {
            report(.error("check.aggregate", "`\(kind.rawValue)(…)` cannot be nested inside another aggregate", at: expr.range))
            return nil
        }
        guard case .name(let parts) = collection.kind else {
            report(.typeMismatch("`\(kind.rawValue)` counts the records of a collection, e.g. `\(kind.rawValue)(household.members where …)`", at: collection.range))
            return nil
        }
        // Follow links to the host, then take the collection.
        var entity = scope.root
        var steps: [LinkPath.Step] = []
        for (i, part) in parts.enumerated() {
            let current = schema.entities[entity]
            if i == parts.count - 1 {
                guard let c = current.collectionIndex(named: part.name) else {
                    report(.unknownName(part.name, at: part.range, candidates: current.collections.map(\.name), on: current.name))
                    return nil
                }
                let coll = current.collections[c]
                let host = LinkPath(root: scope.root, steps: steps, entity: entity, text: parts.dropLast().map(\.name).joined(separator: "."))
                if steps.contains(where: { !$0.required }) && !scope.facts.contains(host.text) {
                    report(.mayBeNull(host.text, at: collection.range))
                    return nil
                }
                var typedCondition: TypedExpr?
                if let condition {
                    var inner = Scope(root: coll.entity, facts: [])
                    inner.inAggregate = true
                    guard let c = self.condition(condition, inner, what: "the `where` condition") else { return nil }
                    typedCondition = c
                } else if kind != .count {
                    report(.error("check.aggregate", "`\(kind.rawValue)(…)` needs a `where` condition", at: expr.range))
                    return nil
                }
                aggregates.append(CheckedAggregate(kind: kind, host: host, collection: c, element: coll.entity, backLink: coll.link, condition: typedCondition, text: expr.text))
                return TypedExpr(.aggregate(aggregates.count - 1), kind == .count ? .integer : .boolean, nullable: false, range: expr.range, text: expr.text)
            }
            guard let l = current.linkIndex(named: part.name) else {
                report(.unknownName(part.name, at: part.range, candidates: current.links.map(\.name) + current.collections.map(\.name), on: current.name))
                return nil
            }
            steps.append(.init(entity: entity, link: l, required: current.links[l].required))
            entity = current.links[l].target
        }
        return nil
    }
}

extension TypedExpr.Kind {
    var isEmptyList: Bool {
        switch self {
        case .list(let c): c.isEmpty
        case .textList(let t): t.isEmpty
        default: false
        }
    }
}
