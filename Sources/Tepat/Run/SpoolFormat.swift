import Foundation

/// How a program's decision lines wait on disk for allocation (the spool).
///
/// The spool is a sequence of frames, one per evaluated slice, in input order:
///
///     u64 text bytes · u64 special records · u64 decision lines · u64 offset × special records · text
///
/// The text is the slice's decision lines as they will be written, except for the special
/// records, which the offsets point to (so finishing never scans the text: a reason may hold any
/// byte, a line break from the data included):
///
/// - a pending record, `0x00` then length-prefixed fields (`u32` length, bytes): what every
///   version of the line starts and ends with (`program,household_id,person_id,` and
///   `,application_id` in CSV, empty in JSON Lines), the line's middle as accepted, then one
///   middle per allocation outcome (each limit, then waitlisted by quota, by budget). An
///   outcome's middle is left empty when its reason reads no data
///   (`ProgramEvaluator.fixedMiddle`): the spool of 750,000 pending subjects is then some 250 MB
///   smaller. No line break follows;
/// - a deferred record, `0x02` alone: the line of a member decided at the end of the stream
///   (`ProgramRun.deferredLines`, in order) goes there.
enum SpoolBytes {
    static let pending: UInt8 = 0
    static let deferred: UInt8 = 2
}

/// The fixed part of a spool frame.
struct SpoolFrameHeader {
    static let size = 24
    var textBytes: Int
    var specials: Int
    var lines: Int

    func write(into out: inout [UInt8]) {
        out.appendRaw(UInt64(textBytes))
        out.appendRaw(UInt64(specials))
        out.appendRaw(UInt64(lines))
    }

    init(textBytes: Int, specials: Int, lines: Int) {
        self.textBytes = textBytes
        self.specials = specials
        self.lines = lines
    }

    init(_ bytes: UnsafeRawBufferPointer) {
        textBytes = Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian)
        specials = Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian)
        lines = Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian)
    }
}

extension Array where Element == UInt8 {
    /// Starts a length-prefixed field of a pending record; returns where its length goes.
    /// (Not a method taking the field's writer as a closure: the closures copied the evaluator
    /// they captured, and retained all it holds, for every field.)
    mutating func beginSpoolField() -> Int {
        let at = count
        for _ in 0..<4 { append(0) }
        return at
    }

    /// Ends the field begun at `at`: its length is the bytes appended since.
    mutating func endSpoolField(_ at: Int) {
        let length = UInt32(truncatingIfNeeded: count - at - 4)
        for i in 0..<4 { self[at + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(i))) }
    }

    /// Appends `bytes` as one field of a pending record.
    mutating func appendSpoolField(_ bytes: [UInt8]) {
        let at = beginSpoolField()
        append(contentsOf: bytes)
        endSpoolField(at)
    }
}

/// The fields of a pending record (after its `0x00`), found from their lengths.
struct PendingFields {
    /// The prefix, the suffix and the middle asked for, as offsets into the buffer read.
    let prefix: Range<Int>
    let suffix: Range<Int>
    let middle: Range<Int>
    /// Where the record ends.
    let end: Int

    /// Reads the `count` fields of the record at `start`, keeping middle `wanted` (nil when the
    /// buffer ends first, or there is no such middle: a damaged spool). No array per record:
    /// half a million pending records are read back at 1M households.
    init?(_ text: UnsafeRawBufferPointer, from start: Int, count: Int, middle wanted: Int) {
        guard wanted >= 0, 2 + wanted < count else { return nil }
        var at = start
        var prefix = 0..<0, suffix = 0..<0, middle = 0..<0
        for field in 0..<count {
            guard at + 4 <= text.count else { return nil }
            let length = Int(text.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
            guard at + 4 + length <= text.count else { return nil }
            let range = (at + 4)..<(at + 4 + length)
            switch field {
            case 0: prefix = range
            case 1: suffix = range
            case 2 + wanted: middle = range
            default: break
            }
            at += 4 + length
        }
        self.prefix = prefix
        self.suffix = suffix
        self.middle = middle
        end = at
    }
}
