import Foundation

/// An output file written under a temporary name and renamed into place when complete, so a
/// run killed half way never leaves a half-written file under its final name.
final class AtomicFile {
    let path: String
    let temporary: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var bytesWritten: Int64 = 0

    init(path: String) throws(RunError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw RunError("cannot write \(temporary)")
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        bytesWritten += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and renames into place.
    func commit() throws(RunError) {
        flush()
        try? handle.close()
        if rename(temporary, path) != 0 {
            throw RunError("cannot move \(temporary) to \(path)")
        }
    }

    /// Removes the temporary file (on failure).
    func discard() {
        try? handle.close()
        unlink(temporary)
    }

    static func write(_ text: String, to path: String) throws(RunError) {
        let file = try AtomicFile(path: path)
        file.write(text)
        try file.commit()
    }
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
