import TepatReport

/// What `tepat diff` found: per program, how the candidate policies decide the same population
/// differently from the base policies. Encoded as the JSON output (snake_case keys).
public struct DiffReport: Codable, Sendable {
    public var base: [String]
    public var candidate: [String]
    public var population: String
    /// `--set` values applied to the candidate.
    public var candidateOverrides: [String]
    public var programs: [ProgramDiff]
    /// Programs with no counterpart on the other side.
    public var unpaired: [UnpairedProgram]

    /// True when any subject's decision flipped, in any program.
    public var anyFlip: Bool { programs.contains { $0.flipped > 0 } }
    /// True when anything at all differs: a flip, a changed amount or rule, an unpaired program.
    public var anyChange: Bool { programs.contains { $0.flipped + $0.amountChanged + $0.ruleChanged > 0 } || !unpaired.isEmpty }

    enum CodingKeys: String, CodingKey {
        case base, candidate, population, programs, unpaired
        case candidateOverrides = "candidate_overrides"
    }
}

/// The four decisions, in the order tables show them.
public enum DiffDecision: String, Codable, Sendable, CaseIterable {
    case accepted, waitlisted, rejected, invalid

    /// How good the outcome is for the subject: a flip to a better outcome is caused by the base's
    /// rule no longer holding; a flip to a worse one by the candidate's rule.
    var rank: Int {
        switch self {
        case .accepted: 3
        case .waitlisted: 2
        case .rejected: 1
        case .invalid: 0
        }
    }
}

/// Totals of one side (base or candidate) of a program.
public struct DiffSide: Codable, Sendable, Hashable {
    public var program: String
    public var accepted = 0
    public var waitlisted = 0
    public var rejected = 0
    public var invalid = 0
    /// Sum of the amounts of accepted subjects (rupiah).
    public var amount: Int64 = 0
    public var quota: CapUse?
    public var budget: CapUse?

    mutating func add(_ decision: DiffDecision, amount: Int64) {
        switch decision {
        case .accepted:
            accepted += 1
            self.amount += amount
        case .waitlisted: waitlisted += 1
        case .rejected: rejected += 1
        case .invalid: invalid += 1
        }
    }

    public func count(_ decision: DiffDecision) -> Int {
        switch decision {
        case .accepted: accepted
        case .waitlisted: waitlisted
        case .rejected: rejected
        case .invalid: invalid
        }
    }
}

public struct ProgramDiff: Codable, Sendable {
    /// The base's program id (the candidate's may differ: `jkk-jkm-pekerja-rentan-2026`).
    public var program: String
    public var candidateProgram: String
    public var title: String
    /// `member`, `application`, `household`.
    public var subject: String
    public var subjects = 0
    public var base: DiffSide
    public var candidate: DiffSide
    /// `transitions[from][to]`: subjects decided `from` by the base and `to` by the candidate.
    public var transitions: [String: [String: Int]] = [:]
    /// Subjects whose decision differs.
    public var flipped = 0
    /// Accepted by both, with a different amount.
    public var amountChanged = 0
    /// Same decision, a different rule (rejected by `desil` → by `usia`).
    public var ruleChanged = 0
    /// Candidate cost minus base cost.
    public var costChange: Int64 = 0
    /// Flips grouped by transition and causing rule, most frequent first.
    public var causes: [FlipCause] = []
    public var byKecamatan: [KecamatanDiff] = []
    /// Every flipped subject (up to the report's limit; `flipsOmitted` counts the rest).
    public var flips: [Flip] = []
    public var flipsOmitted = 0

    enum CodingKeys: String, CodingKey {
        case program, title, subject, subjects, base, candidate, transitions, flipped, causes, flips
        case candidateProgram = "candidate_program"
        case amountChanged = "amount_changed"
        case ruleChanged = "rule_changed"
        case costChange = "cost_change"
        case byKecamatan = "by_kecamatan"
        case flipsOmitted = "flips_omitted"
    }

    public func transition(_ from: DiffDecision, _ to: DiffDecision) -> Int { transitions[from.rawValue]?[to.rawValue] ?? 0 }
}

public struct FlipCause: Codable, Sendable, Hashable {
    public var from: DiffDecision
    public var to: DiffDecision
    /// The rule that caused the flip: the base's decisive rule when the outcome improved
    /// (rejected → accepted), the candidate's when it worsened (accepted → rejected).
    public var rule: String
    /// `base` or `candidate`: whose rule it is.
    public var side: String
    public var count: Int
}

public struct KecamatanDiff: Codable, Sendable, Hashable {
    public var kecamatan: String
    public var baseAccepted = 0
    public var candidateAccepted = 0
    /// Flips to accepted.
    public var gained = 0
    /// Flips from accepted.
    public var lost = 0
    public var flipped = 0
    public var baseAmount: Int64 = 0
    public var candidateAmount: Int64 = 0
    public var amountChange: Int64 { candidateAmount - baseAmount }

    enum CodingKeys: String, CodingKey {
        case kecamatan, gained, lost, flipped
        case baseAccepted = "base_accepted"
        case candidateAccepted = "candidate_accepted"
        case baseAmount = "base_amount"
        case candidateAmount = "candidate_amount"
        case amountChange = "amount_change"
    }

    public init(kecamatan: String) { self.kecamatan = kecamatan }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kecamatan = try c.decode(String.self, forKey: .kecamatan)
        baseAccepted = try c.decode(Int.self, forKey: .baseAccepted)
        candidateAccepted = try c.decode(Int.self, forKey: .candidateAccepted)
        gained = try c.decode(Int.self, forKey: .gained)
        lost = try c.decode(Int.self, forKey: .lost)
        flipped = try c.decode(Int.self, forKey: .flipped)
        baseAmount = try c.decode(Int64.self, forKey: .baseAmount)
        candidateAmount = try c.decode(Int64.self, forKey: .candidateAmount)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kecamatan, forKey: .kecamatan)
        try c.encode(baseAccepted, forKey: .baseAccepted)
        try c.encode(candidateAccepted, forKey: .candidateAccepted)
        try c.encode(gained, forKey: .gained)
        try c.encode(lost, forKey: .lost)
        try c.encode(flipped, forKey: .flipped)
        try c.encode(baseAmount, forKey: .baseAmount)
        try c.encode(candidateAmount, forKey: .candidateAmount)
        try c.encode(amountChange, forKey: .amountChange)
    }
}

public struct Flip: Codable, Sendable, Hashable {
    public var householdId: String
    public var personId: String
    public var applicationId: String?
    public var kecamatan: String
    public var from: DiffDecision
    public var to: DiffDecision
    /// The causing rule (see `FlipCause.rule`).
    public var rule: String
    public var baseRule: String
    public var candidateRule: String
    public var baseAmount: Int64
    public var candidateAmount: Int64

    enum CodingKeys: String, CodingKey {
        case kecamatan, from, to, rule
        case householdId = "household_id"
        case personId = "person_id"
        case applicationId = "application_id"
        case baseRule = "base_rule"
        case candidateRule = "candidate_rule"
        case baseAmount = "base_amount"
        case candidateAmount = "candidate_amount"
    }
}

public struct UnpairedProgram: Codable, Sendable, Hashable {
    public var program: String
    /// `base` or `candidate`.
    public var side: String
    public var totals: DiffSide
}
