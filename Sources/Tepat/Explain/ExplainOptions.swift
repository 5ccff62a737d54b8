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

    public init(
        population: String = Workspace.defaultPopulationPath, run: String? = nil, language: Language = .id,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.population = population
        self.run = run
        self.language = language
        self.jobs = max(1, jobs)
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
