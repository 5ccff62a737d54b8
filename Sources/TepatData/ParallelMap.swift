import Dispatch

/// `body(0) … body(count - 1)` on all cores (or one thread when `jobs` is 1), results in index
/// order: the work is pure, so the result does not depend on the thread count.
public func parallelMap<T: Sendable>(_ count: Int, jobs: Int = 2, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    if count <= 1 || jobs <= 1 { return (0..<count).map(body) }
    let results = ResultSlots<T>(count)
    DispatchQueue.concurrentPerform(iterations: count) { i in results.set(i, body(i)) }
    return results.take()
}

/// One slot per index; each is written by exactly one iteration, then read after all have ended.
private final class ResultSlots<T>: @unchecked Sendable {
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
