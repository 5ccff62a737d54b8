#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file read with `read(2)` in large blocks into one growing buffer, so a 500 MB population is
/// never held whole and bytes are copied once more only when a chunk is cut out.
/// `data[start..<count]` are the bytes not yet handed out.
public final class BlockReader {
    public let path: String
    private var fd: Int32
    public private(set) var data: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    public private(set) var count = 0
    /// The first byte not yet consumed.
    public var start = 0
    public private(set) var atEOF = false
    private let blockSize: Int

    public init(path: String, blockSize: Int) throws(PopulationError) {
        self.path = path
        self.blockSize = max(blockSize, 1)
        fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw PopulationError(.fileUnreadable(reason), path: path)
        }
        capacity = max(2 * self.blockSize, 64)
        data = .allocate(capacity: capacity)
    }

    deinit {
        if fd >= 0 { close(fd) }
        data.deallocate()
    }

    /// Moves the unconsumed bytes to the front, then reads at least one more block (or up to the
    /// end of the file). Returns how far the bytes moved back, so callers can shift their indices.
    @discardableResult
    public func fill() throws(PopulationError) -> Int {
        let shift = start
        if start > 0 {
            memmove(data, data + start, count - start)
            count -= start
            start = 0
        }
        if capacity - count < blockSize {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: max(2 * capacity, count + blockSize))
            bigger.update(from: data, count: count)
            data.deallocate()
            data = bigger
            capacity = max(2 * capacity, count + blockSize)
        }
        while !atEOF {
            let n = read(fd, data + count, capacity - count)
            if n < 0 {
                if errno == EINTR { continue }
                throw PopulationError(.readFailed(String(cString: strerror(errno))), path: path)
            }
            if n == 0 {
                atEOF = true
                close(fd)
                fd = -1
            }
            count += n
            break
        }
        return shift
    }

    /// A copy of `data[from..<to]`.
    func bytes(_ from: Int, _ to: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data + from, count: to - from))
    }
}
