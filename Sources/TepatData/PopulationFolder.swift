import Foundation
import TepatModel

/// A population on disk: one folder, one file per schema entity (`households.csv`,
/// `members.jsonl`, …). Opening it checks that the folder is there and every required file is,
/// so a run fails before any work with a message naming the folder or file (exit 2).
public struct PopulationFolder: Sendable {
    /// One entity's file.
    public struct File: Sendable, Hashable {
        /// The full path.
        public var path: String
        /// The name invalid records carry (`members.csv`).
        public var name: String
        public var format: PopulationFormat
    }

    public let path: String
    public let schema: Schema
    /// Per schema entity: its file, or nil when an optional file is absent (no records).
    public let files: [File?]

    /// Finds `<entity.file>.csv`, else `<entity.file>.jsonl`, for every entity.
    public init(path: String, schema: Schema) throws(PopulationError) {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw PopulationError(.folderMissing, path: path)
        }
        guard isFolder.boolValue else { throw PopulationError(.notAFolder, path: path) }
        guard manager.isReadableFile(atPath: path), manager.isExecutableFile(atPath: path) else {
            throw PopulationError(.folderUnreadable, path: path)
        }
        let base = URL(fileURLWithPath: path, isDirectory: true)
        var files: [File?] = []
        for entity in schema.entities {
            var found: File?
            for format in [PopulationFormat.csv, .jsonl] {
                let name = entity.file + "." + format.rawValue
                let full = base.appendingPathComponent(name).path
                var isDirectory: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                    found = File(path: full, name: name, format: format)
                    break
                }
            }
            if found == nil, entity.fileRequired {
                let expected = base.appendingPathComponent(entity.file + ".csv").path
                throw PopulationError(.fileMissing, path: expected)
            }
            files.append(found)
        }
        self.path = path
        self.schema = schema
        self.files = files
    }

    /// A reader for `entity`'s file, or nil when the (optional) file is absent.
    public func reader(
        for entity: Int, loaded: [Bool]? = nil, stringSeed: [String] = [], blockSize: Int = 4 << 20
    ) throws(PopulationError) -> EntityReader? {
        guard let file = files[entity] else { return nil }
        return try EntityReader(
            path: file.path, fileName: file.name, schema: schema, entity: entity, loaded: loaded, stringSeed: stringSeed,
            blockSize: blockSize)
    }

    /// The whole of `entity`'s file, linked (see `loadTable(path:…)`); no records when the
    /// optional file is absent.
    public func load(
        _ entity: Int, linker: inout Linker, loaded: [Bool]? = nil, stringSeed: [String] = [], maxRecords: Int = 65_536,
        parallelism: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws(PopulationError) -> LoadedEntity {
        guard let file = files[entity] else {
            return LoadedEntity(schema: schema, entity: entity, loaded: loaded, stringSeed: stringSeed)
        }
        return try loadTable(
            path: file.path, fileName: file.name, schema: schema, entity: entity, linker: &linker, loaded: loaded,
            stringSeed: stringSeed, maxRecords: maxRecords, parallelism: parallelism)
    }
}
