import Foundation

/// `tepat explain --format json`: the explanation as one JSON object with snake_case keys in a
/// fixed (sorted) order, documented in `docs/explain-json.md`. Optional fields that do not apply
/// are left out; arrays are always present.
public enum ExplanationJSON {
    public static func encode(_ explanation: Explanation) throws -> String {
        try text(explanation)
    }

    public static func encode(_ failure: ExplanationFailure) throws -> String {
        try text(failure)
    }

    static func text<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
