import Foundation
import Testing

@testable import TepatAllocate
@testable import TepatCheck
import TepatEval
import TepatModel

/// Allocation with the candidates on disk (`CandidateStore`: external sorts, one walk) must decide
/// exactly what the in-memory `Allocator.allocate` decides: same outcome and rank for every
/// candidate, same totals — with nulls, ties, descending keys, texts, values kept aside, limits,
/// quota and budget, and runs small enough that several are merged.
@Suite struct CandidateStoreTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var count: Int
        var keys: [CandidateSlot] = [.cell, .cell]
        var descending: [Bool] = [false, true]
        var subject: CandidateSlot = .cell
        /// `max` of each limit.
        var limits: [Int64] = []
        /// Limit keys are texts (not cells): counted in memory.
        var textLimitKeys = false
        var quota: Int64?
        var budget: Int64?
        /// Percent of text values too long or not ASCII (kept aside).
        var aside = 0
        /// The first order key is a fraction (a decimal expression): every candidate is kept aside.
        var fractions = false
        /// Distinct values per key (small: many ties).
        var spread: Int64 = 6
        var runRecords: Int? = 16
        var fanIn = 64
        var seed: UInt64 = 1

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no candidates", count: 0, limits: [1], quota: 3),
        Case(name: "no allocation rules", count: 200),
        Case(name: "quota only", count: 300, quota: 120),
        Case(name: "one limit and a quota", count: 400, limits: [1], quota: 150, runRecords: 10, fanIn: 2, seed: 2),
        Case(name: "one limit of two and a budget", count: 500, limits: [2], budget: 60_000, seed: 3),
        Case(name: "a limit of zero", count: 100, limits: [0], quota: 10, seed: 4),
        Case(name: "negative limit", count: 100, limits: [-1], seed: 5),
        Case(name: "quota and budget", count: 600, descending: [true, true], limits: [1], quota: 200, budget: 90_000, seed: 6),
        Case(
            name: "text key and text subject (short ASCII)", count: 500, keys: [.cell, .text], descending: [false, false], subject: .text, limits: [1],
            quota: 100, seed: 7),
        Case(
            name: "descending text key", count: 500, keys: [.text, .cell], descending: [true, false], subject: .text, limits: [1], quota: 250, seed: 8),
        Case(
            name: "values kept aside (long, non-ASCII, fractions)", count: 500, keys: [.cell, .text], descending: [true, true], subject: .text,
            limits: [1], quota: 200, aside: 20, seed: 9),
        Case(name: "fraction keys (all kept aside)", count: 400, descending: [true, false], limits: [1], budget: 70_000, fractions: true, seed: 16),
        Case(name: "two limits (counted in memory)", count: 500, limits: [1, 2], quota: 200, budget: 80_000, seed: 10),
        Case(name: "text limit keys (counted in memory)", count: 300, limits: [1], textLimitKeys: true, quota: 100, seed: 11),
        Case(name: "one run in memory", count: 700, limits: [1], quota: 300, runRecords: nil, seed: 12),
        Case(name: "many runs, several merge passes", count: 3_000, limits: [1], quota: 900, spread: 40, runRecords: 50, fanIn: 3, seed: 13),
        Case(name: "unique keys", count: 1_000, keys: [.cell], descending: [true], limits: [1], quota: 400, spread: 1_000_000, runRecords: 64, seed: 14),
        Case(name: "no order keys", count: 300, keys: [], descending: [], limits: [1], quota: 100, seed: 15),
    ]

    static let range = SourceRange(path: "test", start: SourcePosition(line: 1, column: 1), end: SourcePosition(line: 1, column: 1))
    static let expr = TypedExpr(.constant(0), .integer, nullable: true, range: range, text: "")

    static func policy(_ c: Case) -> CheckedAllocation {
        CheckedAllocation(
            order: c.descending.map { CheckedAllocation.OrderKey(expr: expr, descending: $0) },
            limits: c.limits.enumerated().map { CheckedAllocation.Limit(id: "limit\($0.offset)", per: expr, max: $0.element, reject: nil, range: range) },
            quota: c.quota.map { CheckedAllocation.Cap(id: "quota", max: $0, waitlist: nil, range: range) },
            budget: c.budget.map { CheckedAllocation.Cap(id: "budget", max: $0, waitlist: nil, range: range) })
    }

    static func candidates(_ c: Case) -> [Candidate] {
        var random = SplitMix(seed: c.seed)
        func pick(_ n: Int64) -> Int64 { Int64(random.next() % UInt64(max(1, n))) }
        func chance(_ percent: Int) -> Bool { random.next() % 100 < UInt64(percent) }
        let alphabet = Array("aAbB0-9 zZ~".utf8)
        func text(_ aside: Bool) -> String {
            if aside {
                return chance(50) ? String(repeating: "x", count: 20 + Int(pick(10))) + String(pick(c.spread)) : (chance(50) ? "é" : "Ångström") + String(pick(c.spread))
            }
            let length = Int(pick(5))
            let base = String(decoding: (0..<length).map { _ in alphabet[Int(pick(Int64(alphabet.count)))] }, as: UTF8.self)
            return chance(30) ? "SKM-2024-\(String(format: "%06d", pick(c.spread)))" : base + String(pick(c.spread))
        }
        // A key's values are all of one kind (as a policy's are): fractions, cells or texts.
        func value(_ slot: CandidateSlot, fraction: Bool = false) -> OrderValue {
            if chance(12) { return .null }
            let aside = chance(c.aside)
            switch slot {
            case .cell:
                if fraction, let r = Rational(pick(c.spread) - 2, 3) { return .rational(r) }
                return .cell(pick(c.spread) - c.spread / 2)
            case .text: return .text(text(aside))
            }
        }
        // Input rows: unique, not in append order (as deferred subjects are appended late).
        var ordinals = Array(0..<(c.count * 2))
        ordinals.shuffle(using: &random)
        return (0..<c.count).map { i in
            Candidate(
                ordinal: ordinals[i],
                keys: c.keys.enumerated().map { value($0.element, fraction: c.fractions && $0.offset == 0) },
                limitKeys: c.limits.map { _ in
                    chance(10) ? .null : (c.textLimitKeys ? .text("k\(pick(Int64(c.count / 3 + 1)))") : .cell(pick(Int64(c.count / 3 + 1))))
                },
                subjectKey: value(c.subject), amount: pick(1_000))
        }
    }

    @Test(arguments: cases)
    func decidesWhatTheInMemoryAllocatorDecides(_ c: Case) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tepat-candidates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = Self.policy(c)
        let candidates = Self.candidates(c)
        let expected = Allocator.allocate(candidates, policy: policy)

        let layout = CandidateLayout(keys: c.keys, descending: c.descending, subject: c.subject, limitCount: c.limits.count, payloadCount: 2)
        let store = CandidateStore(layout: layout, scratch: dir.appendingPathComponent(".candidates").path, runRecords: c.runRecords, fanIn: c.fanIn)
        for (i, candidate) in candidates.enumerated() { store.append(candidate, payload: [Int64(i) * 7, -Int64(i)]) }
        var results = [Allocation?](repeating: nil, count: candidates.count)
        var visits = 0
        let totals = try store.allocate(policy: policy) { record, result in
            visits += 1
            let i = record.index
            guard i >= 0, i < candidates.count else { return }
            #expect(results[i] == nil, "candidate \(i) handed over twice")
            results[i] = result
            #expect(record.ordinal == candidates[i].ordinal)
            #expect(record.amount == candidates[i].amount)
            #expect(record.payload(0) == Int64(i) * 7 && record.payload(1) == -Int64(i))
        }
        #expect(visits == candidates.count)
        #expect(totals == expected.totals)
        let mismatches = results.indices.filter { results[$0] != expected.results[$0] }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, first: \(mismatches.first.map { "\($0): \(String(describing: results[$0])) instead of \(expected.results[$0])" } ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "no scratch file is left")
    }

    /// Every cell, in both directions, keeps its order and comes back as itself; null is last.
    @Test(arguments: [false, true])
    func cellsEncodeInOrder(descending: Bool) {
        let values: [Int64] = [.min + 1, -5, -1, 0, 1, 2, 1 << 40, .max - 1, .max]
        let encoded = values.map { CandidateLayout.encode(cell: $0, descending: descending) }
        for i in encoded.indices.dropFirst() { #expect(descending ? encoded[i - 1] > encoded[i] : encoded[i - 1] < encoded[i]) }
        #expect(encoded.allSatisfy { $0 < CandidateLayout.encode(cell: Cell.null, descending: descending) })
        for (v, u) in zip(values, encoded) { #expect(CandidateLayout.decode(cell: u, descending: descending) == .cell(v)) }
        #expect(CandidateLayout.decode(cell: .max, descending: descending) == .null)
    }

    /// An order key on a text field is kept as text; any other key as a cell.
    @Test func slotsFollowTheKeysType() {
        #expect(CandidateSlot(CheckedAllocation.OrderKey(expr: Self.expr, descending: false)) == .cell)
        let text = TypedExpr(.text("a"), .string, nullable: false, range: Self.range, text: "")
        #expect(CandidateSlot(CheckedAllocation.OrderKey(expr: text, descending: false)) == .cell, "a constant text is not a field")
    }
}
