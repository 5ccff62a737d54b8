import TepatModel

/// The checker's diagnostics, in one message style: lowercase, no final period, user input in backticks.
extension Diagnostic {
    static func unknownName(_ name: String, at range: SourceRange, candidates: [String], on owner: String? = nil) -> Diagnostic {
        let suggestion = Suggestion.closest(to: name, in: candidates)
        let message = owner.map { "unknown field `\(name)` on `\($0)`" } ?? "unknown name `\(name)`"
        return .error(
            "check.unknown-name", message, at: range,
            help: suggestion.map { "did you mean `\($0)`?" }
                ?? (owner == nil ? "a name is a field of the subject, a link (`household.desil`), a parameter, `as_of` or `budget_year`" : nil))
    }

    static func typeMismatch(_ message: String, at range: SourceRange, help: String? = nil) -> Diagnostic {
        .error("check.type", message, at: range, help: help)
    }

    static func mayBeNull(_ text: String, at range: SourceRange) -> Diagnostic {
        .error(
            "check.null", "`\(text)` may be empty, and is used without a guard", at: range,
            help: "guard it with `present(\(text)) and …`, give a default with `\(text) ?? …`, or check `present(\(text))` in an earlier rule")
    }

    static func notInEnum(_ value: String, domain: [String], field: String, at range: SourceRange) -> Diagnostic {
        let suggestion = Suggestion.closest(to: value, in: domain)
        let listed = domain.prefix(8).map { "`\($0)`" }.joined(separator: ", ") + (domain.count > 8 ? ", …" : "")
        return .error(
            "check.enum-value", "`\(value)` is not a value of `\(field)`", at: range,
            help: suggestion.map { "did you mean `\($0)`?" } ?? "the values are \(listed)")
    }
}
