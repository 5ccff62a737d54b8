import TepatData

/// Work split over threads with results in index order: the output never depends on the
/// thread count.
enum Parallel {
    static func map<T: Sendable>(_ count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        parallelMap(count, jobs: jobs, body)
    }

    /// Splits `0..<count` into at most `parts` contiguous ranges of near-equal size.
    static func ranges(_ count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        guard count > 0 else { return [] }
        return (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
    }
}
