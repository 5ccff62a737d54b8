import TepatData
import TepatModel

/// Copies of household rows kept after the window lets them go, each copied once (by its record
/// index in the file): the households of application-named members, and those that deferred
/// members will need at the end of the run.
struct KeptHouseholds {
    private(set) var table: Table
    /// Per kept row: its record index in the households file.
    private(set) var fileRows: [Int] = []
    private var rowOfFileRow: [Int: Int32] = [:]

    init(entity: Int, fieldCount: Int, linkCount: Int) {
        table = Table(entity: entity, fieldCount: fieldCount, linkCount: linkCount)
    }

    var count: Int { table.count }

    func row(ofFileRow fileRow: Int) -> Int32? { rowOfFileRow[fileRow] }

    /// Keeps row `r` of `source` (record `fileRow` of the file) unless it is kept already, and
    /// returns its row here. Text cells are copied as they are: `source` shares the pool of the
    /// run's household strings.
    mutating func keep(_ source: Table, row r: Int, fileRow: Int) -> Int32 {
        if let kept = rowOfFileRow[fileRow] { return kept }
        var cells = [Cell](repeating: .null, count: source.columns.count)
        for f in cells.indices where source.loaded[f] { cells[f] = source.columns[f][r] }
        return keep(cells: cells, line: source.lines[r], fileRow: fileRow)
    }

    /// Keeps a household given by its cells (already in the run's household string pool).
    mutating func keep(cells: [Cell], line: Int, fileRow: Int) -> Int32 {
        if let kept = rowOfFileRow[fileRow] { return kept }
        cells.withUnsafeBufferPointer { table.append(cells: $0, line: line) }
        fileRows.append(fileRow)
        let row = Int32(table.count - 1)
        rowOfFileRow[fileRow] = row
        return row
    }

    /// The kept rows in file order, and where each old row went (they were kept as members
    /// came, so what is written per household would otherwise depend on chunking).
    func inFileOrder() -> (kept: KeptHouseholds, newRow: [Int32]) {
        var sorted = KeptHouseholds(entity: table.entity, fieldCount: table.columns.count, linkCount: table.links.count)
        var newRow = [Int32](repeating: -1, count: table.count)
        for old in fileRows.indices.sorted(by: { fileRows[$0] < fileRows[$1] }) {
            newRow[old] = sorted.keep(table, row: old, fileRow: fileRows[old])
        }
        sorted.table.strings = table.strings
        return (sorted, newRow)
    }
}
