import TepatModel

/// What a population run found, per program: the data behind `summary.json`, the summary table
/// on standard output and `report.html`. Built by the run pipeline; rendered at the edge.
public struct RunSummary: Codable, Sendable, Hashable {
    public var tool: String
    public var toolVersion: String
    /// The population folder as given.
    public var population: String
    public var programs: [ProgramSummary]

    public init(tool: String = "tepat", toolVersion: String, population: String, programs: [ProgramSummary]) {
        self.tool = tool
        self.toolVersion = toolVersion
        self.population = population
        self.programs = programs
    }
}

public struct DecisionCounts: Codable, Sendable, Hashable {
    public var accepted = 0
    public var rejected = 0
    public var waitlisted = 0
    public var invalid = 0

    public init(accepted: Int = 0, rejected: Int = 0, waitlisted: Int = 0, invalid: Int = 0) {
        self.accepted = accepted
        self.rejected = rejected
        self.waitlisted = waitlisted
        self.invalid = invalid
    }

    public var total: Int { accepted + rejected + waitlisted + invalid }
}

/// Use of a quota (persons) or a budget (rupiah).
public struct CapUse: Codable, Sendable, Hashable {
    /// The rule id of the cap (`kuota`, `anggaran`).
    public var id: String
    public var max: Int64
    public var used: Int64
    public var left: Int64

    public init(id: String, max: Int64, used: Int64) {
        self.id = id
        self.max = max
        self.used = used
        self.left = max - used
    }
}

/// How many subjects a rule decided (rejected, or waitlisted for caps; accepted for `any` branches).
public struct RuleCount: Codable, Sendable, Hashable {
    public var rule: String
    public var title: String?
    public var decision: String
    public var count: Int

    public init(rule: String, title: String?, decision: String, count: Int) {
        self.rule = rule
        self.title = title
        self.decision = decision
        self.count = count
    }
}

/// Decisions of the subjects of one area (kecamatan).
public struct GroupCounts: Codable, Sendable, Hashable {
    public var name: String
    public var decisions: DecisionCounts
    public var amount: Int64

    public init(name: String, decisions: DecisionCounts, amount: Int64) {
        self.name = name
        self.decisions = decisions
        self.amount = amount
    }
}

/// The funnel: how many subjects are still in after each top-level rule, in order.
public struct FunnelStep: Codable, Sendable, Hashable {
    public var rule: String
    public var title: String?
    /// Subjects that passed this rule and every rule before it.
    public var passed: Int

    public init(rule: String, title: String?, passed: Int) {
        self.rule = rule
        self.title = title
        self.passed = passed
    }
}

public struct ProgramSummary: Codable, Sendable, Hashable {
    public var program: String
    public var title: String
    /// The subject entity (`member`, `application`, `household`).
    public var subject: String
    public var asOf: String
    public var budgetYear: Int64
    public var policyVersion: String?
    /// Subject rows in the input, invalid ones included.
    public var subjects: Int
    public var decisions: DecisionCounts
    /// Decisions per household (as in households.csv).
    public var households: DecisionCounts
    /// Total benefit of the accepted subjects, in rupiah.
    public var amount: Int64
    public var quota: CapUse?
    public var budget: CapUse?
    public var byRule: [RuleCount]
    /// The field the areas come from (`household.kecamatan`), when the schema has one.
    public var groupedBy: String?
    public var byKecamatan: [GroupCounts]
    /// Starts with every valid subject (`rule` = "") then one step per top-level rule.
    public var funnel: [FunnelStep]

    public init(
        program: String, title: String, subject: String, asOf: String, budgetYear: Int64, policyVersion: String?, subjects: Int,
        decisions: DecisionCounts, households: DecisionCounts, amount: Int64, quota: CapUse?, budget: CapUse?, byRule: [RuleCount],
        groupedBy: String?, byKecamatan: [GroupCounts], funnel: [FunnelStep]
    ) {
        self.program = program
        self.title = title
        self.subject = subject
        self.asOf = asOf
        self.budgetYear = budgetYear
        self.policyVersion = policyVersion
        self.subjects = subjects
        self.decisions = decisions
        self.households = households
        self.amount = amount
        self.quota = quota
        self.budget = budget
        self.byRule = byRule
        self.groupedBy = groupedBy
        self.byKecamatan = byKecamatan
        self.funnel = funnel
    }
}
