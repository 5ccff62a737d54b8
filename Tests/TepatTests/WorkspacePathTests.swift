import Foundation
import Testing

@testable import Tepat

/// Paths a policy names (schema, calendars, `extends`) keep the form of the policy's own path:
/// relative when it was given relative, so `tepat check diagnostics/x.yaml` reports
/// `diagnostics/schema.yaml:…`, not an absolute path.
@Suite struct WorkspacePathTests {
    @Test(arguments: [
        ("../../schema/dtks.yaml", "policies/tangerang/2025/p.yaml", "policies/schema/dtks.yaml"),
        ("schema.yaml", "diagnostics/x.yaml", "diagnostics/schema.yaml"),
        ("./cal/../cal/libur.yaml", "diagnostics/x.yaml", "diagnostics/cal/libur.yaml"),
        ("schema.yaml", "x.yaml", "schema.yaml"),
        ("../schema.yaml", "x.yaml", "../schema.yaml"),
        ("../../s.yaml", "a/x.yaml", "../s.yaml"),
        ("s.yaml", "./a//b/x.yaml", "a/b/s.yaml"),
        ("../s.yaml", "../a/x.yaml", "../s.yaml"),
        ("/etc/s.yaml", "a/x.yaml", "/etc/s.yaml"),
        ("../s.yaml", "/w/a/b/x.yaml", "/w/a/s.yaml"),
    ])
    func resolve(_ written: String, _ file: String, _ expected: String) {
        #expect(WorkspaceLoader.resolve(written, from: file) == expected)
    }

    /// `target` spelled relative to the working directory (with `..` as needed).
    static func relativeToWorkingDirectory(_ target: String) -> String {
        let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.pathComponents
        let parts = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
        let common = zip(base, parts).prefix { $0 == $1 }.count
        let path = (Array(repeating: "..", count: base.count - common) + parts[common...]).joined(separator: "/")
        return path.isEmpty ? "." : path
    }

    /// A policy given by a relative path, with an error in its schema, a calendar and a base policy
    /// reached through `..`: every diagnostic and every source path is relative and normalised, and
    /// each file is read once.
    @Test func pathsNamedByARelativePolicyStayRelative() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-paths-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let policies = root.appendingPathComponent("policies/2026")
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("policies/2025"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("shared"), withIntermediateDirectories: true)
        try """
            schema: s
            entities:
              member:
                file: members
                key: person_id
                fields:
                  person_id: {type: digits, length: 16}
                  age: {type: integr}
            """.write(to: root.appendingPathComponent("shared/schema.yaml"), atomically: true, encoding: .utf8)
        try """
            calendar: c
            days_off:
              - {date: 2026-01-01, name: Tahun Baru, kind: libur_nasional}
            """.write(to: root.appendingPathComponent("shared/calendar.yaml"), atomically: true, encoding: .utf8)
        try """
            policy: base
            title: Base
            budget_year: 2025
            subject: member
            as_of: 2025-03-01
            schema: ../../shared/schema.yaml
            rules:
              - id: ada
                require: present(person_id)
                reject: "Tidak ada"
            """.write(to: root.appendingPathComponent("policies/2025/base.yaml"), atomically: true, encoding: .utf8)
        try """
            extends: ../2025/base.yaml
            policy: child
            budget_year: 2026
            as_of: 2026-03-01
            calendars:
              libur: ./../../shared/calendar.yaml
            """.write(to: policies.appendingPathComponent("child.yaml"), atomically: true, encoding: .utf8)

        let relative = Self.relativeToWorkingDirectory(policies.appendingPathComponent("child.yaml").path)
        try #require(!relative.hasPrefix("/"))
        let prefix = Self.relativeToWorkingDirectory(root.path)
        let workspace = Workspace.load(paths: [relative])

        let schemaErrors = workspace.diagnostics.sorted.filter { $0.range?.path.hasSuffix("schema.yaml") == true }
        #expect(!schemaErrors.isEmpty, "the schema's bad type is reported: \(workspace.diagnostics.sorted.map(\.message))")
        for d in workspace.diagnostics.sorted {
            guard let path = d.range?.path else { continue }
            #expect(!path.hasPrefix("/"), "absolute path in \(d.message): \(path)")
        }
        #expect(schemaErrors.first?.range?.path == "\(prefix)/shared/schema.yaml")
        let paths = workspace.sources.map(\.path)
        #expect(paths.allSatisfy { !$0.hasPrefix("/") && !$0.contains("/./") && !$0.dropFirst(prefix.count).contains("..") }, "\(paths)")
        #expect(Set(paths).isSuperset(of: ["\(prefix)/policies/2026/child.yaml", "\(prefix)/policies/2025/base.yaml", "\(prefix)/shared/schema.yaml"]), "\(paths)")
        let keys = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        #expect(Set(keys).count == keys.count, "a file was read twice: \(paths)")
    }

    /// The same file reached by a folder argument and by a path a policy names is read once.
    @Test func aFileReachedTwiceIsReadOnce() throws {
        let folder = DiagnosticGoldenTests.folder
        let relative = Self.relativeToWorkingDirectory(folder.path)
        let workspace = Workspace.load(paths: [
            folder.appendingPathComponent("unknown-calendar.yaml").path,
            relative + "/unknown-calendar.yaml",
            relative + "/schema.yaml",
        ])
        let keys = workspace.sources.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path }
        #expect(Set(keys).count == keys.count, "\(workspace.sources.map(\.path))")
    }
}
