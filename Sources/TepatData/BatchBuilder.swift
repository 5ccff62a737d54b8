import TepatModel

/// Collects one chunk's valid records column by column in flat memory, and the status of every
/// record, then hands the columns to a `Table` in one go. `Table.append` copies a record cell by
/// cell into nested arrays, which cost about a tenth of the parse time; here a value is one
/// store, and the table only counts rows and lines (its columns are marked not loaded until the
/// end, so `append` touches none of them).
struct BatchBuilder: ~Copyable {
    private(set) var table: Table
    private let loaded: [Bool]
    private let fieldCount: Int
    /// Column-major: the cell of field `f` of valid row `r` is at `f * capacity + r`.
    private var cells: UnsafeMutablePointer<Cell>
    private var capacity: Int
    private(set) var validCount = 0
    private var statuses: UnsafeMutablePointer<RowStatus>
    private var statusCapacity: Int
    private(set) var statusCount = 0

    init(entity: Int, fieldCount: Int, linkCount: Int, loaded: [Bool], strings: StringPool, expectedRecords: Int) {
        table = Table(
            entity: entity, fieldCount: fieldCount, linkCount: linkCount,
            loaded: Array(repeating: false, count: fieldCount), strings: strings)
        table.reserveCapacity(expectedRecords)
        self.loaded = loaded
        self.fieldCount = fieldCount
        capacity = max(expectedRecords, 16)
        cells = .allocate(capacity: max(fieldCount, 1) * capacity)
        statusCapacity = capacity
        statuses = .allocate(capacity: statusCapacity)
    }

    deinit {
        cells.deallocate()
        statuses.deallocate()
    }

    /// The string pool of the table being built (for interning).
    var strings: StringPool {
        get { table.strings }
        _modify { yield &table.strings }
    }

    /// Where the cells of the next valid record go: `row[f * stride]` is field `f`. Call before
    /// writing a record; the record becomes a row only with `commitValid`.
    @inline(__always)
    mutating func nextRow() -> (row: UnsafeMutablePointer<Cell>, stride: Int) {
        if validCount == capacity { grow() }
        return (cells + validCount, capacity)
    }

    @inline(__always)
    mutating func commitValid(line: Int) {
        table.append(cells: UnsafeBufferPointer(start: nil, count: 0), line: line)
        addStatus(.valid(Int32(truncatingIfNeeded: validCount)))
        validCount += 1
    }

    @inline(__always)
    mutating func addInvalid(_ index: Int) {
        addStatus(.invalid(Int32(truncatingIfNeeded: index)))
    }

    @inline(__always)
    private mutating func addStatus(_ status: RowStatus) {
        if statusCount == statusCapacity {
            let bigger = UnsafeMutablePointer<RowStatus>.allocate(capacity: statusCapacity * 2)
            bigger.moveInitialize(from: statuses, count: statusCount)
            statuses.deallocate()
            statuses = bigger
            statusCapacity *= 2
        }
        (statuses + statusCount).initialize(to: status)
        statusCount += 1
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Cell>.allocate(capacity: max(fieldCount, 1) * capacity * 2)
        for f in 0..<fieldCount {
            (bigger + f * capacity * 2).update(from: cells + f * capacity, count: validCount)
        }
        cells.deallocate()
        cells = bigger
        capacity *= 2
    }

    /// The table (with its loaded columns) and the status of every record, in order.
    consuming func finish() -> (table: Table, rows: [RowStatus]) {
        var table = self.table
        table.loaded = loaded
        for f in 0..<fieldCount where loaded[f] {
            table.columns[f] = Array(UnsafeBufferPointer(start: cells + f * capacity, count: validCount))
        }
        let rows = Array(UnsafeBufferPointer(start: statuses, count: statusCount))
        return (table, rows)
    }
}
