/// One JSON Lines record, read at the byte level: a flat object whose keys are the schema's
/// field names and whose values are strings, numbers, booleans or null. Each value becomes the
/// same text a CSV cell would hold (a string unescaped, a number or boolean as written, null as
/// empty), so both formats go through the same typed validation and give the same records.
struct JSONLineScanner: ~Copyable {
    private let p: UnsafePointer<UInt8>
    private let chunkCount: Int
    private let keys: [[UInt8]]
    /// Per field: its value, when the key was present and not null.
    private(set) var values: UnsafeMutablePointer<FieldSpan>
    private(set) var present: UnsafeMutablePointer<Bool>
    /// Per field: the key appeared (with a value or null), to catch a repeated key.
    private var seen: UnsafeMutablePointer<Bool>
    /// Unescaped strings; a JSON escape is never shorter than what it stands for, so a line's
    /// values fit in the line's length.
    private var scratch: UnsafeMutablePointer<UInt8>?
    private var scratchUsed = 0
    /// Where the current line starts, for column numbers in messages.
    private var lineStart = 0

    init(_ p: UnsafePointer<UInt8>, count: Int, keys: [[UInt8]]) {
        self.p = p
        self.chunkCount = count
        self.keys = keys
        values = .allocate(capacity: max(keys.count, 1))
        present = .allocate(capacity: max(keys.count, 1))
        seen = .allocate(capacity: max(keys.count, 1))
    }

    deinit {
        values.deallocate()
        present.deallocate()
        seen.deallocate()
        scratch?.deallocate()
    }

    private struct Failure: Error {
        var detail: String
    }

    /// Reads the object in `p[from..<to]` (a line without its line feed). Returns nil on success,
    /// or what is wrong.
    mutating func scan(from: Int, to: Int) -> String? {
        for k in 0..<keys.count {
            present[k] = false
            seen[k] = false
        }
        scratchUsed = 0
        lineStart = from
        do {
            try object(from, to)
            return nil
        } catch {
            return error.detail
        }
    }

    private func skipSpace(_ i: inout Int, _ end: Int) {
        while i < end {
            let c = p[i]
            guard c == RawByte.space || c == RawByte.tab || c == RawByte.cr else { return }
            i += 1
        }
    }

    private func describe(_ i: Int, _ end: Int) -> String {
        i < end ? "unexpected `\(String(decoding: [p[i]], as: UTF8.self))` at column \(i - lineStart + 1)" : "unexpected end of line"
    }

    private mutating func object(_ start: Int, _ end: Int) throws(Failure) {
        var i = start
        skipSpace(&i, end)
        guard i < end, p[i] == UInt8(ascii: "{") else {
            throw Failure(detail: i < end ? "not a JSON object" : "empty line")
        }
        i += 1
        skipSpace(&i, end)
        if i < end, p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < end, p[i] == RawByte.quote else { throw Failure(detail: "expected a key: " + describe(i, end)) }
                let key = try string(&i, end)
                skipSpace(&i, end)
                guard i < end, p[i] == UInt8(ascii: ":") else { throw Failure(detail: "expected `:`: " + describe(i, end)) }
                i += 1
                skipSpace(&i, end)
                let value = try value(&i, end)
                guard let k = keyIndex(key) else {
                    throw Failure(detail: "unknown key \"\(String(decoding: key.buffer, as: UTF8.self))\"")
                }
                if seen[k] {
                    throw Failure(detail: "duplicate key \"\(String(decoding: key.buffer, as: UTF8.self))\"")
                }
                seen[k] = true
                if let value {
                    present[k] = true
                    values[k] = value
                }
                skipSpace(&i, end)
                guard i < end else { throw Failure(detail: "unexpected end of line") }
                if p[i] == RawByte.comma {
                    i += 1
                    skipSpace(&i, end)
                    continue
                }
                guard p[i] == UInt8(ascii: "}") else { throw Failure(detail: "expected `,` or `}`: " + describe(i, end)) }
                i += 1
                break
            }
        }
        skipSpace(&i, end)
        guard i == end else { throw Failure(detail: "text after the object at column \(i - lineStart + 1)") }
    }

    private func keyIndex(_ key: FieldSpan) -> Int? {
        for k in 0..<keys.count where keys[k].count == key.count {
            let equal = keys[k].withUnsafeBufferPointer { key.count == 0 || bytesEqual($0.baseAddress!, key.start, key.count) }
            if equal { return k }
        }
        return nil
    }

    /// A value: its text, or nil for JSON null.
    private mutating func value(_ i: inout Int, _ end: Int) throws(Failure) -> FieldSpan? {
        guard i < end else { throw Failure(detail: "expected a value: unexpected end of line") }
        let c = p[i]
        switch c {
        case RawByte.quote:
            return try string(&i, end)
        case UInt8(ascii: "t"):
            return try literal("true", &i, end)
        case UInt8(ascii: "f"):
            return try literal("false", &i, end)
        case UInt8(ascii: "n"):
            _ = try literal("null", &i, end)
            return nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            throw Failure(detail: "nested object or array at column \(i - lineStart + 1)")
        case RawByte.minus, RawByte.zero...UInt8(ascii: "9"):
            return try number(&i, end)
        default:
            throw Failure(detail: "expected a value: " + describe(i, end))
        }
    }

    private func literal(_ word: StaticString, _ i: inout Int, _ end: Int) throws(Failure) -> FieldSpan {
        let n = word.utf8CodeUnitCount
        guard end - i >= n, bytesEqual(p + i, word.utf8Start, n) else {
            throw Failure(detail: "expected a value: " + describe(i, end))
        }
        let span = FieldSpan(start: p + i, count: n)
        i += n
        return span
    }

    /// JSON number grammar; the value is the text as written.
    private func number(_ i: inout Int, _ end: Int) throws(Failure) -> FieldSpan {
        let s = i
        func digits(_ i: inout Int) -> Int {
            let from = i
            while i < end, p[i] &- RawByte.zero < 10 { i += 1 }
            return i - from
        }
        if p[i] == RawByte.minus { i += 1 }
        guard i < end, p[i] &- RawByte.zero < 10 else { throw Failure(detail: "malformed number") }
        if p[i] == RawByte.zero {
            i += 1
        } else {
            _ = digits(&i)
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&i) > 0 else { throw Failure(detail: "malformed number") }
        }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end, p[i] == UInt8(ascii: "+") || p[i] == RawByte.minus { i += 1 }
            guard digits(&i) > 0 else { throw Failure(detail: "malformed number") }
        }
        return FieldSpan(start: p + s, count: i - s)
    }

    private mutating func scratchBase() -> UnsafeMutablePointer<UInt8> {
        if let scratch { return scratch }
        let s = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkCount + 16)
        scratch = s
        return s
    }

    /// A string starting at the quote `p[i]`; unescaped into scratch only when it has escapes.
    private mutating func string(_ i: inout Int, _ end: Int) throws(Failure) -> FieldSpan {
        i += 1
        let s = i
        while i < end {
            let c = p[i]
            if c == RawByte.quote {
                i += 1
                return FieldSpan(start: p + s, count: i - 1 - s)
            }
            if c == RawByte.backslash { break }
            if c < 0x20 { throw Failure(detail: "control character in a string") }
            i += 1
        }
        guard i < end else { throw Failure(detail: "unterminated string") }
        // Escapes: copy what came before, then unescape the rest.
        let base = scratchBase()
        let out = scratchUsed
        (base + scratchUsed).update(from: p + s, count: i - s)
        scratchUsed += i - s
        while i < end {
            let c = p[i]
            if c == RawByte.quote {
                i += 1
                return FieldSpan(start: UnsafePointer(base + out), count: scratchUsed - out)
            }
            if c < 0x20 { throw Failure(detail: "control character in a string") }
            if c != RawByte.backslash {
                base[scratchUsed] = c
                scratchUsed += 1
                i += 1
                continue
            }
            guard i + 1 < end else { throw Failure(detail: "unterminated string") }
            let e = p[i + 1]
            i += 2
            var byte: UInt8?
            switch e {
            case RawByte.quote, RawByte.backslash, UInt8(ascii: "/"): byte = e
            case UInt8(ascii: "b"): byte = 0x08
            case UInt8(ascii: "f"): byte = 0x0C
            case UInt8(ascii: "n"): byte = RawByte.lf
            case UInt8(ascii: "r"): byte = RawByte.cr
            case UInt8(ascii: "t"): byte = RawByte.tab
            case UInt8(ascii: "u"):
                var scalar = try hex4(&i, end)
                if (0xD800..<0xDC00).contains(scalar) {
                    guard end - i >= 6, p[i] == RawByte.backslash, p[i + 1] == UInt8(ascii: "u") else {
                        throw Failure(detail: "unpaired surrogate in \\u escape")
                    }
                    i += 2
                    let low = try hex4(&i, end)
                    guard (0xDC00..<0xE000).contains(low) else { throw Failure(detail: "unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw Failure(detail: "unpaired surrogate in \\u escape")
                }
                for unit in UTF8.encode(Unicode.Scalar(scalar)!)! {
                    base[scratchUsed] = unit
                    scratchUsed += 1
                }
            default:
                throw Failure(detail: "unknown escape \\\(String(decoding: [e], as: UTF8.self))")
            }
            if let byte {
                base[scratchUsed] = byte
                scratchUsed += 1
            }
        }
        throw Failure(detail: "unterminated string")
    }

    private func hex4(_ i: inout Int, _ end: Int) throws(Failure) -> UInt32 {
        guard end - i >= 4 else { throw Failure(detail: "malformed \\u escape") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[i + k]
            let d: UInt8
            switch c {
            case RawByte.zero...UInt8(ascii: "9"): d = c - RawByte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw Failure(detail: "malformed \\u escape")
            }
            v = v << 4 | UInt32(d)
        }
        i += 4
        return v
    }
}
