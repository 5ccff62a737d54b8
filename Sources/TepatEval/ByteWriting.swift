import TepatModel

/// Writing values straight into output bytes: the run renders millions of reason texts and
/// decision lines, and building a `String` for each piece costs more than evaluating the rules.
extension Array where Element == UInt8 {
    @inlinable public mutating func append(utf8 text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// The decimal digits of `value`.
    @inlinable public mutating func append(integer value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        append(unsigned: value.magnitude, width: 0)
    }

    /// At least `width` digits, zero-padded (`0012…` for a 16-digit NIK). Two digits at a time
    /// from a table: every decision line writes two 16-digit ids.
    @inlinable public mutating func append(unsigned value: UInt64, width: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no heap
        Swift.withUnsafeMutableBytes(of: &digits) { buffer in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            let pairs = DigitPairs.table.utf8Start
            var v = value
            var n = 0
            // Eight digits at a time while the value is that long: the halves of a NIK are then
            // written from 32-bit values, two independent chains rather than one of eight steps.
            while v >= 100_000_000 {
                var chunk = UInt32(truncatingIfNeeded: v % 100_000_000)
                v /= 100_000_000
                for _ in 0..<4 {
                    let pair = Int(chunk % 100) &* 2
                    chunk /= 100
                    n &+= 2
                    base[24 &- n] = pairs[pair]
                    base[25 &- n] = pairs[pair &+ 1]
                }
            }
            var rest = UInt32(truncatingIfNeeded: v)
            while rest >= 100 {
                let pair = Int(rest % 100) &* 2
                rest /= 100
                n &+= 2
                base[24 &- n] = pairs[pair]
                base[25 &- n] = pairs[pair &+ 1]
            }
            if rest >= 10 {
                n &+= 2
                base[24 &- n] = pairs[Int(rest) &* 2]
                base[25 &- n] = pairs[Int(rest) &* 2 &+ 1]
            } else {
                n &+= 1
                base[24 &- n] = UInt8(truncatingIfNeeded: rest) &+ 48
            }
            while n < width && n < 24 {
                n &+= 1
                base[24 &- n] = 48
            }
            append(contentsOf: UnsafeBufferPointer(start: base + (24 &- n), count: n))
        }
    }

    /// `999.936.000` (Indonesian) or `999,936,000`.
    @inlinable public mutating func append(grouped value: Int64, separator: UInt8) {
        if value < 0 { append(UInt8(ascii: "-")) }
        // Digits and separators from the right into 32 bytes of scratch, no heap.
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let count = Swift.withUnsafeMutableBytes(of: &scratch) { buffer -> Int in
            var v = value.magnitude
            var n = 0, digits = 0
            repeat {
                if digits > 0, digits % 3 == 0 {
                    buffer[31 - n] = separator
                    n += 1
                }
                buffer[31 - n] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
                n += 1
                digits += 1
            } while v > 0 && n < 31
            return n
        }
        Swift.withUnsafeBytes(of: &scratch) { buffer in append(contentsOf: buffer[(32 - count)...]) }
    }

    /// Makes `self[start...]`, which holds what `found` says, one CSV field: the bytes
    /// `append(csvField:)` would have written. Without a quote inside, that is quoting in place.
    public mutating func quoteCSVField(from start: Int, holding found: CSVBytes) {
        guard found.contains(.special) else { return }
        if found.contains(.quote) {
            let text = Array(self[start...])
            removeSubrange(start...)
            append(csvField: text[...])
        } else {
            insert(34, at: start)
            append(34)
        }
    }

    /// Appends `field` as one CSV field: quoted (with doubled quotes) only when it must be.
    @inlinable public mutating func append(csvField field: ArraySlice<UInt8>) {
        // Through a buffer pointer: no bounds check per byte, and one memcpy for the common case.
        let done = field.withUnsafeBufferPointer { bytes -> Bool in
            for b in bytes where b <= 44 && (b == 44 || b == 34 || b == 10 || b == 13) { return false }
            append(contentsOf: bytes)
            return true
        }
        if done { return }
        append(34)
        for b in field {
            if b == 34 { append(34) }
            append(b)
        }
        append(34)
    }
}

/// "00" to "99", for writing numbers two digits at a time (a `StaticString`: no lazy global).
@usableFromInline enum DigitPairs {
    @inlinable static var table: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }
}

enum MonthNames {
    static let indonesian: [[UInt8]] = Day.indonesianMonths.map { Array($0.utf8) }
    static let english: [[UInt8]] = Day.englishMonths.map { Array($0.utf8) }
}

extension DisplayValue {
    /// The same text as `text(language)`, written into `out` without intermediate strings.
    public func write(into out: inout [UInt8], _ language: Language) {
        switch self {
        case .integer(let v): out.append(integer: v)
        case .count(let v): out.append(grouped: v, separator: language == .en ? 44 : 46)
        case .money(let v):
            if v < 0 { out.append(UInt8(ascii: "-")) }
            out.append(82)
            out.append(112)
            out.append(grouped: Int64(bitPattern: v.magnitude), separator: 46)
        case .date(let d):
            let c = d.civil
            out.append(unsigned: UInt64(c.day), width: 0)
            out.append(32)
            out.append(contentsOf: (language == .en ? MonthNames.english : MonthNames.indonesian)[c.month - 1])
            out.append(32)
            out.append(unsigned: UInt64(c.year), width: 0)
        case .text(let s): out.append(utf8: s)
        case .list(let items):
            for (i, item) in items.enumerated() {
                if i > 0 {
                    out.append(44)
                    out.append(32)
                }
                item.write(into: &out, language)
            }
        default: out.append(utf8: text(language))
        }
    }
}

extension CompiledTemplate {
    /// Renders into bytes (the run's hot path); the same text as `render`.
    public func render(into out: inout [UInt8], _ input: EvalInput, _ row: Int, _ language: Language, _ context: AllocationContext? = nil) {
        _ = view.render(into: &out, input, row, language, context, scanningValues: false)
    }

    /// Renders as one CSV field: the same bytes as `append(csvField:)` of the rendered text.
    public func renderCSVField(into out: inout [UInt8], _ input: EvalInput, _ row: Int, _ language: Language, _ context: AllocationContext? = nil) {
        view.renderCSVField(into: &out, input, row, language, context)
    }
}

extension TemplateView {
    /// Renders as one CSV field: the same bytes as `append(csvField:)` of the rendered text, without
    /// the copy. The literal text was looked at when the policy was compiled; only what the values
    /// write is scanned here. Most reasons need quotes (a comma in the text) and hold no quote: the
    /// field is then quoted in place.
    func renderCSVField(into out: inout [UInt8], _ input: EvalInput, _ row: Int, _ language: Language, _ context: AllocationContext? = nil) {
        let start = out.count
        let l = Self.languageIndex(language)
        let literal = l < literalBytes.count ? literalBytes[l] : []
        if literal.contains(.special), !literal.contains(.quote) {
            // Quoted whatever the values write (a comma in the text): the opening quote goes
            // first, so the field is not shifted to make room for it. A value with a quote in
            // it (rare) needs the quotes doubled: that field is written again.
            out.append(34)
            if render(into: &out, input, row, language, context, scanningValues: true).contains(.quote) {
                let text = Array(out[(start + 1)...])
                out.removeSubrange(start...)
                out.append(csvField: text[...])
            } else {
                out.append(34)
            }
            return
        }
        let found = render(into: &out, input, row, language, context, scanningValues: true).union(literal)
        out.quoteCSVField(from: start, holding: found)
    }

    private static func languageIndex(_ language: Language) -> Int {
        switch language {
        case .id: 0
        case .en: 1
        }
    }

    /// Renders the pieces; with `scanningValues`, returns what CSV cares about in the values' bytes.
    func render(
        into out: inout [UInt8], _ input: EvalInput, _ row: Int, _ language: Language, _ context: AllocationContext?, scanningValues: Bool
    ) -> CSVBytes {
        let l = Self.languageIndex(language)
        guard l < pieces.count else { return [] }
        var found: CSVBytes = []
        for piece in pieces[l].buffer {
            guard let function = piece.function else {
                out.append(piece.bytes)
                continue
            }
            let from = out.count
            function._withUnsafeGuaranteedRef { $0.write(input, row, context, &out) }
            if scanningValues, from < out.count {
                found.formUnion(out.withUnsafeBufferPointer { CSVBytes(UnsafeBufferPointer(rebasing: $0[from...])) })
            }
        }
        return found
    }
}

/// What a text holds that matters to a CSV field: a byte that forces quotes, a quote to double.
public struct CSVBytes: OptionSet, Sendable, BitwiseCopyable {
    public let rawValue: UInt8
    public static let special = CSVBytes(rawValue: 1)
    public static let quote = CSVBytes(rawValue: 2)

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ bytes: ArraySlice<UInt8>) {
        self = bytes.withUnsafeBufferPointer { CSVBytes($0) }
    }

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var found: CSVBytes = []
        for b in bytes where b <= 44 {
            if b == 34 { found = [.special, .quote] } else if b == 44 || b == 10 || b == 13 { found.insert(.special) }
        }
        self = found
    }
}
