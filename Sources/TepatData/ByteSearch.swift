#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// ASCII bytes the readers look for.
enum RawByte {
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let minus = UInt8(ascii: "-")
    static let zero = UInt8(ascii: "0")
    static let backslash = UInt8(ascii: "\\")
}

/// The index of the first `byte` in `p[from..<to]`, or `to`. Uses the C library's `memchr`,
/// which scans many bytes per cycle: finding line ends and quotes dominates CSV scanning.
@inline(__always)
func findByte(_ byte: UInt8, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
    guard from < to else { return to }
    guard let hit = memchr(p + from, Int32(byte), to - from) else { return to }
    return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - p
}

/// How many line feeds `p[from..<to]` holds (newlines inside quoted fields still count as lines).
@inline(__always)
func countLineFeeds(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
    var n = 0
    var i = findByte(RawByte.lf, p, from: from, to: to)
    while i < to {
        n += 1
        i = findByte(RawByte.lf, p, from: i + 1, to: to)
    }
    return n
}

/// Compares `count` bytes.
@inline(__always)
func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    memcmp(a, b, count) == 0
}
