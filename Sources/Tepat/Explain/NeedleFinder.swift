import Foundation

/// Where short byte strings (NIKs, No. KKs) occur in a large buffer.
///
/// Per needle, three probe positions are chosen whose bytes are the rarest in a sample of the data
/// (a NIK's region code `3671` is everywhere; its last digits are not). Sixteen candidate starts
/// are tested at once with SIMD on the three probes, and only candidates that match all three are
/// compared whole. Large buffers are split between two threads.
struct NeedleFinder: Sendable {
    struct Needle: Sendable {
        var bytes: [UInt8]
        var probes: (Int, Int, Int)
    }

    let needles: [Needle]

    init(needles: [[UInt8]], sample: UnsafeBufferPointer<UInt8>) {
        var frequency = [Int](repeating: 0, count: 256)
        for b in sample { frequency[Int(b)] += 1 }
        self.needles = needles.filter { !$0.isEmpty }.map { bytes in
            guard bytes.count >= 3 else { return Needle(bytes: bytes, probes: (0, 0, 0)) }
            // The three rarest bytes of the needle, at distinct positions (first positions on ties).
            let ranked = bytes.indices.sorted { a, b in
                let fa = frequency[Int(bytes[a])], fb = frequency[Int(bytes[b])]
                return fa != fb ? fa < fb : a < b
            }
            // The rarest first: most candidates are dropped after one comparison.
            return Needle(bytes: bytes, probes: (ranked[0], ranked[1], ranked[2]))
        }
    }

    /// Every start offset in `p[from..<to]` where a needle occurs whole, sorted.
    func find(in p: UnsafePointer<UInt8>, from: Int, to: Int) -> [Int] {
        guard !needles.isEmpty, to > from else { return [] }
        let longest = needles.map(\.bytes.count).max() ?? 0
        let size = to - from
        let parts = size >= 4 << 20 ? 2 : 1
        let bounds = (0...parts).map { from + size * $0 / parts }
        let address = UInt(bitPattern: p)
        let results = Slots(parts)
        let needles = self.needles
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            guard let base = UnsafePointer<UInt8>(bitPattern: address) else { return }
            // A part searches the starts in its range, reading up to `longest - 1` bytes beyond it.
            let end = min(to, bounds[k + 1] + longest - 1)
            var hits: [Int] = []
            for needle in needles { Self.search(base, from: bounds[k], to: end, startsBefore: bounds[k + 1], needle, into: &hits) }
            results.set(k, hits)
        }
        return Array(Set(results.all.flatMap { $0 })).sorted()
    }

    /// Occurrences of `needle` in `p[from..<to]` that start before `limit`.
    static func search(_ p: UnsafePointer<UInt8>, from: Int, to: Int, startsBefore limit: Int, _ needle: Needle, into hits: inout [Int]) {
        let n = needle.bytes.count
        guard n > 0, to - from >= n else { return }
        let last = min(to - n, limit - 1)  // the last start to test
        guard last >= from else { return }
        needle.bytes.withUnsafeBufferPointer { nb in
            guard let np = nb.baseAddress else { return }
            var i = from
            if n >= 3 {
                let (a, b, c) = needle.probes
                let va = SIMD16<UInt8>(repeating: np[a]), vb = SIMD16<UInt8>(repeating: np[b]), vc = SIMD16<UInt8>(repeating: np[c])
                let raw = UnsafeRawPointer(p)
                // Starts i…i+15 are tested together; the loads stay inside p[..<to] because i + 15 <= to - n.
                while i + 15 <= last, i + 15 + n <= to {
                    let m2 = (raw.loadUnaligned(fromByteOffset: i + a, as: SIMD16<UInt8>.self) .== va)
                        .& (raw.loadUnaligned(fromByteOffset: i + b, as: SIMD16<UInt8>.self) .== vb)
                    if any(m2) {
                        let m = m2 .& (raw.loadUnaligned(fromByteOffset: i + c, as: SIMD16<UInt8>.self) .== vc)
                        if any(m) {
                            for k in 0..<16 where m[k] && memcmp(p + i + k, np, n) == 0 { hits.append(i + k) }
                        }
                    }
                    i += 16
                }
            }
            while i <= last {
                if p[i] == np[0], memcmp(p + i, np, n) == 0 { hits.append(i) }
                i += 1
            }
        }
    }
}

/// One result per part, each written by one thread and read after all have finished.
private final class Slots: @unchecked Sendable {
    private var values: [[Int]]
    private let lock = NSLock()

    init(_ count: Int) { values = Array(repeating: [], count: count) }

    func set(_ i: Int, _ value: [Int]) { lock.withLock { values[i] = value } }

    var all: [[Int]] { lock.withLock { values } }
}
