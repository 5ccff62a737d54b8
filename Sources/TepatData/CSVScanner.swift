/// RFC 4180 at the byte level, in one place so that cutting chunks (`CSVScan.recordEnd`) and
/// splitting records into fields (`CSVSplitter`) agree on where every record ends.
///
/// The rules: a field that *starts* with `"` is quoted and runs to the next `"` not doubled;
/// inside it commas and newlines are data. A quote anywhere else is a stray quote, kept as data
/// but the record is `badQuoting`; text after a closing quote is likewise kept and flagged, and
/// the field ends at the next comma or newline, so one bad row never swallows the next. Records
/// end at LF; a CR just before it (or before the end of the file) is dropped. A line with no
/// bytes (or just CR) is blank and is not a record. Only a quote that is never closed runs to the
/// end of the file, as RFC 4180 demands.
enum CSVScan {
    /// Where one record ends.
    struct End {
        /// Index just past the record and its line feed.
        var next: Int
        /// Line feeds inside quoted fields.
        var innerNewlines: Int
        /// False when the record ends at the end of the data without a line feed.
        var terminated: Bool
    }

    /// Whether the line starting at `i` is blank; nil when more bytes are needed to know.
    /// On true, `next` is the start of the following line.
    @inline(__always)
    static func blankLine(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, atEOF: Bool) -> (blank: Bool, next: Int)? {
        let c = p[i]
        if c == RawByte.lf { return (true, i + 1) }
        if c == RawByte.cr {
            if i + 1 < end { return p[i + 1] == RawByte.lf ? (true, i + 2) : (false, i) }
            return atEOF ? (true, end) : nil
        }
        return (false, i)
    }

    /// The end of the (non-blank) record starting at `start`, or nil when the data ends first and
    /// more may follow (`atEOF == false`). `nextQuote` caches the position of the next `"` at or
    /// after the previous record (or `end` when there is none) so that quote-free records cost
    /// one `memchr` for the line feed.
    @inline(__always)
    static func recordEnd(
        _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, atEOF: Bool, nextQuote: inout Int
    ) -> End? {
        let nl = findByte(RawByte.lf, p, from: start, to: end)
        if nextQuote < start { nextQuote = findByte(RawByte.quote, p, from: start, to: end) }
        if nextQuote >= nl {
            if nl < end { return End(next: nl + 1, innerNewlines: 0, terminated: true) }
            return atEOF ? End(next: end, innerNewlines: 0, terminated: false) : nil
        }
        return quotedRecordEnd(p, start, end, atEOF: atEOF)
    }

    /// The full state machine, for records that contain a quote.
    static func quotedRecordEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, atEOF: Bool) -> End? {
        var i = start
        var newlines = 0
        while true {
            // At the start of a field.
            if i < end, p[i] == RawByte.quote {
                var j = i + 1
                while true {
                    let q = findByte(RawByte.quote, p, from: j, to: end)
                    if q == end {
                        // Never closed: the record runs to the end of the file.
                        guard atEOF else { return nil }
                        return End(next: end, innerNewlines: newlines + countLineFeeds(p, from: j, to: end), terminated: false)
                    }
                    newlines += countLineFeeds(p, from: j, to: q)
                    if q + 1 == end, !atEOF { return nil }  // a doubled quote may follow
                    if q + 1 < end, p[q + 1] == RawByte.quote {
                        j = q + 2
                        continue
                    }
                    i = q + 1
                    break
                }
            }
            // Unquoted text (or text after a closing quote) up to a comma or line feed.
            while i < end {
                let c = p[i]
                if c == RawByte.comma { break }
                if c == RawByte.lf { return End(next: i + 1, innerNewlines: newlines, terminated: true) }
                i += 1
            }
            if i == end {
                return atEOF ? End(next: end, innerNewlines: newlines, terminated: false) : nil
            }
            i += 1  // past the comma
        }
    }
}

/// One field of a record: bytes in the chunk, or in the splitter's scratch when quotes were undoubled.
struct FieldSpan {
    var start: UnsafePointer<UInt8>
    var count: Int

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }
}

/// Splits records of one chunk into fields without allocating per record.
struct CSVSplitter: ~Copyable {
    let p: UnsafePointer<UInt8>
    let end: Int
    /// Field spans of the current record.
    private(set) var fields: UnsafeMutablePointer<FieldSpan>
    private(set) var fieldCount = 0
    private var fieldCapacity: Int
    /// Whether the current record has a stray quote, text after a closing quote, or an open quote.
    private(set) var badQuoting = false
    /// The index of the first field with a quoting problem (-1 when none).
    private(set) var badField = -1
    /// Unescaped quoted fields (`""` → `"`). Allocated on first need with room for twice the chunk
    /// (a field can be copied twice: unescaped, then joined with text after its closing quote), so
    /// spans into it stay valid for the whole record.
    private var scratch: UnsafeMutablePointer<UInt8>?
    private var scratchUsed = 0
    /// The 64-byte block whose masks are cached (-1: none), bit i standing for byte `blockBase + i`.
    private var blockBase = -1
    private var blockCommas: UInt64 = 0
    private var blockStops: UInt64 = 0

    init(_ p: UnsafePointer<UInt8>, count: Int) {
        self.p = p
        self.end = count
        fieldCapacity = 32
        fields = .allocate(capacity: fieldCapacity)
    }

    deinit {
        fields.deallocate()
        scratch?.deallocate()
    }

    @inline(__always)
    private mutating func append(_ start: UnsafePointer<UInt8>, _ count: Int) {
        if fieldCount == fieldCapacity {
            let bigger = UnsafeMutablePointer<FieldSpan>.allocate(capacity: fieldCapacity * 2)
            bigger.moveInitialize(from: fields, count: fieldCount)
            fields.deallocate()
            fields = bigger
            fieldCapacity *= 2
        }
        (fields + fieldCount).initialize(to: FieldSpan(start: start, count: count))
        fieldCount += 1
    }

    @inline(__always)
    func field(_ i: Int) -> FieldSpan { fields[i] }

    /// Marks the field about to be appended as badly quoted.
    private mutating func flagBadQuoting() {
        if !badQuoting {
            badQuoting = true
            badField = fieldCount
        }
    }

    private mutating func scratchBase() -> UnsafeMutablePointer<UInt8> {
        if let scratch { return scratch }
        let s = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * end + 16)
        scratch = s
        return s
    }

    private mutating func copyToScratch(_ from: Int, _ to: Int) {
        guard to > from else { return }
        let s = scratchBase()
        (s + scratchUsed).update(from: p + from, count: to - from)
        scratchUsed += to - from
    }

    /// Splits the non-blank record starting at `start` (see `CSVScan.blankLine`).
    ///
    /// The common case, a record without quotes, is scanned 64 bytes at a time: eight words are
    /// tested for commas, line feeds and quotes at once (SWAR) into one bit per byte, and the
    /// masks are kept for the next record, which usually starts in the same block. Fields are
    /// then cut at the set bits, with no per-byte branch. A quote sends the record to the full
    /// state machine.
    mutating func split(from start: Int) -> CSVScan.End {
        fieldCount = 0
        badQuoting = false
        badField = -1
        scratchUsed = 0
        var fieldStart = start
        var base = start & ~63
        var nl = end
        if base &+ 64 <= end {
            if blockBase != base { loadBlock(base) }
            var commas = blockCommas & (UInt64.max << UInt64(start &- base))
            var stops = blockStops & (UInt64.max << UInt64(start &- base))
            while true {
                if stops != 0 {
                    let k = stops.trailingZeroBitCount
                    if p[base &+ k] == RawByte.quote { return splitQuoted(from: start) }
                    commas &= (UInt64(1) << UInt64(k)) &- 1
                    cutFields(at: commas, base: base, fieldStart: &fieldStart)
                    nl = base &+ k
                    return finish(fieldStart: fieldStart, nl: nl)
                }
                cutFields(at: commas, base: base, fieldStart: &fieldStart)
                base &+= 64
                if base &+ 64 > end { break }
                loadBlock(base)
                commas = blockCommas
                stops = blockStops
            }
        } else {
            base = start
        }
        // The last bytes of the chunk (fewer than 64), one at a time.
        var j = base
        while j < end {
            let c = p[j]
            if c == RawByte.comma {
                append(p + fieldStart, j &- fieldStart)
                fieldStart = j &+ 1
            } else if c == RawByte.lf {
                nl = j
                break
            } else if c == RawByte.quote {
                return splitQuoted(from: start)
            }
            j &+= 1
        }
        return finish(fieldStart: fieldStart, nl: nl)
    }

    /// Appends the fields ending at the commas in `mask` (bit i = byte `base + i`).
    @inline(__always)
    private mutating func cutFields(at mask: UInt64, base: Int, fieldStart: inout Int) {
        var mask = mask
        while mask != 0 {
            let c = base &+ mask.trailingZeroBitCount
            append(p + fieldStart, c &- fieldStart)
            fieldStart = c &+ 1
            mask &= mask &- 1
        }
    }

    /// The last field ends at the line feed `nl` (or the end); a CR just before it is dropped.
    @inline(__always)
    private mutating func finish(fieldStart: Int, nl: Int) -> CSVScan.End {
        let lineEnd = nl > fieldStart && p[nl &- 1] == RawByte.cr ? nl &- 1 : nl
        append(p + fieldStart, lineEnd &- fieldStart)
        return nl < end
            ? CSVScan.End(next: nl &+ 1, innerNewlines: 0, terminated: true)
            : CSVScan.End(next: end, innerNewlines: 0, terminated: false)
    }

    /// Computes the comma and line-feed-or-quote masks of the 64 bytes at `base`: 16-byte vector
    /// compares, each lane's result gathered into one bit by a multiply.
    @inline(__always)
    private mutating func loadBlock(_ base: Int) {
        var commas: UInt64 = 0, stops: UInt64 = 0
        let raw = UnsafeRawPointer(p + base)
        for k in 0..<4 {
            let v = raw.loadUnaligned(fromByteOffset: k &* 16, as: SIMD16<UInt8>.self)
            commas |= SWAR.laneBits(v .== SIMD16(repeating: RawByte.comma)) << UInt64(k &* 16)
            stops |= SWAR.laneBits((v .== SIMD16(repeating: RawByte.lf)) .| (v .== SIMD16(repeating: RawByte.quote)))
                << UInt64(k &* 16)
        }
        blockBase = base
        blockCommas = commas
        blockStops = stops
    }

    /// The full state machine (mirrors `CSVScan.quotedRecordEnd` with `atEOF == true`).
    private mutating func splitQuoted(from start: Int) -> CSVScan.End {
        fieldCount = 0  // the fast path may have split some fields before it met the quote
        var i = start
        var newlines = 0
        while true {
            var quotedStart: UnsafePointer<UInt8>?
            var quotedCount = 0
            if i < end, p[i] == RawByte.quote {
                let contentStart = i + 1
                var j = contentStart
                var escaped = false
                let scratchStart = scratchUsed
                var closed = false
                while true {
                    let q = findByte(RawByte.quote, p, from: j, to: end)
                    newlines += countLineFeeds(p, from: j, to: q)
                    if q == end {
                        if escaped { copyToScratch(j, end) }
                        j = end
                        break
                    }
                    if q + 1 < end, p[q + 1] == RawByte.quote {
                        if !escaped {
                            escaped = true
                            copyToScratch(contentStart, q + 1)
                        } else {
                            copyToScratch(j, q + 1)
                        }
                        j = q + 2
                        continue
                    }
                    if escaped { copyToScratch(j, q) }
                    closed = true
                    j = q + 1
                    break
                }
                if escaped {
                    quotedStart = UnsafePointer(scratchBase() + scratchStart)
                    quotedCount = scratchUsed - scratchStart
                } else {
                    quotedStart = p + contentStart
                    quotedCount = (closed ? j - 1 : end) - contentStart
                }
                i = j
                if !closed {
                    flagBadQuoting()
                    append(quotedStart!, quotedCount)
                    return CSVScan.End(next: end, innerNewlines: newlines, terminated: false)
                }
            }
            // Unquoted text, or what follows a closing quote.
            let s = i
            var sawQuote = false
            while i < end {
                let c = p[i]
                if c == RawByte.comma || c == RawByte.lf { break }
                if c == RawByte.quote { sawQuote = true }
                i += 1
            }
            let terminatedByLF = i < end && p[i] == RawByte.lf
            var textEnd = i
            if i == end || terminatedByLF, textEnd > s, p[textEnd - 1] == RawByte.cr { textEnd -= 1 }
            if let qs = quotedStart {
                if textEnd > s {
                    // Text after the closing quote: keep it (for display) and flag the record.
                    flagBadQuoting()
                    let combinedStart = scratchUsed
                    let base = scratchBase()
                    (base + scratchUsed).update(from: qs, count: quotedCount)
                    scratchUsed += quotedCount
                    copyToScratch(s, textEnd)
                    append(UnsafePointer(base + combinedStart), scratchUsed - combinedStart)
                } else {
                    append(qs, quotedCount)
                }
            } else {
                if sawQuote { flagBadQuoting() }
                append(p + s, textEnd - s)
            }
            if i == end { return CSVScan.End(next: end, innerNewlines: newlines, terminated: false) }
            if terminatedByLF { return CSVScan.End(next: i + 1, innerNewlines: newlines, terminated: true) }
            i += 1  // past the comma
        }
    }
}

/// Byte tests on eight bytes at once ("SIMD within a register").
enum SWAR {
    static let commas: UInt64 = 0x2C2C_2C2C_2C2C_2C2C
    static let lineFeeds: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
    static let quotes: UInt64 = 0x2222_2222_2222_2222

    /// 0x80 in each byte of `w` that equals the byte repeated in `pattern`, 0 elsewhere (exact:
    /// no false positives from borrows).
    @inline(__always)
    static func matches(_ w: UInt64, _ pattern: UInt64) -> UInt64 {
        let x = w ^ pattern
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low) &+ low) | x | low)
    }

    /// A 16-lane byte comparison as sixteen bits, bit i for lane i.
    @inline(__always)
    static func laneBits(_ mask: SIMDMask<SIMD16<Int8>>) -> UInt64 {
        let words = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
        return bits(words[0] & 0x8080_8080_8080_8080) | bits(words[1] & 0x8080_8080_8080_8080) << 8
    }

    /// The 0x80 markers of `matches` as eight bits, bit i for byte i.
    @inline(__always)
    static func bits(_ markers: UInt64) -> UInt64 {
        ((markers >> 7) &* 0x0102_0408_1020_4080) >> 56
    }
}
