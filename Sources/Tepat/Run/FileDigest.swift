import CTepatSystem
import Crypto
import Foundation

/// SHA-256 of files, streamed in blocks, for run manifests (and for refusing to explain from a
/// run whose inputs have changed).
enum FileDigest {
    static func sha256(_ path: String) -> String? {
        var hasher = SHA256()
        guard hashMapped(path, into: &hasher) ?? hashRead(path, into: &hasher) else { return nil }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Hashes the file through read-only mappings of the page cache, a window at a time: reading
    /// it into a buffer first cost a kernel copy of every byte (0.2 s of CPU for a 1M-household
    /// population, on the cores the run is evaluating with). The window is unmapped before the
    /// next: a mapped page counts in the process's resident memory. Nil when mapping fails.
    private static func hashMapped(_ path: String, into hasher: inout SHA256) -> Bool? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        let size = Int(info.st_size)
        let window = 16 << 20  // a multiple of the page size
        var offset = 0
        while offset < size {
            let length = min(window, size - offset)
            guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(offset)), base != MAP_FAILED else {
                // Nothing hashed yet: the caller may read the file instead.
                return offset == 0 ? nil : false
            }
            _ = madvise(base, length, Int32(MADV_SEQUENTIAL))
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: length))
            munmap(base, length)
            offset += length
        }
        return true
    }

    private static func hashRead(_ path: String, into hasher: inout SHA256) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        while true {
            let data = handle.readData(ofLength: 4 << 20)
            if data.isEmpty { return true }
            hasher.update(data: data)
        }
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
