import TepatModel
import Yams

/// Reads a YAML file into `YAMLNode`s with source ranges, turning every YAML-level problem
/// (syntax, duplicate keys, anchors, several documents) into diagnostics.
///
/// Duplicate keys: Yams rejects a mapping with duplicate keys as a whole. The loader reports the
/// later occurrence (with a note at the first), renames it in a private copy of the text and
/// reads again, so that one duplicate does not hide every other problem in the file.
public enum YAMLLoader {
    public static func load(_ source: SourceFile) -> (YAMLNode?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var text = source.text
        for _ in 0..<20 {
            do {
                let parser = try Parser(yaml: text, resolver: .basic, constructor: .default)
                guard let root = try parser.nextRoot() else {
                    diagnostics.append(.error("yaml.empty", "the file is empty", at: SourceRange(path: source.path, start: .init(line: 1, column: 1), length: 1)))
                    return (nil, diagnostics)
                }
                if try parser.nextRoot() != nil {
                    diagnostics.append(.error("yaml.documents", "a file holds one YAML document; remove the extra `---`", at: SourceRange(path: source.path, start: .init(line: 1, column: 1), length: 1)))
                }
                return (convert(root, source: source), diagnostics)
            } catch let error as YamlError {
                switch error {
                case .duplicatedKeysInMapping(let keys, let context):
                    guard let key = keys.first,
                        let (first, second) = locateDuplicate(key: key, after: context.mark, in: text)
                    else {
                        diagnostics.append(.error("yaml.duplicate-key", "duplicate key `\(keys.first ?? "?")`", at: range(of: context.mark, length: keys.first?.count ?? 1, path: source.path)))
                        return (nil, diagnostics)
                    }
                    diagnostics.append(
                        .error(
                            "yaml.duplicate-key", "duplicate key `\(key)`",
                            at: SourceRange(path: source.path, start: second, length: key.count),
                            notes: [.init("first defined here", at: SourceRange(path: source.path, start: first, length: key.count))],
                            help: "remove one of them or merge their values"))
                    let renamed = renaming(key: key, at: second, in: text)
                    // Unchanged text would fail the same way again: stop with the one report.
                    guard renamed != text else { return (nil, diagnostics) }
                    text = renamed
                default:
                    diagnostics.append(diagnostic(for: error, path: source.path))
                    return (nil, diagnostics)
                }
            } catch {
                diagnostics.append(.error("yaml.syntax", "cannot read YAML: \(error)", at: SourceRange(path: source.path, start: .init(line: 1, column: 1), length: 1)))
                return (nil, diagnostics)
            }
        }
        return (nil, diagnostics)
    }

    /// Keys renamed after a duplicate start with this marker; parsers skip them silently.
    public static let duplicateMarker = "__tepat_duplicate__"

    static func convert(_ node: Node, source: SourceFile) -> YAMLNode {
        switch node {
        case .scalar(let scalar):
            let start = position(scalar.mark)
            let style: YAMLNode.ScalarStyle
            switch scalar.style {
            case .singleQuoted: style = .singleQuoted
            case .doubleQuoted: style = .doubleQuoted
            case .literal: style = .literal
            case .folded: style = .folded
            default: style = .plain
            }
            let width = scalar.string.unicodeScalars.count + (style.isQuoted ? 2 : 0)
            let firstLine = scalar.string.split(separator: "\n", omittingEmptySubsequences: false).first.map { $0.unicodeScalars.count } ?? 0
            let length = scalar.string.contains("\n") || style == .literal || style == .folded ? max(1, firstLine) : max(1, width)
            return YAMLNode(kind: .scalar(scalar.string, style), range: SourceRange(path: source.path, start: start, length: length))
        case .mapping(let mapping):
            let pairs = mapping.map { (key: convert($0.key, source: source), value: convert($0.value, source: source)) }
            return YAMLNode(kind: .mapping(pairs), range: SourceRange(path: source.path, start: position(mapping.mark), length: 1))
        case .sequence(let sequence):
            let items = sequence.map { convert($0, source: source) }
            return YAMLNode(kind: .sequence(items), range: SourceRange(path: source.path, start: position(sequence.mark), length: 1))
        case .alias:
            return YAMLNode(kind: .scalar("", .plain), range: SourceRange(path: source.path, start: position(node.mark), length: 1))
        }
    }

    static func position(_ mark: Mark?) -> SourcePosition {
        guard let mark else { return SourcePosition(line: 1, column: 1) }
        return SourcePosition(line: max(1, mark.line), column: max(1, mark.column))
    }

    static func range(of mark: Mark, length: Int, path: String) -> SourceRange {
        SourceRange(path: path, start: position(mark), length: length)
    }

    static func diagnostic(for error: YamlError, path: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var notes: [Diagnostic.Note] = []
            if let context { notes.append(.init(context.text, at: range(of: context.mark, length: 1, path: path))) }
            return .error("yaml.syntax", "YAML syntax: \(problem)", at: range(of: mark, length: 1, path: path), notes: notes)
        case .reader(let problem, _, _, _):
            return .error("yaml.encoding", "cannot read the file: \(problem)", at: SourceRange(path: path, start: .init(line: 1, column: 1), length: 1))
        default:
            return .error("yaml.syntax", "cannot read YAML: \(error)", at: SourceRange(path: path, start: .init(line: 1, column: 1), length: 1))
        }
    }

    /// Finds the first two occurrences of `key` as a mapping key at the same column, from the
    /// line of the mapping's first duplicate key on.
    static func locateDuplicate(key: String, after mark: Mark, in text: String) -> (SourcePosition, SourcePosition)? {
        let lines = SourceFile(path: "", text: text).lines
        var found: [SourcePosition] = []
        let start = max(0, mark.line - 1)
        guard start < lines.count else { return nil }
        for index in start..<lines.count {
            let line = lines[index]
            let scalars = Array(line.unicodeScalars)
            for candidate in keyColumns(of: key, in: scalars) {
                if found.isEmpty {
                    if index == start && candidate + 1 != mark.column { continue }
                    found.append(SourcePosition(line: index + 1, column: candidate + 1))
                } else if candidate + 1 == found[0].column || index == found[0].line - 1 {
                    found.append(SourcePosition(line: index + 1, column: candidate + 1))
                    return (found[0], found[1])
                }
            }
        }
        return nil
    }

    /// Columns (0-based) where `key` appears as a key (`key:` or `"key":` followed by a space or end),
    /// at the start of a line, after `- `, or inside a flow mapping after `{` or `,`.
    static func keyColumns(of key: String, in scalars: [Unicode.Scalar]) -> [Int] {
        let keyScalars = Array(key.unicodeScalars)
        var columns: [Int] = []
        var i = 0
        while i < scalars.count {
            var j = i
            var quote: Unicode.Scalar?
            if scalars[j] == "\"" || scalars[j] == "'" {
                quote = scalars[j]
                j += 1
            }
            if j + keyScalars.count <= scalars.count, Array(scalars[j..<(j + keyScalars.count)]) == keyScalars {
                var k = j + keyScalars.count
                if let quote { if k < scalars.count, scalars[k] == quote { k += 1 } else { i += 1; continue } }
                let before = scalars[..<i].reversed().first { $0 != " " && $0 != "\t" }
                let okBefore = before == nil || before == "-" || before == "{" || before == ","
                if okBefore, k < scalars.count, scalars[k] == ":", k + 1 == scalars.count || scalars[k + 1] == " " || scalars[k + 1] == "\t" {
                    columns.append(i)
                }
            }
            i += 1
        }
        return columns
    }

    static func renaming(key: String, at position: SourcePosition, in text: String) -> String {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        guard position.line - 1 < lines.count else { return text }
        var scalars = Array(lines[position.line - 1].unicodeScalars)
        var start = position.column - 1
        if start < scalars.count, scalars[start] == "\"" || scalars[start] == "'" { start += 1 }
        let end = start + key.unicodeScalars.count
        guard end <= scalars.count else { return text }
        // Keep the column layout: a JSON-style quoted replacement of the same key plus a marker.
        let replacement = Array("\"\(duplicateMarker)\(position.line)_\(position.column)\"".unicodeScalars)
        let quoted = position.column - 1 < start
        let lower = quoted ? start - 1 : start
        let upper = quoted ? min(end + 1, scalars.count) : end
        scalars.replaceSubrange(lower..<upper, with: replacement)
        var line = ""
        line.unicodeScalars.append(contentsOf: scalars)
        lines[position.line - 1] = line
        return lines.joined(separator: "\n")
    }
}
