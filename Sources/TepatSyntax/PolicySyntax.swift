import TepatModel

/// A policy file as written: every value located, nothing resolved yet. `TepatCheck` resolves
/// names against the schema and parameters and turns this into a `CheckedPolicy`.
public struct PolicySyntax: Sendable {
    public var source: SourceFile
    public var id: Located<String>?
    public var title: Located<String>?
    public var titleEn: Located<String>?
    public var version: Located<String>?
    public var budgetYear: Located<Int64>?
    public var valid: ValidityPeriod?
    public var subject: Located<String>?
    public var asOf: Located<Day>?
    public var schema: Located<String>?
    public var calendars: [CalendarReference] = []
    public var languages: [Located<String>] = []
    public var reference: Located<String>?
    public var parameters: [ParameterSyntax] = []
    public var rules: [RuleSyntax] = []
    public var benefit: Expr?
    public var allocation: AllocationSyntax?
    public var extends: Located<String>?
    /// Rule ids an extending policy deletes.
    public var remove: [Located<String>] = []
    /// The top-level keys the file sets (an extending policy overrides exactly these).
    public var keys: [Located<String>] = []
    public var range: SourceRange

    public init(source: SourceFile, range: SourceRange) {
        self.source = source
        self.range = range
    }
}

public struct ValidityPeriod: Sendable {
    public var from: Located<Day>
    public var to: Located<Day>
}

public struct CalendarReference: Sendable {
    public var name: Located<String>
    public var path: Located<String>
}

public struct ParameterSyntax: Sendable {
    public var name: Located<String>
    public var value: ParameterValue
    public var declaredType: Located<String>?
    public var description: String?
    public var reference: String?
    public var unit: String?
}

public indirect enum ParameterValue: Sendable {
    case scalar(Expr)
    case list([Expr], SourceRange)
    case map([(key: Located<String>, value: ParameterValue)], SourceRange)
    /// Date-effective: start date → value.
    case dated([(start: Located<Day>, value: ParameterValue)], SourceRange)

    public var range: SourceRange {
        switch self {
        case .scalar(let e): e.range
        case .list(_, let r), .map(_, let r), .dated(_, let r): r
        }
    }
}

public struct RuleSyntax: Sendable {
    public enum Body: Sendable {
        case require(Expr)
        case all([RuleSyntax])
        case any([RuleSyntax])
        /// No usable body (already reported).
        case invalid
    }

    public var id: Located<String>?
    public var title: Located<String>?
    public var reference: Located<String>?
    public var body: Body
    public var reject: LocalizedTemplate?
    public var accept: LocalizedTemplate?
    public var insertBefore: Located<String>?
    public var insertAfter: Located<String>?
    public var range: SourceRange
}

/// A reason text in one or more languages: `reject: "…"` (Indonesian) or `reject: {id: "…", en: "…"}`.
public struct LocalizedTemplate: Sendable {
    public var texts: [(language: Located<String>, template: Template)]
    public var range: SourceRange

    public func template(_ language: Language) -> Template? {
        texts.first { $0.language.value == language.rawValue }?.template
    }
}

public struct AllocationSyntax: Sendable {
    public var order: [OrderKeySyntax] = []
    public var limits: [LimitSyntax] = []
    public var quota: CapSyntax?
    public var budget: CapSyntax?
    /// The keys the file sets (an extending policy overrides exactly these).
    public var keys: [String] = []
    public var range: SourceRange
}

public struct OrderKeySyntax: Sendable {
    public var expr: Expr
    public var descending: Bool
    public var range: SourceRange
}

public struct LimitSyntax: Sendable {
    public var id: Located<String>?
    public var per: Expr?
    public var max: Expr?
    public var reject: LocalizedTemplate?
    public var range: SourceRange
}

public struct CapSyntax: Sendable {
    public var id: Located<String>?
    public var max: Expr?
    public var waitlist: LocalizedTemplate?
    public var range: SourceRange
}
