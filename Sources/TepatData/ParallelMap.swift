import Dispatch

/// `body(0) … body(count - 1)` on all cores, results in index order: parsing chunks is pure, so
/// the result does not depend on the thread count.
func parallelMap<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    if count <= 1 { return count == 1 ? [body(0)] : [] }
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
