import Foundation
import TepatCheck
import TepatModel
import TepatSyntax

/// Policies, schemas and calendars loaded from files or folders and checked together: the
/// first thing every command does. Another program (a web service) can call this directly.
public struct Workspace: Sendable {
    public var policies: [CheckedPolicy] = []
    public var diagnostics = DiagnosticSet()
    /// Every file read, for rendering diagnostics and hashing into run manifests.
    public var sources: [SourceFile] = []
    public var schemas: [Schema] = []
    public var calendars: [WorkCalendar] = []

    /// The bundled policies, relative to the working directory.
    public static let defaultPolicyPath = "policies/tangerang/2025"
    public static let defaultPopulationPath = "fixtures/population/sample"
    /// The bundled sample has 2,500 households, not the city's 84,602 poor families: with no
    /// options, `tepat run` scales the caps so that they bite on it (fixtures/population/sample/README.md).
    public static let sampleOverrides: [(name: String, value: String)] = [("kuota", "1200"), ("anggaran", "Rp15.000.000")]

    public init() {}

    public var renderer: DiagnosticRenderer { DiagnosticRenderer(sources: sources) }

    /// Loads and checks every policy under `paths` (files or folders, searched recursively for
    /// `.yaml`/`.yml`), with the schemas and calendars they name. Schema and calendar files found
    /// in the folders are checked too.
    public static func load(paths: [String], options: CheckOptions = CheckOptions()) -> Workspace {
        var loader = WorkspaceLoader(options: options)
        for path in paths { loader.add(path: path) }
        return loader.finish()
    }
}

/// The mutable state of one `Workspace.load`.
struct WorkspaceLoader {
    let options: CheckOptions
    var workspace = Workspace()
    var policyFiles: [SourceFile] = []
    var schemaCache: [String: Schema?] = [:]
    var calendarCache: [String: WorkCalendar?] = [:]
    var seenFiles: Set<String> = []

    init(options: CheckOptions) { self.options = options }

    mutating func add(path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            workspace.diagnostics.append(.error("io.missing", "no such file or folder: \(path)", at: nil))
            return
        }
        if isDirectory.boolValue {
            let files = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
            if files.isEmpty {
                workspace.diagnostics.append(.error("io.empty", "no YAML files in \(path)", at: nil))
            }
            for file in files { addFile(Self.join(path, file)) }
        } else {
            addFile(path)
        }
    }

    static func join(_ folder: String, _ file: String) -> String {
        folder.hasSuffix("/") ? folder + file : folder + "/" + file
    }

    mutating func read(_ path: String) -> SourceFile? {
        guard let data = FileManager.default.contents(atPath: path) else {
            workspace.diagnostics.append(.error("io.unreadable", "cannot read \(path)", at: nil))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            workspace.diagnostics.append(.error("io.encoding", "\(path) is not UTF-8 text", at: nil))
            return nil
        }
        let source = SourceFile(path: path, text: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        // One file reached by two spellings of its path (`a/x.yaml`, `/abs/a/x.yaml`) is kept once.
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        if let known = workspace.sources.first(where: { URL(fileURLWithPath: $0.path).standardizedFileURL.path == key }) { return known }
        workspace.sources.append(source)
        return source
    }

    /// Sorts a file by its first key: `policy`, `schema` or `calendar`.
    mutating func addFile(_ path: String) {
        let normalized = URL(fileURLWithPath: path).standardizedFileURL.path
        guard seenFiles.insert(normalized).inserted, let source = read(path) else { return }
        let firstKey = source.lines.lazy.map { $0.drop { $0 == " " } }
            .first { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("---") }
            .map { String($0.prefix { $0 != ":" }) }
        switch firstKey {
        case "schema": _ = schema(at: path)
        case "calendar": _ = calendar(at: path)
        case "cases", "tests", "defaults", "suite": break  // regression suites are read by `tepat test`
        default: policyFiles.append(source)
        }
    }

    mutating func schema(at path: String) -> Schema? {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        if let cached = schemaCache[key] { return cached }
        guard let source = workspace.sources.first(where: { URL(fileURLWithPath: $0.path).standardizedFileURL.path == key }) ?? read(path) else {
            schemaCache[key] = .some(nil)
            return nil
        }
        let (schema, diagnostics) = SchemaLoader.load(source)
        workspace.diagnostics.append(contentsOf: diagnostics)
        let usable = diagnostics.contains { $0.severity == .error } ? nil : schema
        schemaCache[key] = .some(usable)
        if let usable { workspace.schemas.append(usable) }
        return usable
    }

    mutating func calendar(at path: String) -> WorkCalendar? {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        if let cached = calendarCache[key] { return cached }
        guard let source = workspace.sources.first(where: { URL(fileURLWithPath: $0.path).standardizedFileURL.path == key }) ?? read(path) else {
            calendarCache[key] = .some(nil)
            return nil
        }
        let (calendar, diagnostics) = CalendarLoader.load(source)
        workspace.diagnostics.append(contentsOf: diagnostics)
        let usable = diagnostics.contains { $0.severity == .error } ? nil : calendar
        calendarCache[key] = .some(usable)
        if let usable { workspace.calendars.append(usable) }
        return usable
    }

    /// A path written in a policy, relative to the policy's folder. It stays relative when the
    /// policy's path is (`diagnostics/schema.yaml`, not `/home/…/diagnostics/schema.yaml`), so
    /// diagnostics in it read like those in the policy.
    static func resolve(_ relative: String, from file: String) -> String {
        if relative.hasPrefix("/") { return relative }
        if file.hasPrefix("/") {
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
            return folder.appendingPathComponent(relative).standardizedFileURL.path
        }
        return normalized(join(folder(of: file), relative))
    }

    /// The folder part of `path` (`.` for a bare file name).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` with `.` and `name/..` components removed, textually (`a/./b/../c` → `a/c`); the
    /// `..` that climb above a relative path's start are kept (`../x`).
    static func normalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == "..", absolute, parts.isEmpty {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// `schema/dtks.yaml` in the nearest enclosing folder that has one (relative when `file` is).
    static func defaultSchema(for file: String) -> String? {
        var folder = URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent()
        // The same folder, spelled relative to `file`'s (`.`, `..`, `../..`, …) when `file` is relative.
        var relativeFolder: String? = file.hasPrefix("/") ? nil : normalized(Self.folder(of: file))
        for _ in 0..<12 {
            for name in ["schema/dtks.yaml", "policies/schema/dtks.yaml"] {
                let candidate = folder.appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: candidate) { return relativeFolder.map { normalized(join($0, name)) } ?? candidate }
            }
            if folder.path == "/" { break }
            folder = folder.deletingLastPathComponent()
            relativeFolder = relativeFolder.map { normalized(join($0, "..")) }
        }
        return nil
    }

    mutating func finish() -> Workspace {
        var programIds: [String: SourceRange] = [:]
        for source in policyFiles {
            let errorsBefore = workspace.diagnostics.errorCount
            let (parsed, diagnostics) = PolicyParser.parse(source)
            workspace.diagnostics.append(contentsOf: diagnostics)
            guard var syntax = parsed else { continue }
            var files = [source.path]
            if syntax.extends != nil {
                guard let merged = PolicyInheritance.resolve(syntax, loader: &self, files: &files) else { continue }
                syntax = merged
            }
            let schemaPath: String?
            if let written = syntax.schema {
                schemaPath = Self.resolve(written.value, from: written.range.path)
                if !FileManager.default.fileExists(atPath: schemaPath ?? "") {
                    workspace.diagnostics.append(.error("io.schema", "schema file `\(written.value)` not found", at: written.range))
                    continue
                }
            } else {
                schemaPath = Self.defaultSchema(for: source.path)
            }
            guard let schemaPath else {
                workspace.diagnostics.append(.error("io.schema", "no schema: add `schema: <path>` or keep the policy under a folder with `schema/dtks.yaml`", at: syntax.id?.range ?? syntax.range))
                continue
            }
            guard let schema = schema(at: schemaPath) else { continue }
            var calendars: [(name: String, calendar: WorkCalendar)] = []
            var calendarsOK = true
            for reference in syntax.calendars {
                let path = Self.resolve(reference.path.value, from: reference.path.range.path)
                guard FileManager.default.fileExists(atPath: path) else {
                    workspace.diagnostics.append(.error("io.calendar", "calendar file `\(reference.path.value)` not found", at: reference.path.range))
                    calendarsOK = false
                    continue
                }
                guard let calendar = calendar(at: path) else {
                    calendarsOK = false
                    continue
                }
                calendars.append((reference.name.value, calendar))
            }
            guard calendarsOK else { continue }
            let (checked, checkDiagnostics) = Checker.check(syntax, schema: schema, calendars: calendars, options: options)
            workspace.diagnostics.append(contentsOf: checkDiagnostics)
            // A policy with any error in its files is reported, never run.
            guard var policy = checked, workspace.diagnostics.errorCount == errorsBefore else { continue }
            if let id = syntax.id {
                if let first = programIds[id.value] {
                    workspace.diagnostics.append(.error("check.duplicate-program", "two policies define program `\(id.value)`", at: id.range, notes: [.init("first defined here", at: first)]))
                    continue
                }
                programIds[id.value] = id.range
            }
            policy.files = files
            workspace.policies.append(policy)
        }
        let declared = Set(workspace.policies.flatMap { $0.parameters.map(\.name) })
        for override in options.parameterOverrides where !declared.contains(override.name) {
            workspace.diagnostics.append(.error(
                "check.unknown-parameter", "`--set \(override.name)` names no parameter of the policies", at: nil,
                help: Suggestion.closest(to: override.name, in: declared).map { "did you mean `\($0)`?" }))
        }
        return workspace
    }
}
