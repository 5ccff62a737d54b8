/// The text of one input file (policy, schema, calendar, data) and the line table that maps
/// offsets to 1-based lines and columns. Columns count Unicode scalars, as Yams' `Mark` does,
/// so a caret lines up under the character a person sees.
public struct SourceFile: Sendable, Hashable {
    public let path: String
    public let text: String
    /// The lines of `text` without their terminators (`\n` or `\r\n`).
    public let lines: [Substring]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        var lines: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\n" || text[index] == "\r\n" {
                lines.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        lines.append(text[start..<text.endIndex])
        self.lines = lines
    }

    /// The line numbered `number` (1-based), or an empty string when out of range.
    public func line(_ number: Int) -> Substring {
        guard number >= 1, number <= lines.count else { return "" }
        return lines[number - 1]
    }

    public static func == (lhs: SourceFile, rhs: SourceFile) -> Bool { lhs.path == rhs.path && lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(path) }
}

/// A 1-based line and column (column in Unicode scalars).
public struct SourcePosition: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// The position `count` columns further on the same line.
    public func advanced(by count: Int) -> SourcePosition { SourcePosition(line: line, column: column + count) }

    public var description: String { "\(line):\(column)" }
}

/// A half-open range of text in one file: `start` is the first character, `end` the one after the last.
/// Ranges never take part in equality of the syntax nodes that carry them.
public struct SourceRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var path: String
    public var start: SourcePosition
    public var end: SourcePosition

    public init(path: String, start: SourcePosition, end: SourcePosition) {
        self.path = path
        self.start = start
        self.end = max(start, end)
    }

    /// A range of `length` characters starting at `start` on one line.
    public init(path: String, start: SourcePosition, length: Int) {
        self.init(path: path, start: start, end: start.advanced(by: max(length, 0)))
    }

    /// The smallest range that covers both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(path: path, start: min(start, other.start), end: max(end, other.end))
    }

    public var description: String { "\(path):\(start)" }
}
