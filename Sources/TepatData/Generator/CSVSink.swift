#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
import CTepatSystem
import TepatModel

/// A temporary file that becomes `finalPath` only when `commit()` renames it, so a reader never
/// sees a half-written population, and an interrupted run leaves the previous files intact.
/// A class so that an abandoned file is closed and removed whatever path the code takes out.
final class AtomicFile {
    let finalPath: String
    let temporaryPath: String
    private var handle: UnsafeMutablePointer<FILE>?

    init(folder: String, name: String) throws(GeneratorError) {
        finalPath = folder + "/" + name
        temporaryPath = folder + "/." + name + ".partial"
        guard let handle = fopen(temporaryPath, "wb") else {
            throw AtomicFile.failure(temporaryPath, "create")
        }
        self.handle = handle
    }

    func write(_ bytes: [UInt8]) throws(GeneratorError) {
        guard let handle, !bytes.isEmpty else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == bytes.count else { throw AtomicFile.failure(temporaryPath, "write") }
    }

    func commit() throws(GeneratorError) {
        guard let handle else { return }
        self.handle = nil
        guard fclose(handle) == 0 else {
            unlink(temporaryPath)
            throw AtomicFile.failure(temporaryPath, "close")
        }
        guard tepat_replace_file(temporaryPath, finalPath) == 0 else {
            let error = AtomicFile.failure(finalPath, "rename \(temporaryPath) to")
            unlink(temporaryPath)
            throw error
        }
    }

    deinit {
        if let handle {
            fclose(handle)
            unlink(temporaryPath)
        }
    }

    private static func failure(_ path: String, _ operation: String) -> GeneratorError {
        .io(path: path, operation: operation, message: String(cString: strerror(errno)))
    }
}

/// Rows are built as bytes in a buffer that is flushed about every megabyte: no `String` per
/// field, no whole file in memory. Everything the generator writes is ASCII, so there is no
/// encoding step.
struct CSVSink {
    static let flushThreshold = 1 << 20

    var bytes: [UInt8] = []
    let file: AtomicFile
    private(set) var rows = 0

    init(folder: String, name: String, header: StaticString) throws(GeneratorError) {
        file = try AtomicFile(folder: folder, name: name)
        bytes.reserveCapacity(CSVSink.flushThreshold + 4096)
        append(header)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Ends the current row; `row` counts data rows.
    @inline(__always)
    mutating func endRow() throws(GeneratorError) {
        bytes.append(UInt8(ascii: "\n"))
        rows += 1
        if bytes.count >= CSVSink.flushThreshold { try flush() }
    }

    mutating func flush() throws(GeneratorError) {
        try file.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func commit() throws(GeneratorError) {
        try flush()
        try file.commit()
    }

    var count: Int { bytes.count }

    // MARK: fields

    @inline(__always)
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    @inline(__always)
    mutating func byte(_ value: UInt8) { bytes.append(value) }

    @inline(__always)
    mutating func append(_ flag: Bool) { append(flag ? "true" : "false") }

    /// `value` in exactly `width` decimal digits, zero-padded.
    @inline(__always)
    mutating func digits(_ value: UInt64, width: Int) {
        let start = bytes.count
        for _ in 0..<width { bytes.append(48) }
        var rest = value
        var i = start + width - 1
        while i >= start {
            bytes[i] = 48 &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            i -= 1
        }
    }

    /// A non-negative integer without padding.
    mutating func integer(_ value: Int) {
        var width = 1
        var limit = 10
        while value >= limit, width < 19 {
            width += 1
            limit &*= 10
        }
        digits(UInt64(value), width: width)
    }

    /// `YYYY-MM-DD`.
    @inline(__always)
    mutating func date(_ day: Day) {
        let c = day.civil
        date(year: c.year, month: c.month, day: c.day)
    }

    /// `YYYY-MM-DD` from parts, which need not make a real date (dirty rows).
    mutating func date(year: Int, month: Int, day: Int) {
        digits(UInt64(year), width: 4)
        byte(UInt8(ascii: "-"))
        digits(UInt64(month), width: 2)
        byte(UInt8(ascii: "-"))
        digits(UInt64(day), width: 2)
    }

    /// Cuts the row being built (which started at `rowStart`) back to its first `fields` fields:
    /// a short row. Commas inside quoted fields do not count.
    mutating func truncateRow(from rowStart: Int, keepingFields fields: Int) {
        var seen = 0
        var quoted = false
        var i = rowStart
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if bytes[i] == UInt8(ascii: ","), !quoted {
                seen += 1
                if seen == fields {
                    bytes.removeSubrange(i...)
                    return
                }
            }
            i += 1
        }
    }

    /// Appends a copy of the bytes from `rowStart` to the end (a duplicate row), after a newline.
    mutating func repeatRow(from rowStart: Int) throws(GeneratorError) {
        let copy = Array(bytes[rowStart...])
        try endRow()
        bytes.append(contentsOf: copy)
    }
}
