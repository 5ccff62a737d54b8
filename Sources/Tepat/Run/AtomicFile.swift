import CTepatSystem
import Foundation

/// An output file written under a temporary name and renamed into place when complete, so a
/// run killed half way never leaves a half-written file under its final name.
final class AtomicFile {
    let path: String
    let temporary: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var failed = false
    private var closed = false
    private var committed = false

    private func closeOnce() {
        guard !closed else { return }
        closed = true
        close(fd)
    }
    private(set) var bytesWritten: Int64 = 0

    init(path: String) throws(RunError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError("cannot write \(temporary)") }
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    /// Appends `bytes`; a large piece (a spool slice, a block of decision lines) goes straight to
    /// the file rather than through the buffer, saving a copy of every byte of a big output.
    func write(bytes: [UInt8]) {
        if bytes.count >= 256 << 10 {
            flush()
            bytes.withUnsafeBytes { writeAll($0) }
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    /// Appends the bytes `vectors` point to, in order, with `writev(2)` (used up: partly written
    /// vectors are advanced in place).
    func write(vectors: inout [iovec]) {
        flush()
        var first = 0
        var total = 0
        for v in vectors { total += v.iov_len }
        while first < vectors.count, !failed {
            let n = vectors.withUnsafeBufferPointer { writev(fd, $0.baseAddress! + first, Int32(min(vectors.count - first, 1024))) }
            if n <= 0 {
                if n < 0, errno == EINTR { continue }
                failed = true
                return
            }
            var left = n
            while first < vectors.count, left >= vectors[first].iov_len {
                left -= vectors[first].iov_len
                first += 1
            }
            if left > 0 {
                vectors[first].iov_base += left
                vectors[first].iov_len -= left
            }
        }
        bytesWritten += Int64(total)
    }

    /// Writes the buffer out with `write(2)` (no `Data` copy of hundreds of megabytes).
    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let n = writeBytes(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failed = true
                return
            }
            offset += n
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Flushes, closes and moves into place (`tepat_replace_file`: no writeback forced by
    /// replacing a previous run's file).
    func commit() throws(RunError) {
        flush()
        closeOnce()
        if failed { throw RunError("cannot write \(temporary) (disk full?)") }
        if tepat_replace_file(temporary, path) != 0 {
            throw RunError("cannot move \(temporary) to \(path)")
        }
        committed = true
    }

    /// Removes the temporary file (on failure).
    func discard() {
        closeOnce()
        unlink(temporary)
    }

    /// A file let go without `commit()` (a run that failed half way) leaves nothing behind.
    deinit {
        if !committed { discard() }
    }

    static func write(_ text: String, to path: String) throws(RunError) {
        let file = try AtomicFile(path: path)
        file.write(text)
        try file.commit()
    }
}

/// `write(2)`, named apart from `AtomicFile.write`.
private func writeBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// RFC 4180 output: a field is quoted when it holds a comma, a quote or a line break.
enum CSV {
    static func field(_ text: String) -> String {
        var needs = false
        for byte in text.utf8 where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
            needs = true
            break
        }
        guard needs else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}
