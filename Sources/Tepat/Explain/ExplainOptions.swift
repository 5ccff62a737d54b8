import Foundation
import TepatModel
import TepatReport

/// How `tepat explain` finds and explains one ID.
public struct ExplainOptions: Sendable {
    /// The population folder.
    public var population: String
    /// A previous run's output folder to read allocation results from (`--run DIR`); nil to compute
    /// them when a decision needs them.
    public var run: String?
    public var language: Language
    /// Threads for the whole-population run that allocation may need.
    public var jobs: Int
    /// Read the ID as a No. KK or as a NIK; nil: a No. KK when a household has it as its key.
    /// (KK numbers and NIKs are both 16 digits, and one can equal the other.)
    public var kind: Explanation.Kind?

    public init(
        population: String = Workspace.defaultPopulationPath, run: String? = nil, language: Language = .id,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, kind: Explanation.Kind? = nil
    ) {
        self.population = population
        self.run = run
        self.language = language
        self.jobs = max(1, jobs)
        self.kind = kind
    }
}

/// A failure inside the explain pipeline; becomes an `ExplanationFailure` at the edge.
struct ExplainError: Error {
    var kind: ExplanationFailure.Kind
    var message: String
    var dataErrors: [DataError] = []

    init(_ kind: ExplanationFailure.Kind, _ message: String, dataErrors: [DataError] = []) {
        self.kind = kind
        self.message = message
        self.dataErrors = dataErrors
    }
}
