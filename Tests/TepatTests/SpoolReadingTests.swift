import Foundation
import Testing

@testable import Tepat

/// `decisions.csv` is written from windows of the spool: mapped from the page cache, or read into
/// memory where the file cannot be mapped. Both must hand out the file's bytes at any offset,
/// whether a request fits in the current window or straddles its end.
@Suite struct SpoolReadingTests {
    @Test(arguments: [true, false])
    func windowsHoldTheFilesBytes(map: Bool) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-spool-\(UUID().uuidString)").path
        defer { unlink(path) }
        let bytes = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 251) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let spool = try MappedFile(path: path, windowBytes: 8_192, map: map)
        #expect(spool.size == bytes.count)
        var random = SplitMix(seed: 3)
        for _ in 0..<200 {
            let offset = Int(random.next() % UInt64(bytes.count))
            let count = Int(random.next() % UInt64(min(20_000, bytes.count - offset) + 1))
            let window = try #require(spool.window(at: offset, bytes: count))
            #expect(window.contains(offset, bytes: count))
            #expect(Array(window.bytes(at: offset, count: count)) == Array(bytes[offset..<(offset + count)]))
        }
        #expect(spool.window(at: bytes.count - 10, bytes: 11) == nil, "past the end")
        #expect(spool.window(at: -1, bytes: 1) == nil)
    }

    /// A block of mapped runs and finished lines is written in order, through `writev` in batches
    /// of at most 1,024 pieces.
    @Test func aGatheredBlockWritesItsPiecesInOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-gathered-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("spool").path
        let text = Array(String(repeating: "abcdefghij", count: 500).utf8)
        try Data(text).write(to: URL(fileURLWithPath: source))
        let spool = try MappedFile(path: source)
        let window = try #require(spool.window(at: 0, bytes: text.count))
        var block = GatheredBlock()
        block.keep(window)
        var expected: [UInt8] = []
        for i in 0..<2_500 {
            let run = window.bytes(at: i % 4_000, count: 1 + i % 3)
            block.append(mapped: run)
            expected += Array(run)
            let from = block.own.count
            block.own += Array("<\(i)>".utf8)
            block.endOwn(from: from)
            expected += Array("<\(i)>".utf8)
        }
        #expect(block.bytes == expected.count)
        let out = dir.appendingPathComponent("out").path
        let file = try AtomicFile(path: out)
        block.write(to: file)
        try file.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(expected))
    }
}
