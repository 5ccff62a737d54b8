#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TepatData

/// One record of a population file that contains a searched ID: its bytes (with its line end),
/// the 1-based line it starts on, and its byte offset in the file (unique, in file order).
struct RawRecord: Sendable {
    var bytes: [UInt8]
    var line: Int
    var offset: Int
}

/// Finds the records of a CSV or JSON Lines file that contain given byte strings at close to the
/// speed of reading the file, without cutting every record out first.
///
/// The file is mapped into memory and searched for the needles (`NeedleFinder`). Only then are
/// records found, and only around the hits: record ends are found as a run finds them (RFC 4180:
/// a line feed ends a record unless it is inside a quoted field, and a quote opens a quoted field
/// only at the start of a field), but quote by quote rather than record by record — between two
/// quotes every line feed ends a record — and lines are counted with SIMD, both only as far as
/// the last hit. The records that hold a needle are copied out, to be parsed with the file's own
/// `RecordParser`.
enum RawScan {
    /// Scans `path` from its first data record. `through`: only records that start at or before
    /// this byte offset. Returns the records that contain a needle, in file order.
    static func records(
        path: String, format: PopulationFormat, needles: [[UInt8]], through: Int? = nil
    ) throws(PopulationError) -> [RawRecord] {
        let file = try MappedFile(path: path, populate: false)
        let n = file.size
        guard n > 0 else { return [] }
        guard let whole = file.window(at: 0, bytes: n), let p = whole.bytes(at: 0, count: n).baseAddress else {
            throw PopulationError(.readFailed("cannot map or read the file"), path: path)
        }
        defer { withExtendedLifetime(whole) {} }
        guard let data = dataStart(p, n, format: format) else { return [] }
        var end = n
        if let through {
            guard through >= data.offset, through < n else { return [] }
            end = format == .csv ? RecordEnds.recordEnd(p, through, n, atEOF: true)?.next ?? n : (firstIndex(of: RawByte.lf, p, from: through, to: n).map { $0 + 1 } ?? n)
        }
        let finder = NeedleFinder(needles: needles, sample: UnsafeBufferPointer(start: p + data.offset, count: min(n - data.offset, 1 << 20)))
        let hits = finder.find(in: p, from: data.offset, to: end)
        var locator = RecordLocator(p: p, count: n, csv: format == .csv, position: data.offset, line: 1 + data.lines)
        var out: [RawRecord] = []
        var lastStart = -1
        for h in hits {
            let record = locator.record(containing: h)
            guard record.start > lastStart else { continue }
            lastStart = record.start
            out.append(RawRecord(bytes: Array(UnsafeBufferPointer(start: p + record.start, count: record.end - record.start)), line: record.line, offset: record.start))
        }
        return out
    }

    /// Where the data records start, and how many line feeds come before: after a byte order
    /// mark and, for CSV, blank lines and the header record.
    static func dataStart(_ p: UnsafePointer<UInt8>, _ n: Int, format: PopulationFormat) -> (offset: Int, lines: Int)? {
        var i = n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
        guard format == .csv else { return (i, 0) }
        var lines = 0
        while i < n {
            if p[i] == RawByte.lf {
                lines += 1
                i += 1
            } else if p[i] == RawByte.cr, i + 1 < n, p[i + 1] == RawByte.lf {
                lines += 1
                i += 2
            } else {
                break
            }
        }
        guard i < n, let end = RecordEnds.recordEnd(p, i, n, atEOF: true) else { return nil }
        return (end.next, lines + end.lineFeeds)
    }

    static func firstIndex(of byte: UInt8, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let hit = memchr(p + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(p)
    }

    static func lastIndex(of byte: UInt8, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        var i = to - 1
        while i >= from {
            if p[i] == byte { return i }
            i -= 1
        }
        return nil
    }

    /// Line feeds in `p[from..<to]`, sixteen bytes at a time.
    static func countLineFeeds(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var total = 0, i = from
        let raw = UnsafeRawPointer(p)
        let lf = SIMD16<UInt8>(repeating: RawByte.lf)
        let one = SIMD16<UInt8>(repeating: 1), zero = SIMD16<UInt8>(repeating: 0)
        while i + 16 <= to {
            // At most 255 blocks per accumulator, so no lane overflows.
            var acc = zero
            var k = 0
            while k < 255, i + 16 <= to {
                acc &+= zero.replacing(with: one, where: raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self) .== lf)
                i += 16
                k += 1
            }
            total += acc.indices.reduce(0) { $0 + Int(acc[$1]) }
        }
        while i < to {
            if p[i] == RawByte.lf { total += 1 }
            i += 1
        }
        return total
    }
}

/// Finds the record around a byte offset, for offsets in increasing order, walking forward from
/// a known record start (and counting lines) only as far as needed.
struct RecordLocator {
    let p: UnsafePointer<UInt8>
    let count: Int
    let csv: Bool
    /// A record start, and its line.
    var position: Int
    var line: Int
    /// The first quote at or after `position` (cached; `count` when there is none).
    var nextQuote = -1

    init(p: UnsafePointer<UInt8>, count: Int, csv: Bool, position: Int, line: Int) {
        self.p = p
        self.count = count
        self.csv = csv
        self.position = position
        self.line = line
    }

    /// Moves to the record start `to` (a record start at or after `position`).
    private mutating func advance(to next: Int) {
        line += RawScan.countLineFeeds(p, from: position, to: next)
        position = next
    }

    /// The record containing offset `h` (at or after `position`): its bounds and first line.
    mutating func record(containing h: Int) -> (start: Int, end: Int, line: Int) {
        while true {
            if csv, nextQuote < position { nextQuote = RawScan.firstIndex(of: RawByte.quote, p, from: position, to: count) ?? count }
            if !csv || nextQuote > h {
                // No quote between here and h: every line feed before h ends a record.
                let start = RawScan.lastIndex(of: RawByte.lf, p, from: position, to: h).map { $0 + 1 } ?? position
                advance(to: start)
                let end = csv ? RecordEnds.recordEnd(p, start, count, atEOF: true)?.next ?? count
                    : (RawScan.firstIndex(of: RawByte.lf, p, from: h, to: count).map { $0 + 1 } ?? count)
                return (start, end, line)
            }
            // The record holding the quote: h may be inside it, or after it.
            let start = RawScan.lastIndex(of: RawByte.lf, p, from: position, to: nextQuote).map { $0 + 1 } ?? position
            advance(to: start)
            let end = RecordEnds.recordEnd(p, start, count, atEOF: true)?.next ?? count
            if h < end { return (start, end, line) }
            advance(to: end)
        }
    }
}

/// RFC 4180 record ends, exactly as `tepat run` finds them.
enum RecordEnds {
    struct End {
        /// Just past the record's line feed (or the end of the data).
        var next: Int
        /// Line feeds in the record, its own included.
        var lineFeeds: Int
    }

    /// The end of the record starting at `start` (not a blank line); nil when the data ends first
    /// and more may follow. The same state machine as the population reader's.
    static func recordEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, atEOF: Bool) -> End? {
        var i = start
        var lineFeeds = 0
        func count(_ from: Int, _ to: Int) -> Int {
            var c = 0
            for k in from..<max(from, to) where p[k] == RawByte.lf { c += 1 }
            return c
        }
        while true {
            if i < end, p[i] == RawByte.quote {
                var j = i + 1
                while true {
                    var q = j
                    while q < end, p[q] != RawByte.quote { q += 1 }
                    if q == end {
                        guard atEOF else { return nil }
                        return End(next: end, lineFeeds: lineFeeds + count(j, end))
                    }
                    lineFeeds += count(j, q)
                    if q + 1 == end, !atEOF { return nil }
                    if q + 1 < end, p[q + 1] == RawByte.quote {
                        j = q + 2
                        continue
                    }
                    i = q + 1
                    break
                }
            }
            while i < end {
                let c = p[i]
                if c == RawByte.comma { break }
                if c == RawByte.lf { return End(next: i + 1, lineFeeds: lineFeeds + 1) }
                i += 1
            }
            if i == end { return atEOF ? End(next: end, lineFeeds: lineFeeds) : nil }
            i += 1
        }
    }
}

/// Bytes the population reader treats specially.
enum RawByte {
    static let lf: UInt8 = 10
    static let cr: UInt8 = 13
    static let quote: UInt8 = 34
    static let comma: UInt8 = 44
}
