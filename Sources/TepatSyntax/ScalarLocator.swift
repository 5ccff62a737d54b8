import TepatModel

/// Maps offsets inside a YAML scalar's value back to line and column in the file, so that an
/// expression written in `require: household.desl <= 4` gets its caret under `desl`. Works for
/// plain, quoted, literal (`|`) and folded (`>`) scalars by walking the source text from the
/// scalar's start and matching the value's characters in order (skipping indentation, line
/// breaks and quote characters that the value does not contain).
public struct ScalarLocator: Sendable {
    /// Position of each Unicode scalar of the value, plus one past the end.
    private let positions: [SourcePosition]
    public let path: String

    public init(node: YAMLNode, source: SourceFile) {
        path = node.range.path
        let value = Array((node.scalar ?? "").unicodeScalars)
        var positions: [SourcePosition] = []
        positions.reserveCapacity(value.count + 1)
        var line = node.range.start.line
        var column = node.range.start.column
        var lineScalars = Array(source.line(line).unicodeScalars)
        if let style = node.style, style.isQuoted { column += 1 }
        // A literal or folded block keeps spaces beyond its own indentation (that of its first
        // non-blank line), so each of its lines is matched from the block's indentation; a
        // plain or quoted scalar drops a continuation line's leading blanks.
        var blockIndent: Int?
        if let style = node.style, style == .literal || style == .folded {
            line += 1
            var first = line
            while first < source.lines.count, source.line(first).allSatisfy({ $0 == " " || $0 == "\t" }) { first += 1 }
            let indentation = source.line(first).unicodeScalars.prefix { $0 == " " }.count
            blockIndent = indentation + 1
            lineScalars = Array(source.line(line).unicodeScalars)
            column = indentation + 1
        }
        func lineStart(_ scalars: [Unicode.Scalar]) -> Int {
            blockIndent ?? (scalars.firstIndex { $0 != " " && $0 != "\t" } ?? 0) + 1
        }
        for scalar in value {
            var tries = 0
            while tries < 400 {
                if column - 1 < lineScalars.count {
                    let ch = lineScalars[column - 1]
                    if ch == scalar { break }
                    if scalar == "\n" || (scalar == " " && (ch == " " || ch == "\t")) { break }
                    if scalar != " " && (ch == " " || ch == "\t" || ch == "\"" || ch == "'" || ch == "\\") {
                        column += 1
                        tries += 1
                        continue
                    }
                    column += 1
                    tries += 1
                } else {
                    if scalar == "\n" || scalar == " " { break }
                    line += 1
                    lineScalars = Array(source.line(line).unicodeScalars)
                    column = lineStart(lineScalars)
                    tries += 1
                    if line > source.lines.count { break }
                }
            }
            positions.append(SourcePosition(line: line, column: column))
            if scalar == "\n" || (scalar == " " && column - 1 >= lineScalars.count) {
                line += 1
                lineScalars = Array(source.line(line).unicodeScalars)
                column = lineStart(lineScalars)
            } else {
                column += 1
            }
        }
        positions.append(SourcePosition(line: line, column: column))
        self.positions = positions
    }

    /// The file range of value offsets `[start, end)` (in Unicode scalars).
    public func range(_ start: Int, _ end: Int) -> SourceRange {
        guard !positions.isEmpty else { return SourceRange(path: path, start: .init(line: 1, column: 1), length: 1) }
        let s = positions[min(max(start, 0), positions.count - 1)]
        var e = positions[min(max(end, 0), positions.count - 1)]
        if e.line != s.line { e = s.advanced(by: max(1, end - start)) }
        return SourceRange(path: path, start: s, end: e)
    }
}
