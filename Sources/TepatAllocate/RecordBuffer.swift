import Foundation

/// Memory for records taken straight from the kernel (an anonymous `mmap`): its pages count only
/// once written, and all of it goes back to the system when the buffer goes. Sort runs of 16 MB
/// allocated this way never grow by doubling, nor leave freed chunks behind in the allocator's
/// heap for the rest of the run.
final class RecordBuffer {
    let words: UnsafeMutablePointer<UInt64>
    private let bytes: Int
    private let mapped: Bool

    init(words count: Int) {
        bytes = max(1, count) * 8
        if let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED {
            words = p.bindMemory(to: UInt64.self, capacity: max(1, count))
            mapped = true
        } else {
            words = .allocate(capacity: max(1, count))
            mapped = false
        }
    }

    deinit {
        if mapped { munmap(words, bytes) } else { words.deallocate() }
    }
}
