import Foundation

/// The spool read back through windows mapped from the page cache, and decision blocks written
/// from those windows with `writev`: the spool's text goes from its pages to `decisions.csv` in
/// one kernel copy. Reading it into a buffer and copying runs of it into an output block cost
/// two more copies of every decision byte (0.35 s of CPU at 1M households, in the stage where
/// the decisions, the households and their writer share two cores).
final class MappedSpool {
    let path: String
    private let fd: Int32
    let size: Int
    /// Bytes mapped at once (at least a frame): small, because a touched mapped page counts in
    /// the process's resident memory until it is unmapped.
    private let windowBytes: Int
    /// False reads every window into memory (what happens where the file cannot be mapped).
    private let map: Bool

    init(path: String, windowBytes: Int = 8 << 20, map: Bool = true) throws(RunError) {
        self.path = path
        self.windowBytes = max(1, windowBytes)
        self.map = map
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RunError("cannot read back \(path)") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw RunError("cannot read back \(path)")
        }
        size = Int(info.st_size)
    }

    deinit { close(fd) }

    /// A window holding at least `bytes` from `offset` (page-aligned below it), or nil when the
    /// file is shorter than that or cannot be read. Where the file cannot be mapped, the window
    /// is read into memory instead.
    func window(at offset: Int, bytes: Int) -> SpoolWindow? {
        guard offset >= 0, bytes >= 0, offset <= size, bytes <= size - offset else { return nil }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset - offset % max(1, page)
        let length = min(size - start, max(windowBytes, offset - start + bytes))
        guard length > 0 else { return SpoolWindow(base: nil, start: start, length: 0, mapped: false) }
        if map, let base = mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, off_t(start)), base != MAP_FAILED {
            return SpoolWindow(base: UnsafeRawPointer(base), start: start, length: length, mapped: true)
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 16)
        var done = 0
        while done < length {
            let n = pread(fd, memory + done, length - done, off_t(start + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                memory.deallocate()
                return nil
            }
            done += n
        }
        return SpoolWindow(base: UnsafeRawPointer(memory), start: start, length: length, mapped: false)
    }
}

/// One window of the spool (mapped, or read where mapping fails), let go when the last block
/// written from it is.
final class SpoolWindow: @unchecked Sendable {
    let base: UnsafeRawPointer?
    /// The file offset of `base`, and the bytes held.
    let start: Int
    let length: Int
    private let mapped: Bool

    init(base: UnsafeRawPointer?, start: Int, length: Int, mapped: Bool) {
        self.base = base
        self.start = start
        self.length = length
        self.mapped = mapped
    }

    deinit {
        guard let base else { return }
        if mapped { munmap(UnsafeMutableRawPointer(mutating: base), length) } else { base.deallocate() }
    }

    func contains(_ offset: Int, bytes: Int) -> Bool {
        offset >= start && bytes >= 0 && offset - start <= length - bytes
    }

    /// The bytes from file offset `offset` (which `contains`).
    func bytes(at offset: Int, count: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base.map { ($0 + (offset - start)).assumingMemoryBound(to: UInt8.self) }, count: count)
    }
}

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
    private var windows: [SpoolWindow] = []
    private(set) var bytes = 0

    var isEmpty: Bool { bytes == 0 }

    mutating func keep(_ window: SpoolWindow) {
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
