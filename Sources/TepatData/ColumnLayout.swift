import TepatModel

/// How the columns of one file map to the fields of its entity. Columns may come in any order;
/// a file that lacks a required column or has one the schema does not know cannot be read at
/// all (a file-level `PopulationError`, exit 2), because every row would be wrong the same way.
struct ColumnLayout: Sendable {
    /// The column names in file order (JSON Lines: the schema's field names).
    let columns: [String]
    /// Per column: the field it holds.
    let columnFields: [Int]
    /// Per field: its column, or -1 when a `columnOptional` field's column is absent.
    let fieldColumns: [Int]

    /// Checks a CSV header against the entity.
    static func csv(header: [String], entity: Entity, path: String) throws(PopulationError) -> ColumnLayout {
        var columnFields: [Int] = []
        var fieldColumns = Array(repeating: -1, count: entity.fields.count)
        for (c, name) in header.enumerated() {
            guard let f = entity.fieldIndex(named: name) else {
                let suggestion = Suggestion.closest(to: name, in: entity.fields.map(\.name))
                throw PopulationError(.unknownColumn(name, suggestion: suggestion), path: path)
            }
            guard fieldColumns[f] < 0 else { throw PopulationError(.duplicateColumn(name), path: path) }
            fieldColumns[f] = c
            columnFields.append(f)
        }
        for (f, field) in entity.fields.enumerated() where fieldColumns[f] < 0 && !field.columnOptional {
            throw PopulationError(.missingColumn(field.name), path: path)
        }
        return ColumnLayout(columns: header, columnFields: columnFields, fieldColumns: fieldColumns)
    }

    /// JSON Lines has no header: every field is a "column", in schema order.
    static func jsonl(entity: Entity) -> ColumnLayout {
        let all = Array(entity.fields.indices)
        return ColumnLayout(columns: entity.fields.map(\.name), columnFields: all, fieldColumns: all)
    }

    /// Treats the keys of a JSON Lines file's first object as its header, so that a file written
    /// for another schema fails at once instead of yielding nothing but invalid rows. Keys of
    /// optional fields may be left out (writers often omit nulls); keys of required ones may not.
    static func checkJSONKeys(_ keys: [String], entity: Entity, path: String) throws(PopulationError) {
        for key in keys where entity.fieldIndex(named: key) == nil {
            let suggestion = Suggestion.closest(to: key, in: entity.fields.map(\.name))
            throw PopulationError(.unknownColumn(key, suggestion: suggestion), path: path)
        }
        for field in entity.fields where !field.optional && !keys.contains(field.name) {
            throw PopulationError(.missingColumn(field.name), path: path)
        }
    }
}
