import TepatModel
import TepatSyntax

/// `extends:` — a policy for the next budget year overrides only what changed
/// (docs/policy-language.md §8). Resolved on the syntax trees, before checking, so the checker
/// sees one ordinary policy.
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
        if keys.contains("allocation") { merged.allocation = child.allocation }
        // Parameters by name: replace in place, or add.
        for parameter in child.parameters {
            if let i = merged.parameters.firstIndex(where: { $0.name.value == parameter.name.value }) {
                merged.parameters[i] = parameter
            } else {
                merged.parameters.append(parameter)
            }
        }
        // Rules: remove, replace by id, insert before/after, or append.
        for id in child.remove {
            guard let i = merged.rules.firstIndex(where: { $0.id?.value == id.value }) else {
                diagnostics.append(.error("extends.unknown-rule", "`remove` names no rule: `\(id.value)`", at: id.range,
                    help: Suggestion.closest(to: id.value, in: merged.rules.compactMap(\.id?.value)).map { "did you mean `\($0)`?" }))
                continue
            }
            merged.rules.remove(at: i)
        }
        for rule in child.rules {
            guard let id = rule.id?.value else { continue }
            if let anchor = rule.insertBefore ?? rule.insertAfter {
                guard let i = merged.rules.firstIndex(where: { $0.id?.value == anchor.value }) else {
                    diagnostics.append(.error("extends.unknown-rule", "`\(rule.insertBefore != nil ? "insert_before" : "insert_after")` names no rule: `\(anchor.value)`", at: anchor.range,
                        help: Suggestion.closest(to: anchor.value, in: merged.rules.compactMap(\.id?.value)).map { "did you mean `\($0)`?" }))
                    continue
                }
                merged.rules.insert(rule, at: rule.insertBefore != nil ? i : i + 1)
            } else if let i = merged.rules.firstIndex(where: { $0.id?.value == id }) {
                merged.rules[i] = rule
            } else {
                merged.rules.append(rule)
            }
        }
        merged.keys = base.keys + child.keys
        return merged
    }
}
