import Foundation
import TepatData

/// A file read through windows mapped from the page cache (no copy into a buffer), or read into
/// memory where the file cannot be mapped: the decision spool read back, the inputs hashed, a
/// population file scanned whole by `tepat explain`.
final class MappedFile {
    let path: String
    private let fd: Int32
    let size: Int
    /// Bytes mapped at once (at least what is asked for): small, because a touched mapped page
    /// counts in the process's resident memory until it is unmapped.
    private let windowBytes: Int
    /// False reads every window into memory (what happens where the file cannot be mapped).
    private let map: Bool
    /// Whether a window's pages are faulted in when it is mapped (for windows read through; a
    /// scan that may stop early leaves them to be faulted in as touched).
    private let populate: Bool

    init(path: String, windowBytes: Int = 8 << 20, map: Bool = true, populate: Bool = true) throws(PopulationError) {
        self.path = path
        self.windowBytes = max(1, windowBytes)
        self.map = map
        self.populate = populate
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PopulationError(.fileUnreadable(String(cString: strerror(errno))), path: path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw PopulationError(.fileUnreadable(reason), path: path)
        }
        size = Int(info.st_size)
    }

    deinit { close(fd) }

    /// A window holding at least `bytes` from `offset` (page-aligned below it), or nil when the
    /// file is shorter than that or cannot be read. Where the file cannot be mapped, the window
    /// is read into memory instead.
    func window(at offset: Int, bytes: Int) -> FileWindow? {
        guard offset >= 0, bytes >= 0, offset <= size, bytes <= size - offset else { return nil }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset - offset % max(1, page)
        let length = min(size - start, max(windowBytes, offset - start + bytes))
        guard length > 0 else { return FileWindow(base: nil, start: start, length: 0, mapped: false) }
        if map, let base = mmap(nil, length, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, off_t(start)), base != MAP_FAILED {
            return FileWindow(base: UnsafeRawPointer(base), start: start, length: length, mapped: true)
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
        return FileWindow(base: UnsafeRawPointer(memory), start: start, length: length, mapped: false)
    }
}

/// One window of a file (mapped, or read where mapping fails), let go when the last block
/// written from it is.
final class FileWindow: @unchecked Sendable {
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
