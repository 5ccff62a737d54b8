import Foundation
import Testing

@testable import Tepat

/// The stages that take a streamed run's sequential work off the main thread must keep input
/// order, stop cleanly when the consumer stops early, and report errors from either side.
@Suite struct PipelineTests {
    /// Appends from a stage's thread, read after `drain`.
    final class Log: @unchecked Sendable {
        var items: [Int] = []
    }

    @Test(arguments: [false, true])
    func orderedStageRunsItemsInSubmissionOrder(inline: Bool) {
        let stage = OrderedStage(depth: 2, inline: inline)
        let log = Log()
        for i in 0..<500 {
            stage.submit {
                if i % 50 == 0 { usleep(1000) }  // a slow item must not let a later one pass it
                log.items.append(i)
            }
        }
        stage.drain()
        #expect(log.items == Array(0..<500))
    }

    @Test(arguments: [1, 2, 5])
    func prefetchHandsOverEveryItemInOrder(depth: Int) {
        let ahead = Prefetch<Int>(depth: depth) { prefetch in
            for i in 0..<1000 where !prefetch.put(i) { return }
        }
        var got: [Int] = []
        while let i = ahead.next() { got.append(i) }
        ahead.cancel()
        #expect(got == Array(0..<1000))
    }

    @Test func prefetchStopsItsProducerWhenTheConsumerStops() {
        let produced = Log()
        let ahead = Prefetch<Int>(depth: 2) { prefetch in
            for i in 0..<1_000_000 {
                guard prefetch.put(i) else { return }
                produced.items.append(i)
            }
        }
        #expect(ahead.next() == 0)
        #expect(ahead.next() == 1)
        ahead.cancel()  // returns only once the producer has returned
        #expect(produced.items.count < 10)
    }

    @Test(arguments: [false, true])
    func bothAtOnceReturnsBothResultsOrTheFirstError(concurrently: Bool) throws {
        let (a, b) = try bothAtOnce(concurrently, { () throws(RunError) -> Int in 6 * 7 }, { () throws(RunError) -> String in "tepat" })
        #expect(a == 42 && b == "tepat")
        #expect(throws: RunError.self) {
            _ = try bothAtOnce(concurrently, { () throws(RunError) -> Int in 1 }, { () throws(RunError) -> Int in throw RunError("no room") })
        }
        #expect(throws: RunError.self) {
            _ = try bothAtOnce(concurrently, { () throws(RunError) -> Int in throw RunError("no room") }, { () throws(RunError) -> Int in 2 })
        }
    }
}
