import Foundation
import Testing

@testable import Tepat

/// An output appears under its name whole or not at all: committing replaces a previous run's
/// file, and a file let go uncommitted leaves nothing behind.
@Suite struct AtomicFileTests {
    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "tepat-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func entries(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    /// `true`: a previous run's file is there to be replaced (the renameat2 exchange path).
    @Test(arguments: [false, true])
    func commitPutsTheWholeFileInPlace(replacing: Bool) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/decisions.csv"
        if replacing { try Data(String(repeating: "old line\n", count: 10_000).utf8).write(to: URL(fileURLWithPath: path)) }
        let file = try AtomicFile(path: path)
        file.write("new\n")
        let temporary = URL(fileURLWithPath: file.temporary).lastPathComponent
        #expect(try Self.entries(folder) == (replacing ? [temporary, "decisions.csv"].sorted() : [temporary]))
        try file.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try Self.entries(folder) == ["decisions.csv"])
    }

    @Test func anUncommittedFileLeavesThePreviousOneAndNoTemporary() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/summary.json"
        try Data("previous\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            let file = try AtomicFile(path: path)
            file.write("half of a new one")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous\n")
        #expect(try Self.entries(folder) == ["summary.json"])
    }

    @Test func aFolderInTheWayIsAnErrorNotASwap() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/decisions.csv"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let file = try AtomicFile(path: path)
        file.write("rows\n")
        #expect(throws: RunError.self) { try file.commit() }
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
    }
}
