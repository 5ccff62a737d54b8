import Foundation
import TepatModel
import Testing

@testable import TepatData

/// A deliberately simple RFC 4180 reader (one byte at a time, no fast paths) with the same
/// rules as `CSVScan`/`CSVSplitter`, used as the oracle for random inputs.
enum ReferenceCSV {
    struct Record: Equatable {
        var line: Int
        var fields: [[UInt8]]
        var badQuoting: Bool
    }

    static func records(_ b: [UInt8], firstLine: Int) -> [Record] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var out: [Record] = []
        var i = 0
        var line = firstLine
        let n = b.count
        while i < n {
            if b[i] == lf {
                line += 1
                i += 1
                continue
            }
            if b[i] == cr, i + 1 == n || b[i + 1] == lf {
                line += 1
                i += i + 1 == n ? 1 : 2
                continue
            }
            var record = Record(line: line, fields: [], badQuoting: false)
            fields: while true {
                var cur: [UInt8] = []
                var quoted = false
                if i < n, b[i] == quote {
                    quoted = true
                    i += 1
                    var closed = false
                    while i < n {
                        let c = b[i]
                        if c == quote {
                            if i + 1 < n, b[i + 1] == quote {
                                cur.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if c == lf { line += 1 }
                        cur.append(c)
                        i += 1
                    }
                    if !closed {
                        record.badQuoting = true
                        record.fields.append(cur)
                        break fields
                    }
                }
                let tailStart = cur.count
                while i < n, b[i] != comma, b[i] != lf {
                    if b[i] == quote, !quoted { record.badQuoting = true }
                    cur.append(b[i])
                    i += 1
                }
                if i == n || b[i] == lf, cur.count > tailStart, cur.last == cr { cur.removeLast() }
                if quoted, cur.count > tailStart { record.badQuoting = true }
                record.fields.append(cur)
                if i == n { break }
                if b[i] == lf {
                    line += 1
                    i += 1
                    break
                }
                i += 1
            }
            out.append(record)
        }
        return out
    }
}

/// A small deterministic generator, so failures reproduce.
struct TestRandom {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite("RFC 4180 at the byte level")
struct CSVTests {
    typealias F = ReaderFixtures

    /// Three optional text columns: every well-formed record with three fields is valid.
    static let abc = Schema(
        name: "abc", path: "abc.yaml",
        entities: [
            Entity(
                name: "row", file: "rows", fileRequired: true,
                fields: [
                    Field(name: "a", type: .string, optional: true), Field(name: "b", type: .string, optional: true),
                    Field(name: "c", type: .string, optional: true),
                ], key: 0)
        ])

    static func expected(_ body: [UInt8]) -> [F.Outcome] {
        ReferenceCSV.records(body, firstLine: 2).map { r in
            let raw = r.fields.map { String(decoding: $0, as: UTF8.self) }
            func invalid(_ problem: DataProblem, column: String?, value: String?) -> F.Outcome {
                .invalid(
                    InvalidRecord(
                        file: "rows.csv", line: r.line, column: column, value: value, problem: problem, rawFields: raw,
                        rawKey: raw.first.flatMap { $0.isEmpty ? nil : $0 }, rawLinks: []))
            }
            if r.badQuoting { return invalid(.badQuoting, column: nil, value: nil) }
            if r.fields.count != 3 { return invalid(.wrongFieldCount(expected: 3, found: r.fields.count), column: nil, value: nil) }
            if let bad = r.fields.firstIndex(where: { String(validating: $0, as: UTF8.self) == nil }) {
                return invalid(.invalidUTF8, column: ["a", "b", "c"][bad], value: InvalidRecord.shortened(raw[bad]))
            }
            return .valid(line: r.line, values: raw)
        }
    }

    /// Compares ignoring which column a quoting problem is pinned to (checked separately).
    static func normalized(_ outcomes: [F.Outcome]) -> [F.Outcome] {
        outcomes.map {
            guard case .invalid(var r) = $0, r.problem == .badQuoting else { return $0 }
            r.column = nil
            r.value = nil
            return .invalid(r)
        }
    }

    @Test(arguments: 0..<8)
    func randomInputsMatchTheReference(seed: Int) throws {
        var random = TestRandom(state: UInt64(seed) &* 7919 &+ 1)
        let alphabet: [UInt8] = Array("ab,,\"\"\n\r".utf8) + [0xC3, 0xA9]
        let plain: [UInt8] = Array("abcdefgh,".utf8)
        let folder = try F.folder()
        for doc in 0..<60 {
            var body: [UInt8] = []
            // Mostly plain text with some structure, so records cross the 8- and 64-byte steps of
            // the fast path before they meet a quote.
            for _ in 0..<random.below(300) {
                let pool = random.below(3) == 0 ? alphabet : plain
                body.append(pool[random.below(pool.count)])
            }
            if body.last == 0xC3 { body.removeLast() }
            let path = try F.write(bytes: Array("a,b,c\n".utf8) + body, "rows.csv", in: folder)
            let want = Self.expected(body)
            for (maxRecords, blockSize) in [(1000, 1 << 16), (1, 1), (2, 3), (3, 7), (7, 2)] {
                let got = try F.read(path, entity: 0, maxRecords: maxRecords, blockSize: blockSize, schema: Self.abc)
                #expect(
                    Self.normalized(got) == want,
                    "seed \(seed) doc \(doc) chunks \(maxRecords)/\(blockSize): \(String(decoding: body, as: UTF8.self).debugDescription)"
                )
            }
        }
    }

    @Test func quotedFieldsKeepCommasQuotesAndNewlines() throws {
        let text = "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\"\",plain,\"\"\"\"\nlast,\"three\n\nlines\",z\nend,1,2"
        let path = try F.write(text, "rows.csv", in: F.folder())
        let rows = try F.read(path, entity: 0, schema: Self.abc)
        #expect(
            rows == [
                .valid(line: 2, values: ["x,y", "say \"hi\"", "two\nlines"]),
                .valid(line: 4, values: ["", "plain", "\""]),
                .valid(line: 5, values: ["last", "three\n\nlines", "z"]),
                .valid(line: 8, values: ["end", "1", "2"]),
            ])
    }

    @Test func lineEndingsBOMAndFinalNewline() throws {
        let lines = ["a,b,c", "1,\"q\r\nr\",3", "", "4,5,6"]
        let lf = lines.joined(separator: "\n") + "\n"
        let crlf = lines.joined(separator: "\r\n") + "\r\n"
        let folder = try F.folder()
        let variants: [[UInt8]] = [
            Array(lf.utf8), Array(crlf.utf8), [0xEF, 0xBB, 0xBF] + Array(crlf.utf8), Array(String(crlf.dropLast()).utf8),
            Array(String(lf.dropLast()).utf8),
        ]
        for (k, bytes) in variants.enumerated() {
            let path = try F.write(bytes: bytes, "rows.csv", in: folder)
            let rows = try F.read(path, entity: 0, schema: Self.abc)
            #expect(rows.count == 2, "variant \(k)")
            #expect(rows.first == .valid(line: 2, values: ["1", "q\r\nr", "3"]), "variant \(k)")
            #expect(rows.last == .valid(line: 5, values: ["4", "5", "6"]), "variant \(k)")
        }
    }

    @Test(arguments: [
        ("1,a\"b,3", "b", "a\"b"),
        ("1,\"ab\"c,3", "b", "abc"),
        ("1,\"a\"\"b\"  ,3", "b", "a\"b  "),
        ("\"1\"x,2,3", "a", "1x"),
    ])
    func strayQuotesSpoilOnlyTheirRow(row: String, column: String, value: String) throws {
        let text = "a,b,c\n" + row + "\n7,8,9\n"
        let rows = try F.read(try F.write(text, "rows.csv", in: F.folder()), entity: 0, schema: Self.abc)
        #expect(rows.count == 2)
        let bad = try #require(rows[0].invalidRecord)
        #expect(bad.problem == .badQuoting)
        #expect(bad.column == column)
        #expect(bad.value == value)
        #expect(bad.line == 2)
        #expect(rows[1] == .valid(line: 3, values: ["7", "8", "9"]))
    }

    @Test func anUnclosedQuoteRunsToTheEnd() throws {
        let text = "a,b,c\n1,2,3\n4,\"open,6\n7,8,9\n"
        let rows = try F.read(try F.write(text, "rows.csv", in: F.folder()), entity: 0, schema: Self.abc)
        #expect(rows.count == 2)
        #expect(rows[0] == .valid(line: 2, values: ["1", "2", "3"]))
        let bad = try #require(rows[1].invalidRecord)
        #expect(bad.problem == .badQuoting)
        #expect(bad.line == 3)
        #expect(bad.rawFields == ["4", "open,6\n7,8,9\n"])
    }

    @Test func blankLinesAreNotRecordsButCountAsLines() throws {
        let text = "\n\na,b,c\n\n1,2,3\r\n\r\n\n4,5,6\n\n"
        let rows = try F.read(try F.write(text, "rows.csv", in: F.folder()), entity: 0, schema: Self.abc)
        #expect(rows == [.valid(line: 5, values: ["1", "2", "3"]), .valid(line: 8, values: ["4", "5", "6"])])
    }

    /// The same members file, dirty rows included, cut into chunks of every size and read through
    /// blocks of several sizes, gives the same records with the same lines.
    @Test(arguments: [1, 2, 3, 5, 8, 13, 10_000])
    func chunkingDoesNotChangeTheResult(maxRecords: Int) throws {
        var rows = [F.memberHeader]
        for n in 0..<40 {
            switch n % 9 {
            case 1: rows.append(F.memberRow(n, household: n / 3, name: "\"Siti, \"\"Ani\"\"\nRahma\""))
            case 2: rows.append(F.memberRow(n, household: n / 3, birth: "2025-02-30"))
            case 3: rows.append(F.memberRow(n, household: n / 3, name: "Ujang \"Oyo\""))
            case 4: rows.append("")
            case 5: rows.append("\(F.nik(n)),short")
            case 6: rows.append(F.memberRow(n, household: n / 3, name: "\"Dedi\"x"))
            default: rows.append(F.memberRow(n, household: n / 3))
            }
        }
        let text = rows.joined(separator: "\r\n")
        let path = try F.write(text, "members.csv", in: F.folder())
        let reference = try F.read(path, entity: F.members)
        #expect(reference.count == 36)
        #expect(reference.compactMap(\.invalidRecord).count == 18)
        for blockSize in [1, 5, 64, 1 << 16] {
            let got = try F.read(path, entity: F.members, maxRecords: maxRecords, blockSize: blockSize)
            #expect(got == reference, "maxRecords \(maxRecords), blockSize \(blockSize)")
        }
        // Lines stay right after the multi-line names: the record after one starts two lines on.
        #expect(reference[1].invalidRecord == nil)
        #expect(reference[2].invalidRecord?.line == 5)
    }

    @Test func splitterHandlesFieldsOfEveryShape() {
        let input = Array("x,\"\",\"a\"\"\",,\"b\nc\"\r\n".utf8)
        input.withUnsafeBufferPointer { buffer in
            var splitter = CSVSplitter(buffer.baseAddress!, count: buffer.count)
            let end = splitter.split(from: 0)
            #expect(end.next == buffer.count)
            #expect(end.innerNewlines == 1)
            #expect(end.terminated)
            let bad = splitter.badQuoting
            #expect(!bad)
            let fields = (0..<splitter.fieldCount).map { String(decoding: splitter.field($0).buffer, as: UTF8.self) }
            #expect(fields == ["x", "", "a\"", "", "b\nc"])
        }
    }

    @Test func recordEndAsksForMoreBytesWhenItCannotKnow() {
        for (text, atEOF, expected) in [
            ("a,b", false, nil), ("a,b", true, 3), ("\"a\nb\"\n", false, 6), ("\"a\"", false, nil), ("\"a\"\"", false, nil),
            ("\"a\",", false, nil), ("\"a\nb", true, 4),
        ] as [(String, Bool, Int?)] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { buffer in
                var nextQuote = -1
                let end = CSVScan.recordEnd(buffer.baseAddress!, 0, buffer.count, atEOF: atEOF, nextQuote: &nextQuote)
                #expect(end?.next == expected, "\(text.debugDescription) atEOF \(atEOF)")
            }
        }
    }
}
