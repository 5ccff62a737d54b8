import Foundation
import TepatModel

/// `tepat run --expect DIR`: compares a run's decisions with a previous run's (the golden file
/// `DIR/decisions.csv`), subject by subject: decision, rule and amount. Reasons are not compared
/// (rewording a reason text is not a change of outcome).
public struct GoldenComparison: Sendable {
    public struct Change: Sendable {
        public var expected: DecisionRow
        public var actual: DecisionRow
        public var fields: [String]
    }

    public var expectedPath: String
    public var actualPath: String
    /// Subjects found in both files.
    public var compared = 0
    public var changed: [Change] = []
    /// In the golden file only.
    public var missing: [DecisionRow] = []
    /// In the new run only.
    public var added: [DecisionRow] = []

    public var isSame: Bool { changed.isEmpty && missing.isEmpty && added.isEmpty }

    /// Counts of changes by kind: `decision accepted → rejected`, `rule desil → usia`, `amount`.
    public var changeCounts: [(what: String, count: Int)] {
        var counts: [String: Int] = [:]
        for change in changed {
            let what: String
            if change.fields.contains("decision") {
                what = "\(change.expected.program): \(change.expected.decision) → \(change.actual.decision)"
            } else if change.fields.contains("rule") {
                what = "\(change.expected.program): \(change.expected.decision), rule \(label(change.expected.rule)) → \(label(change.actual.rule))"
            } else {
                what = "\(change.expected.program): \(change.expected.decision), amount changed"
            }
            counts[what, default: 0] += 1
        }
        return counts.map { ($0.key, $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.what < $1.what }
    }

    func label(_ rule: String) -> String { rule.isEmpty ? "(none)" : rule }
}

public enum GoldenDecisions {
    /// The decisions file of a run folder: `decisions.csv`, or `decisions.jsonl` when only that exists.
    public static func decisionsFile(in folder: String) -> String? {
        for name in ["decisions.csv", "decisions.jsonl"] {
            let path = WorkspaceLoader.join(folder, name)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// Compares two decisions files. Subjects are matched by program and key (application, else
    /// person, else household); a key seen twice (duplicate NIKs in dirty data) is matched in order.
    public static func compare(expected: String, actual: String) throws(DecisionFileError) -> GoldenComparison {
        var result = GoldenComparison(expectedPath: expected, actualPath: actual)
        var golden: [String: [DecisionRow]] = [:]
        var order: [String] = []
        try DecisionFile.forEach(expected) { row in
            let key = row.program + "\u{1}" + row.subjectKey + "\u{1}" + row.householdId
            if golden[key] == nil { order.append(key) }
            golden[key, default: []].append(row)
        }
        var used: [String: Int] = [:]
        try DecisionFile.forEach(actual) { row in
            let key = row.program + "\u{1}" + row.subjectKey + "\u{1}" + row.householdId
            let k = used[key, default: 0]
            guard let rows = golden[key], k < rows.count else {
                result.added.append(row)
                return
            }
            used[key] = k + 1
            let old = rows[k]
            result.compared += 1
            var fields: [String] = []
            if old.decision != row.decision { fields.append("decision") }
            if old.rule != row.rule { fields.append("rule") }
            if old.amount != row.amount { fields.append("amount") }
            if !fields.isEmpty { result.changed.append(.init(expected: old, actual: row, fields: fields)) }
        }
        for key in order {
            let rows = golden[key] ?? []
            let k = used[key, default: 0]
            if k < rows.count { result.missing.append(contentsOf: rows[k...]) }
        }
        return result
    }

    /// Copies the run's decisions file into `folder` (created when needed), replacing the golden file.
    public static func update(from runFolder: String, to folder: String) throws(DecisionFileError) -> String {
        guard let source = decisionsFile(in: runFolder) else { throw DecisionFileError("the run wrote no decisions file in \(runFolder)") }
        let name = URL(fileURLWithPath: source).lastPathComponent
        let target = WorkspaceLoader.join(folder, name)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let temporary = target + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            try? FileManager.default.removeItem(atPath: temporary)
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
            if FileManager.default.fileExists(atPath: target) {
                _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: target), withItemAt: URL(fileURLWithPath: temporary))
            } else {
                try FileManager.default.moveItem(atPath: temporary, toPath: target)
            }
        } catch {
            throw DecisionFileError("cannot write \(target): \(error.localizedDescription)")
        }
        return target
    }

    /// The report printed by `tepat run --expect`: counts, then at most `limit` subjects.
    public static func render(_ c: GoldenComparison, limit: Int = 20) -> String {
        if c.isSame {
            return "expected decisions: no change (\(c.compared) subjects match \(c.expectedPath))\n"
        }
        var out = "expected decisions: \(c.changed.count) changed, \(c.missing.count) missing, \(c.added.count) new, of \(c.compared) subjects compared with \(c.expectedPath)\n"
        let counts = c.changeCounts
        let width = counts.map { String($0.count).count }.max() ?? 0
        for (what, count) in counts { out += "  " + String(repeating: " ", count: width - String(count).count) + "\(count)  \(what)\n" }
        var shown = 0
        if !c.changed.isEmpty, shown < limit { out += "changed (decision, rule or amount):\n" }
        for change in c.changed where shown < limit {
            shown += 1
            let e = change.expected, a = change.actual
            out += "  \(e.program) \(e.subjectLabel) (household \(e.householdId), line \(a.line)): "
            out += "\(e.decision) \(e.rule.isEmpty ? "-" : e.rule) \(e.amount) → \(a.decision) \(a.rule.isEmpty ? "-" : a.rule) \(a.amount)\n"
        }
        if !c.missing.isEmpty, shown < limit { out += "in the expected file only:\n" }
        for row in c.missing where shown < limit {
            shown += 1
            out += "  \(row.program) \(row.subjectLabel) (household \(row.householdId), line \(row.line)): \(row.decision) \(row.rule)\n"
        }
        if !c.added.isEmpty, shown < limit { out += "in this run only:\n" }
        for row in c.added where shown < limit {
            shown += 1
            out += "  \(row.program) \(row.subjectLabel) (household \(row.householdId), line \(row.line)): \(row.decision) \(row.rule)\n"
        }
        let total = c.changed.count + c.missing.count + c.added.count
        if total > shown { out += "  … and \(total - shown) more (--expect-limit N shows more)\n" }
        out += "re-baseline on purpose with --update-expected\n"
        return out
    }
}
