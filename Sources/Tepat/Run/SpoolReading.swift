import Foundation

/// The spool is read back through `MappedFile` windows and its decision blocks are written from
/// them with `writev`: the spool's text goes from its pages to `decisions.csv` in one kernel
/// copy. Reading it into a buffer and copying runs of it into an output block cost two more
/// copies of every decision byte (0.35 s of CPU at 1M households, in the stage where the
/// decisions, the households and their writer share two cores).
///
/// A block of decision lines as pieces: runs of the spool's text (in its mapped windows) and
/// lines finished into `own`. Written with `writev`, never gathered into one buffer.
struct GatheredBlock: @unchecked Sendable {
    private enum Piece {
        case mapped(UnsafePointer<UInt8>, Int)
        case own(Int, Int)
    }

    private var pieces: [Piece] = []
    /// The finished lines (pending records chosen, deferred lines).
    var own: [UInt8] = []
    /// The windows the mapped pieces point into, kept mapped until the block is written.
    private var windows: [FileWindow] = []
    private(set) var bytes = 0

    var isEmpty: Bool { bytes == 0 }

    mutating func keep(_ window: FileWindow) {
        if windows.last !== window { windows.append(window) }
    }

    /// A run of a kept window's text.
    mutating func append(mapped run: UnsafeBufferPointer<UInt8>) {
        guard let start = run.baseAddress, !run.isEmpty else { return }
        if case .mapped(let last, let n)? = pieces.last, last + n == start {
            pieces[pieces.count - 1] = .mapped(last, n + run.count)
        } else {
            pieces.append(.mapped(start, run.count))
        }
        bytes += run.count
    }

    /// Marks the bytes appended to `own` since `from` as the next piece.
    mutating func endOwn(from: Int) {
        let n = own.count - from
        guard n > 0 else { return }
        if case .own(let at, let m)? = pieces.last, at + m == from {
            pieces[pieces.count - 1] = .own(at, m + n)
        } else {
            pieces.append(.own(from, n))
        }
        bytes += n
    }

    /// Writes the pieces in order.
    func write(to file: AtomicFile) {
        own.withUnsafeBufferPointer { own in
            var vectors: [iovec] = []
            vectors.reserveCapacity(min(pieces.count, 1024))
            for piece in pieces {
                switch piece {
                case .mapped(let start, let n):
                    vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: start), iov_len: n))
                case .own(let at, let n):
                    guard let base = own.baseAddress else { continue }
                    vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + at), iov_len: n))
                }
                if vectors.count == 1024 {
                    file.write(vectors: &vectors)
                    vectors.removeAll(keepingCapacity: true)
                }
            }
            if !vectors.isEmpty { file.write(vectors: &vectors) }
        }
    }
}
