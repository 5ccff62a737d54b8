import TepatModel
import TepatSyntax

/// A policy that passed the checker: every name resolved, every expression typed, parameters
/// folded. Immutable and `Sendable`; compiled once by `TepatEval` and shared by all threads.
public struct CheckedPolicy: Sendable {
    /// The program id (`jkk-jkm-pekerja-rentan`).
    public var id: String
    public var title: String
    public var titleEn: String?
    public var version: String?
    public var budgetYear: Int64
    public var asOf: Day
    public var valid: (from: Day, to: Day)?
    public var path: String
    public var schema: Schema
    public var subject: Int
    public var languages: [Language]
    public var calendars: [WorkCalendar]
    public var parameters: [CheckedParameter]
    /// All rules in declaration order, groups before their children (pre-order).
    public var rules: [CheckedRule]
    /// Indices in `rules` of the top-level rules, in order.
    public var topLevel: [Int]
    public var benefit: TypedExpr?
    public var allocation: CheckedAllocation?
    public var aggregates: [CheckedAggregate]
    /// Every string constant the policy compares with (seeded into string pools before reading data).
    public var stringConstants: [String]
    /// Files the policy was assembled from (itself, the policies it extends), for manifests.
    public var files: [String]

    public var subjectEntity: Entity { schema.entities[subject] }

    public func rule(named id: String) -> Int? { rules.firstIndex { $0.id == id } }
}

public struct CheckedParameter: Sendable {
    public var name: String
    public var value: TypedExpr
    public var range: SourceRange
    public var description: String?
    public var reference: String?
    /// Set when the value was chosen among date-effective values: the start of the period in force.
    public var effectiveFrom: Day?
}

public struct CheckedRule: Sendable {
    public enum Kind: Sendable {
        case require(TypedExpr)
        /// Children: indices in `CheckedPolicy.rules`.
        case all([Int])
        case any([Int])
    }

    public var id: String
    public var title: String?
    public var reference: String?
    public var kind: Kind
    public var parent: Int?
    public var reject: CheckedTemplate?
    public var accept: CheckedTemplate?
    /// The line of the rule's `id:` in its policy file, for explanations.
    public var range: SourceRange
    /// The fields the condition reads (for "the values this rule saw").
    public var reads: [FieldPath]

    public var isGroup: Bool {
        if case .require = kind { return false }
        return true
    }

    public var children: [Int] {
        switch kind {
        case .require: []
        case .all(let c), .any(let c): c
        }
    }
}

/// A reason text per language.
public struct CheckedTemplate: Sendable {
    public enum Segment: Sendable {
        case text(String)
        case value(TypedExpr)
    }

    public var texts: [Language: [Segment]]
    public var range: SourceRange

    /// The text in `language`, falling back to Indonesian.
    public func segments(_ language: Language) -> [Segment] {
        texts[language] ?? texts[.id] ?? texts.values.first ?? []
    }
}

public struct CheckedAllocation: Sendable {
    public struct OrderKey: Sendable {
        public var expr: TypedExpr
        public var descending: Bool
    }

    public struct Limit: Sendable {
        public var id: String
        public var per: TypedExpr
        public var max: Int64
        public var reject: CheckedTemplate?
        public var range: SourceRange
    }

    public struct Cap: Sendable {
        public var id: String
        public var max: Int64
        public var waitlist: CheckedTemplate?
        public var range: SourceRange
    }

    public var order: [OrderKey]
    public var limits: [Limit]
    public var quota: Cap?
    public var budget: Cap?
}

/// `count(household.members where cond)`: evaluated per host record before the subjects are.
public struct CheckedAggregate: Sendable {
    public var kind: AggregateKind
    /// From the subject (or aggregate root) to the record that owns the collection.
    public var host: LinkPath
    /// The collection on the host entity.
    public var collection: Int
    /// The entity counted (the collection's records).
    public var element: Int
    /// The link in `element` that points back at the host.
    public var backLink: Int
    public var condition: TypedExpr?
    public var text: String
}

extension CheckedPolicy {
    /// Per entity, the stored fields the policy reads anywhere: conditions, reason texts, the
    /// benefit, allocation order and limits. Nil for a policy with aggregates (their reads are
    /// not walked): a reader then keeps every field. Runs use it to keep only the columns some
    /// policy needs; the others are still validated, just not stored.
    public var fieldsReadByEntity: [Set<Int>]? {
        guard aggregates.isEmpty else { return nil }
        var read = [Set<Int>](repeating: [], count: schema.entities.count)
        var exprs: [TypedExpr] = []
        var templates: [CheckedTemplate] = []
        for rule in rules {
            if case .require(let condition) = rule.kind { exprs.append(condition) }
            templates += [rule.reject, rule.accept].compactMap { $0 }
        }
        if let benefit { exprs.append(benefit) }
        if let allocation {
            exprs += allocation.order.map(\.expr) + allocation.limits.map(\.per)
            templates += allocation.limits.compactMap(\.reject) + [allocation.quota?.waitlist, allocation.budget?.waitlist].compactMap { $0 }
        }
        for template in templates {
            for segments in template.texts.values {
                for case .value(let e) in segments { exprs.append(e) }
            }
        }
        for e in exprs {
            for path in e.fieldsRead where path.links.entity < read.count { read[path.links.entity].insert(path.field) }
        }
        return read
    }
}
