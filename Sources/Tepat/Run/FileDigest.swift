import CTepatSystem
import Crypto
import Foundation

/// SHA-256 of files, streamed in blocks, for run manifests (and for refusing to explain from a
/// run whose inputs have changed).
enum FileDigest {
    /// Hashed through mapped windows of the page cache (`MappedFile`): reading the file into a
    /// buffer first cost a kernel copy of every byte (0.2 s of CPU for a 1M-household population,
    /// on the cores the run is evaluating with).
    static func sha256(_ path: String) -> String? {
        let window = 16 << 20
        guard let file = try? MappedFile(path: path, windowBytes: window) else { return nil }
        var hasher = SHA256()
        var offset = 0
        while offset < file.size {
            let count = min(window, file.size - offset)
            guard let held = file.window(at: offset, bytes: count) else { return nil }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(held.bytes(at: offset, count: count)))
            offset += count
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// SHA-256 of the population files, computed on a background thread while the run reads them:
/// the main thread links and merges in order, so a core is usually free, and the manifest no
/// longer waits for half a gigabyte to be hashed at the end.
final class PendingDigests: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [String: String] = [:]
    private var done = false

    init(paths: [String]) {
        let thread = Thread { [self] in
            // Only on a core nothing else wants: the run keeps both cores busy but for moments
            // (waiting on a chunk, on a merge), and the hashing fits in those.
            _ = tepat_run_when_idle()
            var computed: [String: String] = [:]
            for path in paths { computed[path] = FileDigest.sha256(path) }
            condition.lock()
            results = computed
            done = true
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    /// The digest of `path` (waiting for the thread), or nil when it was not asked for or unreadable.
    func digest(_ path: String) -> String? {
        condition.lock()
        defer { condition.unlock() }
        while !done { condition.wait() }
        return results[path]
    }
}
