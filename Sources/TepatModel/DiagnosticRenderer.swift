/// Renders diagnostics like a compiler:
///
/// ```
/// policies/x.yaml:12:14: error: unknown field `desl` on `household`
///    12 |     require: household.desl <= desil_maks
///       |                        ^~~~
///       = help: did you mean `desil`?
/// ```
///
/// A pure function of the diagnostics and the source files, so it can be snapshot-tested.
public struct DiagnosticRenderer: Sendable {
    public var sources: [String: SourceFile]
    /// ANSI colours, for terminals only.
    public var colored: Bool

    public init(sources: [SourceFile], colored: Bool = false) {
        var map: [String: SourceFile] = [:]
        for source in sources { map[source.path] = source }
        self.sources = map
        self.colored = colored
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    public func render(_ diagnostic: Diagnostic) -> String {
        var out = ""
        let label = paint(diagnostic.severity.rawValue, diagnostic.severity == .error ? "31" : diagnostic.severity == .warning ? "33" : "36")
        if let range = diagnostic.range {
            out += "\(range.path):\(range.start.line):\(range.start.column): \(label): \(diagnostic.message)\n"
            out += snippet(range)
        } else {
            out += "\(label): \(diagnostic.message)\n"
        }
        if let help = diagnostic.help {
            out += "      = help: \(help)\n"
        }
        for note in diagnostic.notes {
            if let range = note.range {
                out += "\(range.path):\(range.start.line):\(range.start.column): note: \(note.message)\n"
                out += snippet(range)
            } else {
                out += "      = note: \(note.message)\n"
            }
        }
        return out
    }

    /// The numbered source line and a caret line under `range` (clipped to the first line).
    func snippet(_ range: SourceRange) -> String {
        guard let file = sources[range.path], range.start.line >= 1, range.start.line <= file.lines.count else { return "" }
        let line = String(file.line(range.start.line))
        let number = String(range.start.line)
        let gutter = String(repeating: " ", count: max(0, 5 - number.count)) + number
        let empty = String(repeating: " ", count: 5)
        let scalars = Array(line.unicodeScalars)
        let startColumn = min(max(range.start.column, 1), scalars.count + 1)
        var width = range.end.line == range.start.line ? range.end.column - startColumn : scalars.count + 1 - startColumn
        width = max(1, min(width, max(1, scalars.count + 1 - startColumn)))
        // Keep tabs in the padding so the caret lines up under tab-indented text.
        var pad = ""
        for scalar in scalars.prefix(startColumn - 1) { pad.append(scalar == "\t" ? "\t" : " ") }
        let marker = paint("^" + String(repeating: "~", count: width - 1), "32")
        return "\(gutter) | \(line)\n\(empty) | \(pad)\(marker)\n"
    }

    private func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[1;\(code)m\(text)\u{1B}[0m" : text
    }
}
