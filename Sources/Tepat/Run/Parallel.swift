import Dispatch

/// `body(0) … body(count - 1)` on up to `jobs` threads, results in index order: the output never
/// depends on the thread count.
enum Parallel {
    static func map<T: Sendable>(_ count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        if count <= 1 || jobs <= 1 { return (0..<count).map(body) }
        let slots = Slots<T>(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, body(i)) }
        return slots.take()
    }

    /// Splits `0..<count` into at most `parts` contiguous ranges of near-equal size.
    static func ranges(_ count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        guard count > 0 else { return [] }
        return (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
    }
}

/// One slot per index, each written by exactly one iteration and read after all have ended —
/// the invariant that makes the unchecked `Sendable` sound.
private final class Slots<T>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<T?>

    init(_ count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ i: Int, _ value: T) { slots[i] = value }

    func take() -> [T] { slots.map { $0! } }
}
