import Foundation
import TepatCheck
import TepatModel

/// `tepat test --coverage`: per policy, which rules, `any` branches and allocation limits were
/// decisive or failing for at least one checked subject, and which were never exercised.
///
/// Only subjects that carry an expectation count: a rule that decided a subject nobody checks
/// is not covered by a test.
public struct Coverage: Sendable {
    public struct Item: Sendable, Hashable {
        public enum Kind: String, Sendable { case rule, all, any, branch, limit, quota, budget }
        public var id: String
        public var kind: Kind
        /// Nesting depth in the rule tree (0 for top-level rules and allocation items).
        public var depth: Int
        /// Subjects for which this was the decisive rule (rejections, acceptances through a branch, limits, caps).
        public var decisive = 0
        /// Subjects for which this rule failed (decisive or not).
        public var failing = 0

        public var exercised: Bool { decisive > 0 || failing > 0 }
    }

    public struct Program: Sendable {
        public var id: String
        public var path: String
        public var items: [Item]

        public var neverExercised: [Item] { items.filter { !$0.exercised } }
    }

    public private(set) var programs: [Program] = []

    public init() {}

    /// Adds a policy's rules and allocation items (once per program id).
    mutating func register(_ policy: CheckedPolicy) {
        guard !programs.contains(where: { $0.id == policy.id }) else { return }
        var items: [Item] = []
        func depth(_ i: Int) -> Int {
            var d = 0
            var p = policy.rules[i].parent
            while let q = p {
                d += 1
                p = policy.rules[q].parent
            }
            return d
        }
        for (i, rule) in policy.rules.enumerated() {
            var kind: Item.Kind
            switch rule.kind {
            case .require: kind = .rule
            case .all: kind = .all
            case .any: kind = .any
            }
            if let parent = rule.parent, case .any = policy.rules[parent].kind, kind == .rule { kind = .branch }
            items.append(Item(id: rule.id, kind: kind, depth: depth(i)))
        }
        if let allocation = policy.allocation {
            for limit in allocation.limits { items.append(Item(id: limit.id, kind: .limit, depth: 0)) }
            if let quota = allocation.quota { items.append(Item(id: quota.id, kind: .quota, depth: 0)) }
            if let budget = allocation.budget { items.append(Item(id: budget.id, kind: .budget, depth: 0)) }
        }
        programs.append(Program(id: policy.id, path: policy.path, items: items))
    }

    /// Counts one checked subject's decision.
    mutating func record(_ row: DecisionRow) {
        guard let p = programs.firstIndex(where: { $0.id == row.program }) else { return }
        for (i, item) in programs[p].items.enumerated() {
            if item.id == row.rule, !row.rule.isEmpty { programs[p].items[i].decisive += 1 }
            if row.failing.contains(item.id) { programs[p].items[i].failing += 1 }
        }
    }

    /// Rules, branches and allocation items never exercised, over every program.
    public var neverExercisedCount: Int { programs.reduce(0) { $0 + $1.neverExercised.count } }

    /// The coverage table for the terminal.
    public func render() -> String {
        var out = "Coverage (subjects with an expectation)\n"
        for program in programs {
            out += "\n  \(program.id)  \(DisplayPath.relative(program.path))\n"
            let width = max(24, program.items.map { $0.depth * 2 + $0.id.count + $0.kind.rawValue.count + 4 }.max() ?? 0)
            out += "    " + pad("rule", width) + padLeft("decisive", 9) + padLeft("failing", 9) + "\n"
            for item in program.items {
                let label = String(repeating: "  ", count: item.depth) + item.id + (item.kind == .rule ? "" : " (\(item.kind.rawValue))")
                let failing = [.limit, .quota, .budget].contains(item.kind) ? "–" : String(item.failing)
                out += "    " + pad(label, width) + padLeft(String(item.decisive), 9) + padLeft(failing, 9)
                out += item.exercised ? "\n" : "   never exercised\n"
            }
            let missing = program.neverExercised
            out += missing.isEmpty
                ? "    every rule, branch and allocation limit was exercised (\(program.items.count) of \(program.items.count))\n"
                : "    never exercised: " + missing.map(\.id).joined(separator: ", ") + " (\(program.items.count - missing.count) of \(program.items.count) exercised)\n"
        }
        return out
    }

    private func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
    private func padLeft(_ s: String, _ w: Int) -> String { s.count >= w ? " " + s : String(repeating: " ", count: w - s.count) + s }
}

/// Paths as people typed them: relative to the working directory when inside it.
enum DisplayPath {
    static func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
