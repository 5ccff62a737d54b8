import Foundation
import TepatModel

/// How `tepat run` reads, evaluates and writes.
public struct RunOptions: Sendable {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    public var population: String
    public var output: String
    /// Threads used for parsing and evaluation; the output is the same whatever the count.
    public var jobs: Int
    /// Stop at the first invalid input row (exit 2) instead of reporting it as `invalid`.
    public var failOnError: Bool
    public var format: Format
    /// The language of the reasons in `decisions.csv` and `households.csv`.
    public var language: Language
    /// Records per chunk read and parsed at once.
    public var batchSize: Int
    /// Load households whole instead of streaming them through a window (the way a schema that
    /// cannot stream is run; tests compare the two).
    public var loadWhole = false
    /// Records per in-memory run of allocation's external sorts; nil for the default (16 MB of
    /// records). Tests make it tiny so that every sort writes and merges several runs.
    var sortRunRecords: Int?
    /// Keys the No. KK and NIK filters of a streamed run are sized for; nil sizes them from the
    /// files. Tests make them tiny, so that most keys are *perhaps* seen and settled at the end.
    var keyFilterKeys: Int?

    public init(
        population: String = Workspace.defaultPopulationPath, output: String = "out",
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, failOnError: Bool = false, format: Format = .csv,
        language: Language = .id, batchSize: Int = 32_768
    ) {
        self.population = population
        self.output = output
        self.jobs = max(1, jobs)
        self.failOnError = failOnError
        self.format = format
        self.language = language
        self.batchSize = max(64, batchSize)
    }
}

/// Why a run could not produce its outputs. `exitCode` follows DESIGN.md: 1 for problems in the
/// policies, 2 when the input could not be used.
public struct RunError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 2) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}

/// Progress of a run, reported after each batch.
public struct RunProgress: Sendable {
    public var rowsRead: Int
    public var bytesRead: Int64
    public var bytesTotal: Int64
    public var elapsed: Double
}
