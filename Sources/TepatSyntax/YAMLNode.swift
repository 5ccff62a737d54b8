import TepatModel

/// A YAML node with the place it came from. Built from Yams' `Node` (which keeps a `Mark` per
/// node) because Yams' `Decodable` path loses positions. Scalars are kept as text with their
/// style: typing is decided by Tepat (a quoted `"4"` is a string, a plain `4` an integer, and
/// `no`/`on`/`off` stay strings), not by YAML 1.1 implicit resolution.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(String, ScalarStyle)
        case mapping([(key: YAMLNode, value: YAMLNode)])
        case sequence([YAMLNode])
    }

    public enum ScalarStyle: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
        public var isQuoted: Bool { self == .singleQuoted || self == .doubleQuoted }
    }

    public var kind: Kind
    public var range: SourceRange

    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    public var scalar: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    public var style: ScalarStyle? {
        if case .scalar(_, let style) = kind { return style }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// True for a plain `null`, `~` or an empty plain scalar.
    public var isNull: Bool {
        if case .scalar(let text, .plain) = kind { return text == "null" || text == "~" || text.isEmpty || text == "Null" || text == "NULL" }
        return false
    }

    /// `mapping`, `list` or `text`: for "expected a … here" messages.
    public var kindName: String {
        switch kind {
        case .scalar: "a value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}
