import Foundation
import Testing

@testable import TepatAllocate

/// The external sorter must give exactly what an in-memory stable sort gives, whether the
/// records fit in one run, need one merge, or need several merge passes.
@Suite struct ExternalSortTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var count: Int
        var words: Int
        var runRecords: Int
        var fanIn: Int
        var primary: Int?
        /// Values are drawn below this, so small ranges give many equal records.
        var range: UInt64
        var seed: UInt64
        /// Values are multiplied by this: large values with few distinct ones need more than the
        /// 64 bits of a packed sort key, so equal keys are only a tie on a prefix.
        var scale: UInt64 = 1

        var testDescription: String {
            "\(count) records of \(words) words, runs of \(runRecords), fan-in \(fanIn), primary \(primary.map(String.init) ?? "none"), values < \(range) × \(scale)"
        }
    }

    static let cases: [Case] = [
        Case(count: 0, words: 3, runRecords: 8, fanIn: 4, primary: 0, range: 10, seed: 1),
        Case(count: 1, words: 3, runRecords: 8, fanIn: 4, primary: 0, range: 10, seed: 2),
        Case(count: 500, words: 4, runRecords: 1_000, fanIn: 4, primary: 0, range: 20, seed: 3),
        Case(count: 1_000, words: 3, runRecords: 64, fanIn: 64, primary: 0, range: 50, seed: 4),
        Case(count: 2_500, words: 5, runRecords: 100, fanIn: 3, primary: 2, range: 1_000, seed: 5),
        Case(count: 777, words: 2, runRecords: 7, fanIn: 2, primary: nil, range: 10, seed: 6),
        Case(count: 4_096, words: 6, runRecords: 512, fanIn: 8, primary: 1, range: .max, seed: 7),
        Case(count: 300, words: 1, runRecords: 16, fanIn: 5, primary: 0, range: 3, seed: 8),
        Case(count: 3_000, words: 3, runRecords: 1_000, fanIn: 4, primary: 0, range: 5, seed: 9, scale: 1 << 50),
    ]

    /// `background`: runs sorted and written on the spill queue while records are appended.
    /// `leading`: the order given as leading words compared in place (`compare` must not be
    /// called), for the cases whose order is plain word by word.
    @Test(arguments: cases, [(false, false), (true, false), (false, true)])
    func sortsAsAStableInMemorySortDoes(_ c: Case, mode: (background: Bool, leading: Bool)) throws {
        let (background, leading) = mode
        if leading, c.primary != nil, c.primary != 0 { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-sort-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var random = SplitMix(seed: c.seed)
        // The last word holds the append index, which the order ignores (so stability shows).
        let w = c.words + 1
        var records: [[UInt64]] = []
        for i in 0..<c.count {
            var r = (0..<c.words).map { _ in c.range == .max ? random.next() : (random.next() % c.range) &* c.scale }
            r.append(UInt64(i))
            records.append(r)
        }
        let compareWords = c.words
        let sorter = ExternalSort(
            words: w, primary: c.primary, path: dir.appendingPathComponent(".sort").path, runRecords: c.runRecords, fanIn: c.fanIn,
            background: background, leadingWords: leading ? compareWords : nil
        ) { a, b in
            if leading { Issue.record("compare called with leading words") }
            for i in 0..<compareWords where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            return 0
        }
        for r in records { r.withUnsafeBufferPointer { sorter.append(copying: $0.baseAddress!) } }
        #expect(sorter.count == c.count)
        let sorted = try sorter.sorted()
        var got: [[UInt64]] = []
        while let r = try sorted.next() { got.append(Array(UnsafeBufferPointer(start: r, count: w))) }
        let expected = records.indices.sorted { i, j in
            let a = records[i], b = records[j]
            if let p = c.primary, a[p] != b[p] { return a[p] < b[p] }
            for k in 0..<compareWords where a[k] != b[k] { return a[k] < b[k] }
            return i < j
        }.map { records[$0] }
        #expect(got == expected)
        #expect(sorted.count == c.count)
        // Scratch files are unlinked as soon as they are opened.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func aSorterCannotBeReadTwice() throws {
        let sorter = ExternalSort(words: 1, primary: 0, path: "/nonexistent/.sort") { _, _ in 0 }
        sorter.append { $0[0] = 1 }
        _ = try sorter.sorted()
        #expect(throws: ScratchFileError.self) { try sorter.sorted() }
    }

    @Test(arguments: [false, true])
    func aRunThatCannotBeWrittenIsReportedWhenSorted(background: Bool) {
        let sorter = ExternalSort(words: 1, primary: 0, path: "/nonexistent-folder/.sort", runRecords: 2, background: background) { _, _ in 0 }
        for i in 0..<5 { sorter.append { $0[0] = UInt64(i) } }
        #expect(sorter.failure != nil)
        #expect(throws: ScratchFileError.self) { try sorter.sorted() }
    }
}
