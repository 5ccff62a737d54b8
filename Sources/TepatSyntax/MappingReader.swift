import TepatModel

/// Reads one YAML mapping against the keys it may have: reports unknown keys (with "did you
/// mean"), skips the renamed copies of duplicate keys, and hands out values by key.
struct MappingReader {
    let node: YAMLNode
    let context: String
    private(set) var entries: [(key: Located<String>, value: YAMLNode)] = []

    /// Nil (with a diagnostic) when `node` is not a mapping.
    init?(_ node: YAMLNode, context: String, allowed: [String], diagnostics: inout [Diagnostic]) {
        self.node = node
        self.context = context
        guard let pairs = node.mapping else {
            diagnostics.append(.error("syntax.shape", "expected a mapping for \(context), found \(node.kindName)", at: node.range))
            return nil
        }
        for (key, value) in pairs {
            guard let name = key.scalar else {
                diagnostics.append(.error("syntax.shape", "a key of \(context) must be a plain name", at: key.range))
                continue
            }
            if name.hasPrefix(YAMLLoader.duplicateMarker) { continue }
            if !allowed.contains(name) {
                let suggestion = Suggestion.closest(to: name, in: allowed)
                diagnostics.append(
                    .error(
                        "syntax.unknown-key", "unknown key `\(name)` in \(context)", at: key.range,
                        help: suggestion.map { "did you mean `\($0)`?" } ?? "expected one of: " + allowed.map { "`\($0)`" }.joined(separator: ", ")))
                continue
            }
            entries.append((Located(name, key.range), value))
        }
    }

    subscript(key: String) -> YAMLNode? { entries.first { $0.key.value == key }?.value }

    func keyRange(_ key: String) -> SourceRange? { entries.first { $0.key.value == key }?.key.range }

    func has(_ key: String) -> Bool { entries.contains { $0.key.value == key } }

    /// Reports `key` as missing, at the start of the mapping.
    func missing(_ key: String, _ diagnostics: inout [Diagnostic], help: String? = nil) {
        diagnostics.append(.error("syntax.missing-key", "\(context) needs `\(key)`", at: node.range, help: help))
    }
}

/// Typed reads of scalar values, each reporting a positioned diagnostic when the value has the wrong form.
enum ScalarRead {
    static func string(_ node: YAMLNode, _ what: String, _ diagnostics: inout [Diagnostic]) -> Located<String>? {
        guard let text = node.scalar else {
            diagnostics.append(.error("syntax.shape", "expected text for \(what), found \(node.kindName)", at: node.range))
            return nil
        }
        return Located(text, node.range)
    }

    static func integer(_ node: YAMLNode, _ what: String, _ diagnostics: inout [Diagnostic]) -> Located<Int64>? {
        guard let text = node.scalar, node.style == .plain, let value = Int64(text) else {
            diagnostics.append(.error("syntax.type", "expected a whole number for \(what)", at: node.range))
            return nil
        }
        return Located(value, node.range)
    }

    static func boolean(_ node: YAMLNode, _ what: String, _ diagnostics: inout [Diagnostic]) -> Located<Bool>? {
        guard let text = node.scalar, node.style == .plain, text == "true" || text == "false" else {
            diagnostics.append(.error("syntax.type", "expected `true` or `false` for \(what)", at: node.range))
            return nil
        }
        return Located(text == "true", node.range)
    }

    static func date(_ node: YAMLNode, _ what: String, _ diagnostics: inout [Diagnostic]) -> Located<Day>? {
        guard let text = node.scalar else {
            diagnostics.append(.error("syntax.type", "expected a date (YYYY-MM-DD) for \(what), found \(node.kindName)", at: node.range))
            return nil
        }
        guard let day = Day(iso: text) else {
            let looksLikeDate = text.count == 10 && text.filter { $0 == "-" }.count == 2
            diagnostics.append(
                .error(
                    "syntax.date", looksLikeDate ? "`\(text)` is not a date that exists" : "expected a date (YYYY-MM-DD) for \(what), found `\(text)`",
                    at: node.range))
            return nil
        }
        return Located(day, node.range)
    }

    static func strings(_ node: YAMLNode, _ what: String, _ diagnostics: inout [Diagnostic]) -> [Located<String>] {
        guard let items = node.sequence else {
            if let single = node.scalar { return [Located(single, node.range)] }
            diagnostics.append(.error("syntax.shape", "expected a list for \(what)", at: node.range))
            return []
        }
        return items.compactMap { string($0, what, &diagnostics) }
    }
}
