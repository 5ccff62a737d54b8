/// Records of one entity in columnar form: one `[Cell]` per schema field, plus the resolved
/// links (row numbers in the target entity's table). The evaluator reads cells by
/// `(column, row)`; nothing here is keyed by strings.
public struct Table: Sendable {
    public let entity: Int
    public private(set) var count: Int = 0
    /// One column per field of the entity, in schema order. A column the policies never read may be
    /// left empty (`loaded[i] == false`) to save memory.
    public var columns: [[Cell]]
    public var loaded: [Bool]
    /// Interned text for `string` fields, shared by all string columns of the table.
    public var strings: StringPool
    /// Per link of the entity: the row of the target record in the target table, or -1.
    public var links: [[Int32]]
    /// The 1-based line in the input file each record starts on (for explanations and `invalid.csv`).
    public var lines: [Int]
    /// Derived columns: per-record values computed from other tables (aggregates over collections).
    public var derived: [[Cell]]

    public init(entity: Int, fieldCount: Int, linkCount: Int, loaded: [Bool]? = nil, strings: StringPool = StringPool()) {
        self.entity = entity
        self.columns = Array(repeating: [], count: fieldCount)
        self.loaded = loaded ?? Array(repeating: true, count: fieldCount)
        self.strings = strings
        self.links = Array(repeating: [], count: linkCount)
        self.lines = []
        self.derived = []
    }

    public mutating func reserveCapacity(_ n: Int) {
        for i in columns.indices where loaded[i] { columns[i].reserveCapacity(n) }
        for i in links.indices { links[i].reserveCapacity(n) }
        lines.reserveCapacity(n)
    }

    /// Appends one record. `cells` has one cell per field (ignored for unloaded columns);
    /// links are set afterwards with `links[l].append` or by the linker.
    public mutating func append(cells: [Cell], line: Int) {
        for i in columns.indices where loaded[i] { columns[i].append(cells[i]) }
        lines.append(line)
        count += 1
    }

    /// Appends one record from a buffer without allocating.
    public mutating func append(cells: UnsafeBufferPointer<Cell>, line: Int) {
        for i in columns.indices where loaded[i] { columns[i].append(cells[i]) }
        lines.append(line)
        count += 1
    }

    /// Drops the first `n` records (a streamed run letting old households go); rows shift down.
    public mutating func removeFirst(_ n: Int) {
        let n = min(max(0, n), count)
        guard n > 0 else { return }
        for i in columns.indices where loaded[i] && columns[i].count >= n { columns[i].removeFirst(n) }
        for i in links.indices where links[i].count >= n { links[i].removeFirst(n) }
        for i in derived.indices where derived[i].count >= n { derived[i].removeFirst(n) }
        lines.removeFirst(n)
        count -= n
    }

    @inlinable public subscript(column: Int, row: Int) -> Cell { columns[column][row] }
}
