import TepatModel

/// A population that cannot be used at all (the CLI exits 2): a missing folder or file, an
/// unreadable file, a header that does not match the schema. Bad *rows* are never errors; they
/// are `InvalidRecord`s.
public struct PopulationError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case folderMissing
        case notAFolder
        case folderUnreadable
        case fileMissing
        case fileUnreadable(String)
        /// The file has no header row (CSV) or no content at all.
        case emptyFile
        /// The header row itself has broken quoting.
        case badHeader
        case missingColumn(String)
        case unknownColumn(String, suggestion: String?)
        case duplicateColumn(String)
        case readFailed(String)
    }

    public var kind: Kind
    /// The folder or file concerned, as given.
    public var path: String

    public init(_ kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    /// Bahasa Indonesia or English, naming the folder or file.
    public func message(_ language: Language = .id) -> String {
        let en = language == .en
        switch kind {
        case .folderMissing:
            return en ? "population folder not found: \(path)" : "folder populasi tidak ditemukan: \(path)"
        case .notAFolder:
            return en ? "population path is not a folder: \(path)" : "jalur populasi bukan folder: \(path)"
        case .folderUnreadable:
            return en ? "population folder cannot be read: \(path)" : "folder populasi tidak dapat dibaca: \(path)"
        case .fileMissing:
            return en ? "required population file not found: \(path)" : "file populasi wajib tidak ditemukan: \(path)"
        case .fileUnreadable(let reason):
            return en ? "cannot open \(path): \(reason)" : "tidak dapat membuka \(path): \(reason)"
        case .emptyFile:
            return en ? "\(path) is empty (no header row)" : "\(path) kosong (tidak ada baris judul)"
        case .badHeader:
            return en ? "\(path): the header row has misplaced quotes" : "\(path): baris judul memuat tanda kutip yang salah"
        case .missingColumn(let column):
            return en ? "\(path): required column `\(column)` is missing" : "\(path): kolom wajib `\(column)` tidak ada"
        case .unknownColumn(let column, let suggestion):
            let hint = suggestion.map { en ? " (did you mean `\($0)`?)" : " (maksud Anda `\($0)`?)" } ?? ""
            return en ? "\(path): unknown column `\(column)`\(hint)" : "\(path): kolom `\(column)` tidak dikenal\(hint)"
        case .duplicateColumn(let column):
            return en ? "\(path): column `\(column)` appears twice" : "\(path): kolom `\(column)` muncul dua kali"
        case .readFailed(let reason):
            return en ? "reading \(path) failed: \(reason)" : "gagal membaca \(path): \(reason)"
        }
    }

    public var description: String { message(.id) }
}
