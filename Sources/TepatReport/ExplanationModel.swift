import TepatModel

/// The answer of `tepat explain` for one ID, as data: rendered as text for officers
/// (`ExplanationText`) or as JSON for other systems (`ExplanationJSON`, documented field by field
/// in `docs/explain-json.md`). Texts inside (reasons, suggested changes) are in `language`.
public struct Explanation: Codable, Sendable, Hashable {
    public static let formatName = "tepat-explain/1"

    public enum Kind: String, Codable, Sendable, Hashable {
        /// The ID is a No. KK: every member, every program.
        case household
        /// The ID is a NIK: that person, in every program where they are the subject or the deceased of an application.
        case person
    }

    /// Always `tepat-explain/1` for this shape.
    public var format: String
    public var id: String
    public var kind: Kind
    public var language: Language
    /// The population folder as given.
    public var population: String
    /// Where ranks and cut-offs came from, when a decision needed the allocation.
    public var allocationSource: AllocationSource?
    /// The household (for a No. KK; for a NIK, the person's household when it is valid).
    public var household: HouseholdInfo?
    /// The person (for a NIK).
    public var person: MemberInfo?
    /// One line per program (for a household: how many members were accepted).
    public var summary: [SummaryLine]
    public var programs: [ProgramExplanation]
    /// Every invalid input row found for the ID, with what is wrong.
    public var dataErrors: [DataError]
    /// When the number is also the other kind of ID (a No. KK that is also someone's NIK): that
    /// kind, and a note saying how to ask about it (`--as`).
    public var alsoKind: Kind?
    public var alsoText: String?

    public init(
        id: String, kind: Kind, language: Language, population: String, allocationSource: AllocationSource?, household: HouseholdInfo?,
        person: MemberInfo?, summary: [SummaryLine], programs: [ProgramExplanation], dataErrors: [DataError]
    ) {
        format = Self.formatName
        self.id = id
        self.kind = kind
        self.language = language
        self.population = population
        self.allocationSource = allocationSource
        self.household = household
        self.person = person
        self.summary = summary
        self.programs = programs
        self.dataErrors = dataErrors
    }
}

/// How the allocation (ranks, cut-offs) was obtained.
public struct AllocationSource: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        /// The whole population was run for this answer.
        case computed
        /// Read from a previous run (`--run DIR`) whose manifest matches the files given.
        case run
    }

    public var kind: Kind
    /// The run folder, for `run`.
    public var run: String?

    public init(kind: Kind, run: String?) {
        self.kind = kind
        self.run = run
    }
}

public struct HouseholdInfo: Codable, Sendable, Hashable {
    public var householdId: String
    /// Every field of the household record, as read (`city_code`, `kecamatan`, `desil`, …).
    public var fields: [FieldValue]
    /// The DTKS data period (`dtks_period`) as `YYYY-MM`, and for people.
    public var dataPeriod: String?
    public var dataPeriodText: String?
    /// `households.csv:2`.
    public var location: String
    public var members: [MemberInfo]

    public init(householdId: String, fields: [FieldValue], dataPeriod: String?, dataPeriodText: String?, location: String, members: [MemberInfo]) {
        self.householdId = householdId
        self.fields = fields
        self.dataPeriod = dataPeriod
        self.dataPeriodText = dataPeriodText
        self.location = location
        self.members = members
    }

    public func field(_ name: String) -> FieldValue? { fields.first { $0.name == name } }
}

public struct MemberInfo: Codable, Sendable, Hashable {
    public var personId: String
    public var householdId: String
    public var name: String?
    public var relationship: String?
    /// `members.csv:57`.
    public var location: String
    /// False when the member's row is invalid (see `dataErrors`).
    public var valid: Bool

    public init(personId: String, householdId: String, name: String?, relationship: String?, location: String, valid: Bool) {
        self.personId = personId
        self.householdId = householdId
        self.name = name
        self.relationship = relationship
        self.location = location
        self.valid = valid
    }
}

/// A value read from the data or a policy: `value` as machines read it, `display` as people do.
public struct FieldValue: Codable, Sendable, Hashable {
    public var name: String
    public var value: String
    public var display: String

    public init(name: String, value: String, display: String) {
        self.name = name
        self.value = value
        self.display = display
    }
}

public struct SummaryLine: Codable, Sendable, Hashable {
    public var program: String
    public var title: String
    public var subjects: Int
    public var accepted: Int
    public var waitlisted: Int
    public var rejected: Int
    public var invalid: Int
    /// `Bantuan iuran JKK dan JKM …: 1 dari 4 anggota diterima`.
    public var text: String

    public init(program: String, title: String, subjects: Int, accepted: Int, waitlisted: Int, rejected: Int, invalid: Int, text: String) {
        self.program = program
        self.title = title
        self.subjects = subjects
        self.accepted = accepted
        self.waitlisted = waitlisted
        self.rejected = rejected
        self.invalid = invalid
        self.text = text
    }
}

public struct ProgramExplanation: Codable, Sendable, Hashable {
    public var program: String
    public var title: String
    public var version: String?
    public var budgetYear: Int64
    /// The policy's reference date, `YYYY-MM-DD`.
    public var asOf: String
    /// The policy file (the first of `files` is the policy itself; the rest, policies it extends).
    public var files: [String]
    /// The subject entity (`member`, `application`).
    public var subject: String
    public var subjects: [SubjectExplanation]

    public init(
        program: String, title: String, version: String?, budgetYear: Int64, asOf: String, files: [String],
        subject: String, subjects: [SubjectExplanation]
    ) {
        self.program = program
        self.title = title
        self.version = version
        self.budgetYear = budgetYear
        self.asOf = asOf
        self.files = files
        self.subject = subject
        self.subjects = subjects
    }
}

public enum DecisionKind: String, Codable, Sendable, Hashable {
    case accepted, rejected, waitlisted, invalid
}

public struct SubjectExplanation: Codable, Sendable, Hashable {
    /// The subject's own key (NIK, application number).
    public var key: String
    public var personId: String
    public var householdId: String
    public var applicationId: String?
    public var name: String?
    /// `members.csv:57`.
    public var location: String
    public var decision: DecisionKind
    /// The decisive rule: the first failing rule, the `any` branch that accepted, or the
    /// allocation step (quota, budget, limit); empty when every rule passed and nothing decided.
    public var rule: String
    public var ruleTitle: String?
    /// `path:line` of the decisive rule.
    public var ruleLocation: String?
    public var reason: String
    /// The benefit in rupiah (0 unless accepted), and for people.
    public var amount: Int64
    public var amountText: String
    /// The `any` branch that let the subject in.
    public var acceptedBy: String?
    public var allocation: AllocationInfo?
    /// Every rule, in order.
    public var rules: [RuleExplanation]
    public var counterfactual: CounterfactualInfo?
    /// The DTKS data period of the subject's household, `YYYY-MM`, and for people.
    public var dataPeriod: String?
    public var dataPeriodText: String?
    /// For an invalid subject: the data errors that made it invalid.
    public var dataErrors: [DataError]

    public init(
        key: String, personId: String, householdId: String, applicationId: String?, name: String?, location: String,
        decision: DecisionKind, rule: String, ruleTitle: String?, ruleLocation: String?, reason: String, amount: Int64,
        amountText: String, acceptedBy: String?, allocation: AllocationInfo?, rules: [RuleExplanation],
        counterfactual: CounterfactualInfo?, dataPeriod: String?, dataPeriodText: String?, dataErrors: [DataError]
    ) {
        self.key = key
        self.personId = personId
        self.householdId = householdId
        self.applicationId = applicationId
        self.name = name
        self.location = location
        self.decision = decision
        self.rule = rule
        self.ruleTitle = ruleTitle
        self.ruleLocation = ruleLocation
        self.reason = reason
        self.amount = amount
        self.amountText = amountText
        self.acceptedBy = acceptedBy
        self.allocation = allocation
        self.rules = rules
        self.counterfactual = counterfactual
        self.dataPeriod = dataPeriod
        self.dataPeriodText = dataPeriodText
        self.dataErrors = dataErrors
    }
}

/// What allocation decided for an eligible subject.
public struct AllocationInfo: Codable, Sendable, Hashable {
    public enum Step: String, Codable, Sendable, Hashable {
        /// Accepted within the quota and budget.
        case accepted
        /// Rejected by a limit (`satu_per_kk`).
        case limit
        /// Waitlisted: the quota was full.
        case quota
        /// Waitlisted: the budget was used up.
        case budget
    }

    public var step: Step
    /// The id of the limit, quota or budget.
    public var id: String?
    /// The subject's place in the priority order among those not stopped by a limit (as in the
    /// waitlist text), when known.
    public var rank: Int?
    /// The rank of the last subject accepted: everyone up to it was accepted.
    public var cutoff: Int?
    public var quota: Int64?
    public var budget: Int64?
    /// Rupiah or places used by the accepted subjects.
    public var used: Int64?
    /// For a limit: the subjects of the same group (household, deceased) that were kept.
    public var kept: [KeptSubject]
    /// The reason the run wrote.
    public var reason: String

    public init(
        step: Step, id: String?, rank: Int?, cutoff: Int?, quota: Int64?, budget: Int64?, used: Int64?, kept: [KeptSubject], reason: String
    ) {
        self.step = step
        self.id = id
        self.rank = rank
        self.cutoff = cutoff
        self.quota = quota
        self.budget = budget
        self.used = used
        self.kept = kept
        self.reason = reason
    }
}

public struct KeptSubject: Codable, Sendable, Hashable {
    public var key: String
    public var name: String?
    public var decision: DecisionKind

    public init(key: String, name: String?, decision: DecisionKind) {
        self.key = key
        self.name = name
        self.decision = decision
    }
}

public enum OutcomeKind: String, Codable, Sendable, Hashable {
    case pass, fail
    case notAssessed = "not_assessed"
}

public struct RuleExplanation: Codable, Sendable, Hashable {
    public var id: String
    public var title: String?
    /// 0 for top-level rules, 1 for children of a group, …
    public var depth: Int
    /// `require`, `all` or `any`.
    public var kind: String
    public var outcome: OutcomeKind
    /// True for the rule that decided the subject.
    public var decisive: Bool
    /// `path:line` of the rule in its policy file.
    public var location: String
    public var file: String
    public var line: Int
    public var reference: String?
    /// The condition as written (`require` rules).
    public var condition: String?
    public var checks: [CheckExplanation]

    public init(
        id: String, title: String?, depth: Int, kind: String, outcome: OutcomeKind, decisive: Bool, location: String, file: String, line: Int,
        reference: String?, condition: String?, checks: [CheckExplanation]
    ) {
        self.id = id
        self.title = title
        self.depth = depth
        self.kind = kind
        self.outcome = outcome
        self.decisive = decisive
        self.location = location
        self.file = file
        self.line = line
        self.reference = reference
        self.condition = condition
        self.checks = checks
    }
}

public struct CheckExplanation: Codable, Sendable, Hashable {
    public var text: String
    public var outcome: OutcomeKind
    public var values: [CheckValue]

    public init(text: String, outcome: OutcomeKind, values: [CheckValue]) {
        self.text = text
        self.outcome = outcome
        self.values = values
    }
}

public struct CheckValue: Codable, Sendable, Hashable {
    /// As written: `household.desil`, `desil_maks`, `age_on(as_of)`.
    public var name: String
    /// `data`, `computed`, `parameter`, `builtin` or `constant`.
    public var role: String
    public var value: String
    public var display: String

    public init(name: String, role: String, value: String, display: String) {
        self.name = name
        self.role = role
        self.value = value
        self.display = display
    }
}

public struct CounterfactualInfo: Codable, Sendable, Hashable {
    /// The failing top-level rules: every one must pass.
    public var blocking: [String]
    /// Top-level rules not assessed because a value they need is missing.
    public var notAssessed: [String]
    /// Failing top-level rules that only read a linked record that does not exist (the deceased's
    /// household when the deceased is not found); decided again once a blocking rule passes.
    public var unreadable: [String]
    /// One blocking rule and nothing left undecided.
    public var singleBlocker: Bool
    /// `Hanya terhalang aturan desil (Desil DTKS).`
    public var text: String
    public var remedies: [RemedyInfo]

    public init(blocking: [String], notAssessed: [String], unreadable: [String], singleBlocker: Bool, text: String, remedies: [RemedyInfo]) {
        self.blocking = blocking
        self.notAssessed = notAssessed
        self.unreadable = unreadable
        self.singleBlocker = singleBlocker
        self.text = text
        self.remedies = remedies
    }
}

public struct RemedyInfo: Codable, Sendable, Hashable {
    public var rule: String
    public var title: String?
    /// Alternatives, best first; all changes of one alternative are needed.
    public var options: [[ChangeInfo]]

    public init(rule: String, title: String?, options: [[ChangeInfo]]) {
        self.rule = rule
        self.title = title
        self.options = options
    }
}

public struct ChangeInfo: Codable, Sendable, Hashable {
    /// The `require` rule and the check (as written) that would pass.
    public var rule: String
    public var check: String
    /// The value that must change, as written (`household.desil`, `age_on(as_of)`), and for people (`desil`, `usia`).
    public var target: String
    public var label: String
    public var current: String
    public var currentDisplay: String
    public var need: NeedInfo
    /// The passing value nearest to the current one.
    public var nearest: String?
    public var nearestDisplay: String?
    /// For an age that is too low: the date (`YYYY-MM-DD`) from which the age is reached.
    public var qualifiesFrom: String?
    /// The value can never reach what is needed (an age above the maximum).
    public var never: Bool
    /// `correctable` (the resident can have it updated at `source`) or `fixed` (cannot change;
    /// only a wrong record can be corrected).
    public var correction: String
    /// The schema's `source` of the data: `dtks`, `dukcapil`, `bpjs`, `permohonan`.
    public var source: String?
    /// The stored fields behind the value, and the `source` of each.
    public var fields: [String]
    public var sources: [String?]
    /// The change in one sentence: `desil perlu ≤ 4, saat ini 6`.
    public var text: String
    /// Where and whether it can be corrected, in one sentence.
    public var whereText: String

    public init(
        rule: String, check: String, target: String, label: String, current: String, currentDisplay: String, need: NeedInfo,
        nearest: String?, nearestDisplay: String?, qualifiesFrom: String?, never: Bool, correction: String, source: String?,
        fields: [String], sources: [String?], text: String, whereText: String
    ) {
        self.rule = rule
        self.check = check
        self.target = target
        self.label = label
        self.current = current
        self.currentDisplay = currentDisplay
        self.need = need
        self.nearest = nearest
        self.nearestDisplay = nearestDisplay
        self.qualifiesFrom = qualifiesFrom
        self.never = never
        self.correction = correction
        self.source = source
        self.fields = fields
        self.sources = sources
        self.text = text
        self.whereText = whereText
    }
}

public struct NeedInfo: Codable, Sendable, Hashable {
    /// `<=`, `<`, `>=`, `>`, `==`, `!=`, `between`, `in`, `not in`, `present`, `absent`, `is`, `holds`.
    public var op: String
    public var values: [String]
    public var display: [String]

    public init(op: String, values: [String], display: [String]) {
        self.op = op
        self.values = values
        self.display = display
    }
}

/// An input row that could not be used.
public struct DataError: Codable, Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: String?
    public var value: String?
    /// What is wrong, in the explanation's language.
    public var problem: String
    /// The whole message: `Data tidak valid: members.csv baris 57, kolom birth_date = "2025-02-30": tanggal tidak ada`.
    public var text: String

    public init(file: String, line: Int, column: String?, value: String?, problem: String, text: String) {
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        self.problem = problem
        self.text = text
    }
}

/// Why no explanation could be given (`tepat explain` exits 1 or 2).
public struct ExplanationFailure: Codable, Sendable, Hashable, Error {
    public enum Kind: String, Codable, Sendable, Hashable {
        /// Not 16 digits.
        case malformedId = "malformed_id"
        /// Not in the population.
        case unknownId = "unknown_id"
        /// Found only on invalid rows: `dataErrors` says what is wrong with them.
        case onlyInvalid = "only_invalid"
        /// `--run DIR` was made from other policy or population files.
        case runMismatch = "run_mismatch"
        /// The population, a policy or the run folder could not be used.
        case input
    }

    public var format: String
    public var id: String
    public var error: Kind
    public var message: String
    public var dataErrors: [DataError]

    public init(id: String, error: Kind, message: String, dataErrors: [DataError] = []) {
        format = Explanation.formatName
        self.id = id
        self.error = error
        self.message = message
        self.dataErrors = dataErrors
    }

    /// 1 for an ID that cannot be explained, 2 for input that cannot be used.
    public var exitCode: Int32 { error == .input || error == .runMismatch ? 2 : 1 }
}
