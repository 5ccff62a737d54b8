import TepatModel
import TepatSyntax

/// `extends:` — a policy for the next budget year overrides only what changed
/// (docs/policy-language.md §8). Resolved on the syntax trees, before checking, so the checker
/// sees one ordinary policy.
///
/// What a child may override:
/// - any top-level key it sets (`as_of`, `valid`, `benefit`, …) replaces the base's;
/// - `parameters` by name: a known name replaces the base's value (a date-effective value
///   included), a new name adds a parameter — which must then be used somewhere, or it is an
///   override that names nothing;
/// - `rules` by id, anywhere in the tree (inside `all`/`any` groups too): an existing id replaces
///   that rule in place; `insert_before: id` / `insert_after: id` places a rule next to another
///   (moving it when the id already exists); a new id without an anchor is appended at the end;
///   `remove: [id…]` deletes;
/// - `allocation` key by key: `order` replaces the order; `limits` by id (replace fields of an
///   existing limit, or add one); `quota` and `budget` field by field (`quota: {max: 8000}` keeps
///   the base's id and waiting-list text).
/// Every id or anchor that names nothing is an error with "did you mean".
enum PolicyInheritance {
    static func resolve(_ child: PolicySyntax, loader: inout WorkspaceLoader, files: inout [String], depth: Int = 0) -> PolicySyntax? {
        guard let extends = child.extends else { return child }
        guard depth < 8 else {
            loader.workspace.diagnostics.append(.error("extends.cycle", "`extends` goes more than 8 policies deep (a cycle?)", at: extends.range))
            return nil
        }
        let path = WorkspaceLoader.resolve(extends.value, from: extends.range.path)
        guard let source = loader.read(path) else {
            loader.workspace.diagnostics.append(.error("extends.missing", "the policy `\(extends.value)` this one extends was not found", at: extends.range))
            return nil
        }
        files.append(path)
        let (parsed, diagnostics) = PolicyParser.parse(source)
        loader.workspace.diagnostics.append(contentsOf: diagnostics)
        guard let parsedBase = parsed, let base = resolve(parsedBase, loader: &loader, files: &files, depth: depth + 1) else { return nil }
        return merge(base: base, child: child, diagnostics: &loader.workspace.diagnostics)
    }

    static func merge(base: PolicySyntax, child: PolicySyntax, diagnostics: inout DiagnosticSet) -> PolicySyntax {
        var merged = base
        merged.source = child.source
        merged.extends = nil
        merged.remove = []
        let keys = Set(child.keys.map(\.value))
        if keys.contains("policy") { merged.id = child.id }
        if keys.contains("title") { merged.title = child.title }
        if keys.contains("title_en") { merged.titleEn = child.titleEn }
        if keys.contains("version") { merged.version = child.version }
        if keys.contains("budget_year") { merged.budgetYear = child.budgetYear }
        if keys.contains("valid") { merged.valid = child.valid }
        if keys.contains("subject") { merged.subject = child.subject }
        if keys.contains("as_of") { merged.asOf = child.asOf }
        if keys.contains("schema") { merged.schema = child.schema }
        if keys.contains("calendars") { merged.calendars = child.calendars }
        if keys.contains("languages") { merged.languages = child.languages }
        if keys.contains("reference") { merged.reference = child.reference }
        if keys.contains("benefit") { merged.benefit = child.benefit }
        mergeRules(into: &merged, child: child, diagnostics: &diagnostics)
        if keys.contains("allocation"), let allocation = child.allocation {
            merged.allocation = mergeAllocation(base: base.allocation, child: allocation, diagnostics: &diagnostics)
        }
        // Parameters by name: replace in place, or add (and then it must be used).
        var added: [ParameterSyntax] = []
        for parameter in child.parameters {
            if let i = merged.parameters.firstIndex(where: { $0.name.value == parameter.name.value }) {
                merged.parameters[i] = parameter
            } else {
                merged.parameters.append(parameter)
                added.append(parameter)
            }
        }
        if !added.isEmpty {
            let used = referencedNames(merged)
            let inherited = base.parameters.map(\.name.value)
            for parameter in added where !used.contains(parameter.name.value) {
                diagnostics.append(.error(
                    "extends.unknown-parameter",
                    "parameter `\(parameter.name.value)` overrides nothing: the policy it extends has no such parameter, and no rule uses it",
                    at: parameter.name.range,
                    help: Suggestion.closest(to: parameter.name.value, in: inherited).map { "did you mean `\($0)`?" }
                        ?? "to add a parameter, use it in a rule, the benefit or the allocation"))
            }
        }
        merged.keys = base.keys + child.keys
        return merged
    }

    // MARK: Rules

    static func mergeRules(into merged: inout PolicySyntax, child: PolicySyntax, diagnostics: inout DiagnosticSet) {
        var rules = merged.rules
        for id in child.remove {
            guard let path = find(id.value, in: rules) else {
                diagnostics.append(.error("extends.unknown-rule", "`remove` names no rule: `\(id.value)`", at: id.range,
                    help: Suggestion.closest(to: id.value, in: allIds(rules)).map { "did you mean `\($0)`?" }))
                continue
            }
            _ = removeRule(at: path, from: &rules)
        }
        for rule in child.rules {
            guard let id = rule.id?.value else { continue }
            if let anchor = rule.insertBefore ?? rule.insertAfter {
                let key = rule.insertBefore != nil ? "insert_before" : "insert_after"
                if rule.insertBefore != nil, let after = rule.insertAfter {
                    diagnostics.append(.error("extends.anchor", "a rule has `insert_before` or `insert_after`, not both", at: after.range))
                }
                if anchor.value == id {
                    diagnostics.append(.error("extends.anchor", "rule `\(id)` cannot be placed next to itself", at: anchor.range))
                    continue
                }
                // An existing rule with the same id is moved: taken out, then placed at the anchor.
                var without = rules
                if let old = find(id, in: without) { _ = removeRule(at: old, from: &without) }
                guard var path = find(anchor.value, in: without) else {
                    diagnostics.append(.error("extends.unknown-rule", "`\(key)` names no rule: `\(anchor.value)`", at: anchor.range,
                        help: Suggestion.closest(to: anchor.value, in: allIds(without)).map { "did you mean `\($0)`?" }))
                    continue
                }
                if rule.insertBefore == nil, let last = path.popLast() { path.append(last + 1) }
                insertRule(rule, at: path, into: &without)
                rules = without
            } else if let path = find(id, in: rules) {
                replaceRule(at: path, with: rule, in: &rules)
            } else {
                if let near = Suggestion.closest(to: id, in: allIds(rules)) {
                    diagnostics.append(.warning(
                        "extends.new-rule", "rule `\(id)` is not in the policy this one extends, so it is added at the end as a new rule",
                        at: rule.id?.range ?? rule.range, help: "did you mean `\(near)`? To place a new rule, add `insert_after: <id>`"))
                }
                rules.append(rule)
            }
        }
        merged.rules = rules
    }

    /// The position of rule `id` in the tree: indices through `all`/`any` groups.
    static func find(_ id: String, in rules: [RuleSyntax]) -> [Int]? {
        for (i, rule) in rules.enumerated() {
            if rule.id?.value == id { return [i] }
            if let inner = find(id, in: children(rule)) { return [i] + inner }
        }
        return nil
    }

    static func allIds(_ rules: [RuleSyntax]) -> [String] {
        rules.flatMap { [$0.id?.value].compactMap { $0 } + allIds(children($0)) }
    }

    static func children(_ rule: RuleSyntax) -> [RuleSyntax] {
        switch rule.body {
        case .all(let c), .any(let c): c
        case .require, .invalid: []
        }
    }

    static func withChildren(_ rule: RuleSyntax, _ children: [RuleSyntax]) -> RuleSyntax {
        var copy = rule
        switch rule.body {
        case .all: copy.body = .all(children)
        case .any: copy.body = .any(children)
        case .require, .invalid: break
        }
        return copy
    }

    static func removeRule(at path: [Int], from rules: inout [RuleSyntax]) -> RuleSyntax? {
        guard let first = path.first, first < rules.count else { return nil }
        if path.count == 1 { return rules.remove(at: first) }
        var inner = children(rules[first])
        let removed = removeRule(at: Array(path.dropFirst()), from: &inner)
        rules[first] = withChildren(rules[first], inner)
        return removed
    }

    static func insertRule(_ rule: RuleSyntax, at path: [Int], into rules: inout [RuleSyntax]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            rules.insert(rule, at: min(max(0, first), rules.count))
            return
        }
        guard first < rules.count else { return }
        var inner = children(rules[first])
        insertRule(rule, at: Array(path.dropFirst()), into: &inner)
        rules[first] = withChildren(rules[first], inner)
    }

    static func replaceRule(at path: [Int], with rule: RuleSyntax, in rules: inout [RuleSyntax]) {
        guard let first = path.first, first < rules.count else { return }
        if path.count == 1 {
            rules[first] = rule
            return
        }
        var inner = children(rules[first])
        replaceRule(at: Array(path.dropFirst()), with: rule, in: &inner)
        rules[first] = withChildren(rules[first], inner)
    }

    // MARK: Allocation

    static func mergeAllocation(base: AllocationSyntax?, child: AllocationSyntax, diagnostics: inout DiagnosticSet) -> AllocationSyntax {
        guard var merged = base else {
            reportIncomplete(child, diagnostics: &diagnostics)
            return child
        }
        merged.range = child.range
        let keys = Set(child.keys)
        if keys.contains("order") { merged.order = child.order }
        if keys.contains("limits") {
            for limit in child.limits {
                if let id = limit.id?.value, let i = merged.limits.firstIndex(where: { $0.id?.value == id }) {
                    var combined = merged.limits[i]
                    if let per = limit.per { combined.per = per }
                    if let max = limit.max { combined.max = max }
                    if let reject = limit.reject { combined.reject = reject }
                    combined.range = limit.range
                    merged.limits[i] = combined
                } else {
                    merged.limits.append(limit)
                }
            }
        }
        if keys.contains("quota"), let quota = child.quota { merged.quota = mergeCap(merged.quota, quota) }
        if keys.contains("budget"), let budget = child.budget { merged.budget = mergeCap(merged.budget, budget) }
        reportIncomplete(merged, diagnostics: &diagnostics)
        return merged
    }

    static func mergeCap(_ base: CapSyntax?, _ child: CapSyntax) -> CapSyntax {
        guard var combined = base else { return child }
        if let id = child.id { combined.id = id }
        if let max = child.max { combined.max = max }
        if let waitlist = child.waitlist { combined.waitlist = waitlist }
        combined.range = child.range
        return combined
    }

    /// In an extending policy the parser lets limits and caps be partial; once merged they must be whole.
    static func reportIncomplete(_ allocation: AllocationSyntax, diagnostics: inout DiagnosticSet) {
        for limit in allocation.limits {
            if limit.id == nil { diagnostics.append(.error("syntax.missing-key", "a limit needs `id`", at: limit.range)) }
            if limit.per == nil {
                diagnostics.append(.error("syntax.missing-key", "limit `\(limit.id?.value ?? "?")` needs `per`", at: limit.range, help: "e.g. `per: household_id` for one per household"))
            }
        }
        for (key, cap) in [("quota", allocation.quota), ("budget", allocation.budget)] {
            guard let cap else { continue }
            if cap.id == nil { diagnostics.append(.error("syntax.missing-key", "`\(key)` needs `id`", at: cap.range)) }
            if cap.max == nil { diagnostics.append(.error("syntax.missing-key", "`\(key)` needs `max`", at: cap.range)) }
        }
    }

    // MARK: Names used

    /// The first part of every name in the policy's expressions and reason texts: the parameters
    /// (and fields) the policy reads.
    static func referencedNames(_ policy: PolicySyntax) -> Set<String> {
        var names = Set<String>()
        func walk(_ e: Expr) {
            switch e.kind {
            case .name(let parts): if let first = parts.first { names.insert(first.name) }
            case .list(let items): items.forEach(walk)
            case .unary(_, let x): walk(x)
            case .binary(_, let a, let b):
                walk(a)
                walk(b)
            case .call(_, let args): args.forEach(walk)
            case .aggregate(_, let collection, let condition):
                walk(collection)
                condition.map(walk)
            case .integer, .money, .decimal, .string, .date, .boolean, .null: break
            }
        }
        func walk(_ template: LocalizedTemplate?) {
            for text in template?.texts ?? [] {
                for case .value(let e) in text.template.segments { walk(e) }
            }
        }
        func walk(_ rule: RuleSyntax) {
            if case .require(let e) = rule.body { walk(e) }
            walk(rule.reject)
            walk(rule.accept)
            children(rule).forEach(walk)
        }
        policy.rules.forEach(walk)
        policy.benefit.map(walk)
        if let allocation = policy.allocation {
            allocation.order.forEach { walk($0.expr) }
            for limit in allocation.limits {
                limit.per.map(walk)
                limit.max.map(walk)
                walk(limit.reject)
            }
            for cap in [allocation.quota, allocation.budget].compactMap({ $0 }) {
                cap.max.map(walk)
                walk(cap.waitlist)
            }
        }
        return names
    }
}
