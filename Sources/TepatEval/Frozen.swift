/// A read-only array that the evaluation threads read without reference counting.
///
/// Reading an element of a Swift array held by a shared value (a rule's CSV field, a reason's
/// literal text, a template's pieces) retains and releases its storage. Two threads doing that
/// millions of times contend for the one cache line that holds the count: at 1M households that
/// was some 2 s of CPU in `swift_retain` and `swift_release`. A `Frozen` array is a pointer and a
/// count, copied for free; its memory belongs to the `FrozenStore` that made it, which its owner
/// keeps beside it.
public struct Frozen<Element: BitwiseCopyable>: BitwiseCopyable, @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<Element>?
    public let count: Int

    /// The empty array (no store needed).
    public init() {
        base = nil
        count = 0
    }

    @usableFromInline init(base: UnsafePointer<Element>?, count: Int) {
        self.base = base
        self.count = count
    }

    public var isEmpty: Bool { count == 0 }

    @inlinable public subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count, "Frozen index out of range")
        return base.unsafelyUnwrapped[index]
    }

    @inlinable public var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
}

/// Owns the memory of the `Frozen` arrays it made, and the objects their elements point to
/// (`Unmanaged` references); frees them when the last copy of the store goes. Immutable once its
/// owner is built, so it is shared by every thread without locks.
public struct FrozenStore: Sendable {
    private final class Block: @unchecked Sendable {
        let memory: UnsafeMutableRawPointer
        init(bytes: Int, alignment: Int) { memory = .allocate(byteCount: bytes, alignment: alignment) }
        deinit { memory.deallocate() }
    }

    private var blocks: [Block] = []
    private var objects: [any AnyObject & Sendable] = []

    public init() {}

    /// A frozen copy of `elements`, alive as long as this store.
    public mutating func freeze<Element: BitwiseCopyable>(_ elements: [Element]) -> Frozen<Element> {
        guard !elements.isEmpty else { return Frozen() }
        let block = Block(bytes: MemoryLayout<Element>.stride * elements.count, alignment: MemoryLayout<Element>.alignment)
        let typed = block.memory.bindMemory(to: Element.self, capacity: elements.count)
        elements.withUnsafeBufferPointer { source in
            if let start = source.baseAddress { typed.initialize(from: start, count: source.count) }
        }
        blocks.append(block)
        return Frozen(base: UnsafePointer(typed), count: elements.count)
    }

    /// An unowned reference to `object`, which this store keeps alive.
    public mutating func keep<Object: AnyObject & Sendable>(_ object: Object) -> Unmanaged<Object> {
        objects.append(object)
        return Unmanaged.passUnretained(object)
    }
}

extension Array where Element == UInt8 {
    @inlinable public mutating func append(_ bytes: Frozen<UInt8>) {
        append(contentsOf: bytes.buffer)
    }
}
