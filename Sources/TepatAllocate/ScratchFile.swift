import Foundation

/// A scratch file could not be created, written or read back (disk full, folder not writable).
public struct ScratchFileError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A file of records that lives only as long as its descriptor: it is unlinked as soon as it is
/// opened, so no name is left behind in the output folder, whether the run ends, fails or is
/// killed. Written and read with `pwrite(2)`/`pread(2)` at explicit byte offsets.
final class ScratchFile {
    let path: String
    private let fd: Int32
    /// Bytes written so far (the file's length).
    private(set) var length = 0

    init(path: String) throws(ScratchFileError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ScratchFileError("cannot create the scratch file \(path)") }
        unlink(path)
    }

    deinit { close(fd) }

    /// Appends `count` bytes.
    func append(_ bytes: UnsafeRawPointer, count: Int) throws(ScratchFileError) {
        var done = 0
        while done < count {
            let n = pwrite(fd, bytes + done, count - done, off_t(length + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ScratchFileError("cannot write the scratch file \(path) (disk full?)")
            }
            if n == 0 { throw ScratchFileError("cannot write the scratch file \(path) (disk full?)") }
            done += n
        }
        length += count
    }

    /// Reads up to `count` bytes at `offset`; returns how many were read (fewer only at the end).
    func read(at offset: Int, into buffer: UnsafeMutableRawPointer, count: Int) throws(ScratchFileError) -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ScratchFileError("cannot read back the scratch file \(path)")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
