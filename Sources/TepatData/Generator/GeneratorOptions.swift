import TepatModel

/// What to generate. The same `(households, seed, dirty, asOf)` always gives byte-identical files.
public struct GeneratorOptions: Sendable {
    /// Number of households (family cards). With the desil mix used, 100,000 households hold about
    /// 85,000 in desil 1–4, close to Kota Tangerang's real pool of 84,602.
    public var households: Int
    public var seed: UInt64
    /// Inject the faults real exports have (see `FaultInjector`): about 0.5 % of the rows.
    public var dirty: Bool
    /// Reference date: ages, the DTKS period (the month before) and the death and filing windows
    /// are derived from it.
    public var asOf: Day

    public static let defaultAsOf = Day(ordinal: 20_148)  // 2025-03-01

    public init(households: Int = 100_000, seed: UInt64 = 1, dirty: Bool = false, asOf: Day = GeneratorOptions.defaultAsOf) {
        self.households = households
        self.seed = seed
        self.dirty = dirty
        self.asOf = asOf
    }
}

/// What was written: data rows per file (header excluded; duplicate rows injected by `dirty`
/// included), and how many of those rows carry an injected fault.
public struct GeneratorReport: Sendable, Equatable {
    public var households: Int
    public var members: Int
    public var applications: Int
    public var dirtyRows: Int

    public init(households: Int, members: Int, applications: Int, dirtyRows: Int) {
        self.households = households
        self.members = members
        self.applications = applications
        self.dirtyRows = dirtyRows
    }
}

/// Why generation stopped. Nothing is left behind on failure: files are written to temporary
/// names and renamed only when all three are complete.
public enum GeneratorError: Error, Sendable, CustomStringConvertible {
    case invalidOptions(String)
    case io(path: String, operation: String, message: String)
    /// More than 9,999 numbers share one counter (far beyond any realistic population size).
    case identityNumbersExhausted

    public var description: String {
        switch self {
        case .invalidOptions(let message): "invalid generator options: \(message)"
        case .io(let path, let operation, let message): "\(path): cannot \(operation): \(message)"
        case .identityNumbersExhausted: "too many identity numbers for one sequence counter"
        }
    }
}
