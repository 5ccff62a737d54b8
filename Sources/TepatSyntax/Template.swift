import TepatModel

/// A reason text with `{expression}` holes: `"Desil {household.desil} melebihi batas desil {desil_maks}"`.
public struct Template: Sendable {
    public enum Segment: Sendable {
        case text(String)
        case value(Expr)
    }

    public var segments: [Segment]
    public var range: SourceRange

    public init(segments: [Segment], range: SourceRange) {
        self.segments = segments
        self.range = range
    }

    /// Parses the template in a scalar node; `{{` and `}}` are literal braces.
    public static func parse(_ node: YAMLNode, source: SourceFile) -> (Template, [Diagnostic]) {
        let locator = ScalarLocator(node: node, source: source)
        let scalars = Array((node.scalar ?? "").unicodeScalars)
        var segments: [Segment] = []
        var diagnostics: [Diagnostic] = []
        var text = ""
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "{", i + 1 < scalars.count, scalars[i + 1] == "{" {
                text.append("{")
                i += 2
            } else if c == "}", i + 1 < scalars.count, scalars[i + 1] == "}" {
                text.append("}")
                i += 2
            } else if c == "{" {
                var j = i + 1
                while j < scalars.count, scalars[j] != "}" { j += 1 }
                guard j < scalars.count else {
                    diagnostics.append(.error("syntax.template", "`{` is never closed in the reason text", at: locator.range(i, i + 1), help: "close it with `}`, or write `{{` for a literal brace"))
                    break
                }
                if !text.isEmpty { segments.append(.text(text)); text = "" }
                var inner = ""
                inner.unicodeScalars.append(contentsOf: scalars[(i + 1)..<j])
                if inner.trimmingSpaces.isEmpty {
                    diagnostics.append(.error("syntax.template", "empty `{}` in the reason text", at: locator.range(i, j + 1), help: "name a value, e.g. `{household.desil}`"))
                } else {
                    switch ExpressionParser.parse(text: inner, locator: locator, offset: i + 1) {
                    case .success(let expr): segments.append(.value(expr))
                    case .failure(let set): diagnostics.append(contentsOf: set.items)
                    }
                }
                i = j + 1
            } else if c == "}" {
                diagnostics.append(.error("syntax.template", "`}` without `{` in the reason text", at: locator.range(i, i + 1), help: "write `}}` for a literal brace"))
                i += 1
            } else {
                text.unicodeScalars.append(c)
                i += 1
            }
        }
        if !text.isEmpty { segments.append(.text(text)) }
        return (Template(segments: segments, range: node.range), diagnostics)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}
