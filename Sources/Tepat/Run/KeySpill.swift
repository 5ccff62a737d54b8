import Foundation
import TepatData
import TepatModel

/// Keys written to a scratch file with the line that named them, in file order: the exact record
/// that a Bloom filter of the keys cannot keep. It is read back once, at the end of a streamed
/// run, for the few keys the filter left in doubt.
final class KeySpill {
    private let file: AtomicFile

    init(path: String) throws(RunError) {
        file = try AtomicFile(path: path)
    }

    /// Appends a chunk's `(key, line)` pairs, 16 bytes each (`append(_:line:to:)`).
    func write(_ pairs: [UInt8]) {
        file.write(bytes: pairs)
    }

    static func append(_ key: Int64, line: Int, to pairs: inout [UInt8]) {
        pairs.appendRaw(key)
        pairs.appendRaw(Int64(line))
    }

    /// The first line each of `keys` was written with (keys never written are absent). Ends the
    /// writing: the scratch file is closed and read back in blocks.
    func firstLines(of keys: Set<Int64>) throws(RunError) -> [Int64: Int] {
        try file.commit()
        guard !keys.isEmpty else { return [:] }
        // Nearly every key read is not one of the few asked for: a filter answers most of them
        // from the cache, before the set hashes.
        var filter = SeenKeys(expectedKeys: keys.count)
        for key in keys { _ = filter.insert(key) }
        let reader: BlockReader
        do { reader = try BlockReader(path: file.path, blockSize: 1 << 20) } catch { throw RunError(error.message(.en)) }
        var found: [Int64: Int] = [:]
        repeat {
            do { try reader.fill() } catch { throw RunError(error.message(.en)) }
            let pairs = (reader.count - reader.start) / 16
            let base = UnsafeRawPointer(reader.data + reader.start)
            for p in 0..<pairs {
                let key = base.loadUnaligned(fromByteOffset: p * 16, as: Int64.self)
                guard filter.mightContain(key), keys.contains(key), found[key] == nil else { continue }
                found[key] = Int(base.loadUnaligned(fromByteOffset: p * 16 + 8, as: Int64.self))
            }
            reader.start += pairs * 16
        } while !reader.atEOF
        return found
    }

    /// Deletes the scratch file (written or not).
    func remove() {
        file.discard()
        unlink(file.path)
    }
}
