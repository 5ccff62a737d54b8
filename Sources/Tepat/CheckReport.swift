import Foundation
import TepatModel

/// `tepat check --format json`: diagnostics for editors and CI.
public struct CheckReport: Codable, Sendable {
    public struct Program: Codable, Sendable {
        public var id: String
        public var title: String
        public var path: String
        public var rules: [String]
    }

    public var ok: Bool
    public var errors: Int
    public var warnings: Int
    public var programs: [Program]
    public var diagnostics: [Diagnostic]

    public init(workspace: Workspace) {
        ok = !workspace.diagnostics.containsErrors
        errors = workspace.diagnostics.errorCount
        warnings = workspace.diagnostics.warningCount
        programs = workspace.policies.map { Program(id: $0.id, title: $0.title, path: $0.path, rules: $0.rules.map(\.id)) }
        diagnostics = workspace.diagnostics.sorted
    }
}

/// JSON with sorted keys and no escaped slashes: byte-identical for the same value.
public enum JSONCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// Whether to colour output and show progress.
public enum Terminal {
    public static func isColorTerminal(stderr: Bool) -> Bool {
        isatty(stderr ? 2 : 1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }
}
