/// A problem found in a policy, schema, calendar or data file, as a value: what, where, how bad,
/// and what to do about it. Stages collect diagnostics; rendering happens at the edge
/// (`DiagnosticRenderer`, or JSON through `Codable`).
public struct Diagnostic: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case error, warning, note

        private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// A secondary message, possibly pointing at another place ("first defined here").
    public struct Note: Sendable, Hashable, Codable {
        public var message: String
        public var range: SourceRange?

        public init(_ message: String, at range: SourceRange? = nil) {
            self.message = message
            self.range = range
        }
    }

    public var severity: Severity
    /// A stable identifier such as `check.unknown-field`, for tests, editors and documentation.
    public var code: String
    /// Lowercase, no final period, user input in backticks.
    public var message: String
    public var range: SourceRange?
    public var notes: [Note]
    /// A one-line suggestion ("did you mean `desil`?"), shown under the caret.
    public var help: String?

    public init(
        _ severity: Severity, _ code: String, _ message: String, at range: SourceRange?,
        notes: [Note] = [], help: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.range = range
        self.notes = notes
        self.help = help
    }

    public static func error(_ code: String, _ message: String, at range: SourceRange?, notes: [Note] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(.error, code, message, at: range, notes: notes, help: help)
    }

    public static func warning(_ code: String, _ message: String, at range: SourceRange?, notes: [Note] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(.warning, code, message, at: range, notes: notes, help: help)
    }
}

/// An ordered collection of diagnostics that answers "any errors?" and sorts for printing.
public struct DiagnosticSet: Sendable, Hashable, Codable, Error {
    public private(set) var items: [Diagnostic] = []

    public init(_ items: [Diagnostic] = []) { self.items = items }

    /// Adds `diagnostic` unless the very same one (place, message, notes) is already here: a
    /// rule inherited by another policy is checked again with it, and its error is one error.
    public mutating func append(_ diagnostic: Diagnostic) {
        if !items.contains(diagnostic) { items.append(diagnostic) }
    }
    public mutating func append(contentsOf other: DiagnosticSet) { append(contentsOf: other.items) }
    public mutating func append(contentsOf other: [Diagnostic]) {
        for diagnostic in other { append(diagnostic) }
    }

    public var containsErrors: Bool { items.contains { $0.severity == .error } }
    public var errorCount: Int { items.count { $0.severity == .error } }
    public var warningCount: Int { items.count { $0.severity == .warning } }
    public var isEmpty: Bool { items.isEmpty }

    /// By file, then position, then severity: the order a person reads a file in.
    public var sorted: [Diagnostic] {
        items.enumerated().sorted { a, b in
            let ra = a.element.range, rb = b.element.range
            if ra?.path != rb?.path { return (ra?.path ?? "") < (rb?.path ?? "") }
            if let sa = ra?.start, let sb = rb?.start, sa != sb { return sa < sb }
            if a.element.severity != b.element.severity { return a.element.severity < b.element.severity }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Throws `self` when there is at least one error.
    public func throwOnError() throws(DiagnosticSet) {
        if containsErrors { throw self }
    }
}
