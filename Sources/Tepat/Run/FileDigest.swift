import Crypto
import Foundation

/// SHA-256 of files, streamed in blocks, for run manifests (and for refusing to explain from a
/// run whose inputs have changed).
enum FileDigest {
    static func sha256(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let data = handle.readData(ofLength: 4 << 20)
            if data.isEmpty { break }
            hasher.update(data: data)
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
