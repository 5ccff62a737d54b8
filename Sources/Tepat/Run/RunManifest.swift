import Foundation

/// `manifest.json`: what a run read and wrote, so it can be reproduced and audited.
public struct RunManifest: Codable, Sendable {
    public struct InputFile: Codable, Sendable {
        public var path: String
        public var role: String
        public var sha256: String
        /// Data records read (population files only).
        public var rows: Int?
    }

    public var tool: String
    public var toolVersion: String
    public var startedAt: String
    public var finishedAt: String
    public var jobs: Int
    public var population: String
    public var programs: [String]
    public var inputs: [InputFile]
    public var rowsRead: [String: Int]
    public var rowsWritten: [String: Int]
    public var invalidRows: Int
}
