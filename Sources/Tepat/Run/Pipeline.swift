import Foundation

/// The sequential stages of a streamed run, taken off the main thread so that they overlap the
/// parallel evaluation instead of leaving a core idle while they run: the next chunks are read
/// and parsed ahead (`Prefetch`), and each evaluated chunk is merged in order behind
/// (`OrderedStage`). Work still happens in input order, so the output does not depend on timing.
/// With one job there is no extra thread: everything runs inline, as before.

/// Work run in submission order on one background thread, at most `depth` items behind.
///
/// The closures touch state (the programs of a run) that is not `Sendable`; the caller keeps the
/// rule that makes this safe: between `submit` and `drain`, only the stage touches that state.
final class OrderedStage: @unchecked Sendable {
    private let queue: DispatchQueue?
    private let slots: DispatchSemaphore

    /// `inline` runs each item on the caller's thread at once (one job: no extra thread).
    init(depth: Int, inline: Bool) {
        queue = inline ? nil : DispatchQueue(label: "tepat.ordered-stage")
        slots = DispatchSemaphore(value: max(1, depth))
    }

    func submit(_ work: @escaping () -> Void) {
        guard let queue else { return work() }
        let item = UncheckedBox(work)
        slots.wait()
        queue.async { [slots] in
            item.value()
            slots.signal()
        }
    }

    /// Returns once every submitted item has run.
    func drain() {
        queue?.sync {}
    }
}

/// Produces items on a background thread, at most `depth` ahead of the consumer.
final class Prefetch<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []
    private var finished = false
    private var cancelled = false
    private let depth: Int

    /// Starts `produce` on a background thread; it hands items to `put`, which returns false once
    /// the consumer has stopped listening (then `produce` should return).
    init(depth: Int, produce: @escaping (Prefetch<Item>) -> Void) {
        self.depth = max(1, depth)
        let box = UncheckedBox(produce)
        Thread.detach { [self] in
            box.value(self)
            condition.locked {
                finished = true
                condition.broadcast()
            }
        }
    }

    /// Hands over one item, waiting while `depth` are already waiting; false if cancelled.
    func put(_ item: Item) -> Bool {
        condition.locked {
            while items.count >= depth && !cancelled { condition.wait() }
            guard !cancelled else { return false }
            items.append(item)
            condition.broadcast()
            return true
        }
    }

    /// The next item, or nil once the producer has finished and everything was taken.
    func next() -> Item? {
        condition.locked {
            while items.isEmpty && !finished { condition.wait() }
            guard !items.isEmpty else { return nil }
            condition.broadcast()
            return items.removeFirst()
        }
    }

    /// Stops the producer (its next `put` returns false) and waits for it to end.
    func cancel() {
        condition.locked {
            cancelled = true
            items.removeAll()
            condition.broadcast()
            while !finished { condition.wait() }
        }
    }
}

/// A value moved to another thread by a caller that guarantees no one else uses it meanwhile.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension NSCondition {
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

extension Thread {
    /// Runs `body` on a new thread.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Runs `first` and `second` at the same time (with one job, one after the other) and waits
/// for both. The two must not touch the same mutable state.
func bothAtOnce<A, B>(
    _ concurrently: Bool, _ first: () throws(RunError) -> A, _ second: () throws(RunError) -> B
) throws(RunError) -> (A, B) {
    guard concurrently else { return (try first(), try second()) }
    let results = PairOfResults<A, B>()
    // `concurrentPerform` returns after both iterations: the closures do not outlive this call.
    withoutActuallyEscaping(first) { first in
        withoutActuallyEscaping(second) { second in
            let jobs = UncheckedBox((first, second))
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                if i == 0 {
                    results.first = Result { () throws(RunError) in try jobs.value.0() }
                } else {
                    results.second = Result { () throws(RunError) in try jobs.value.1() }
                }
            }
        }
    }
    guard let a = results.first, let b = results.second else { throw RunError("internal error: a concurrent stage did not finish") }
    return (try a.get(), try b.get())
}

/// Two results, each written by one iteration of `concurrentPerform`, read after it returns.
private final class PairOfResults<A, B>: @unchecked Sendable {
    var first: Result<A, RunError>?
    var second: Result<B, RunError>?
}
