import Foundation
import Tepat
import TepatReport
import Testing

/// The summary table on standard output and `report.html`, from a run summary written by hand:
/// the two Tangerang 2025 programs with figures that add up (5.952 × Rp168.000 = Rp999.936.000;
/// 98 × Rp3.000.000 = Rp294.000.000).
///
/// Re-record the golden files with `TEPAT_RECORD=1 swift test --filter ReportTests`; the
/// recording tests then fail, as a reminder to look at what was recorded (open `report.html`).
@Suite struct ReportTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("report").standardizedFileURL

    static var recording: Bool { ProcessInfo.processInfo.environment["TEPAT_RECORD"] == "1" }

    static let manifest = """
        {
          "tool": "tepat",
          "toolVersion": "0.1.0",
          "policies": [
            {"path": "policies/tangerang/2025/jkk-jkm-pekerja-rentan.yaml", "sha256": "3f1c…"},
            {"path": "policies/tangerang/2025/santunan-kematian.yaml", "sha256": "9b07…"}
          ],
          "rows": {"households.csv": 9870, "members.csv": 24180, "applications.csv": 131}
        }
        """

    static let jkk = ProgramSummary(
        program: "jkk-jkm-pekerja-rentan", title: "Bantuan iuran JKK dan JKM bagi pekerja rentan Kota Tangerang",
        subject: "member", asOf: "2025-03-01", budgetYear: 2025, policyVersion: "2025.1", subjects: 24_180,
        decisions: DecisionCounts(accepted: 5_952, rejected: 15_870, waitlisted: 2_113, invalid: 245),
        households: DecisionCounts(accepted: 5_100, rejected: 6_046, waitlisted: 1_904, invalid: 212),
        amount: 999_936_000, quota: CapUse(id: "kuota", max: 5_952, used: 5_952), budget: nil,
        byRule: [
            RuleCount(rule: "domisili", title: "Domisili Kota Tangerang", decision: "rejected", count: 310),
            RuleCount(rule: "terdaftar_dtks", title: "Terdaftar dalam DTKS", decision: "rejected", count: 1_200),
            RuleCount(rule: "desil", title: "Desil DTKS", decision: "rejected", count: 8_312),
            RuleCount(rule: "usia", title: "Usia kerja", decision: "rejected", count: 2_001),
            RuleCount(rule: "hidup", title: "Masih hidup pada tanggal acuan", decision: "rejected", count: 27),
            RuleCount(rule: "pekerjaan", title: "Pekerja rentan", decision: "rejected", count: 1_500),
            RuleCount(rule: "status_bpu", title: "Pekerja bukan penerima upah (BPU)", decision: "rejected", count: 500),
            RuleCount(rule: "belum_terdaftar", title: "Belum menjadi peserta BPJS Ketenagakerjaan", decision: "rejected", count: 2_020),
            RuleCount(rule: "kuota", title: nil, decision: "waitlisted", count: 2_113),
        ],
        groupedBy: "household.kecamatan",
        byKecamatan: [
            GroupCounts(name: "Karawaci", decisions: DecisionCounts(accepted: 1_400, rejected: 3_700, waitlisted: 500, invalid: 60), amount: 235_200_000),
            GroupCounts(name: "Cipondoh", decisions: DecisionCounts(accepted: 1_300, rejected: 3_500, waitlisted: 450, invalid: 50), amount: 218_400_000),
            GroupCounts(name: "Batuceper", decisions: DecisionCounts(accepted: 700, rejected: 1_900, waitlisted: 260, invalid: 30), amount: 117_600_000),
            GroupCounts(name: "Periuk", decisions: DecisionCounts(accepted: 1_100, rejected: 2_900, waitlisted: 400, invalid: 45), amount: 184_800_000),
            GroupCounts(name: "Larangan", decisions: DecisionCounts(accepted: 1_452, rejected: 3_870, waitlisted: 503, invalid: 60), amount: 243_936_000),
        ],
        funnel: [
            FunnelStep(rule: "", title: nil, passed: 23_935),
            FunnelStep(rule: "domisili", title: "Domisili Kota Tangerang", passed: 23_625),
            FunnelStep(rule: "terdaftar_dtks", title: "Terdaftar dalam DTKS", passed: 22_425),
            FunnelStep(rule: "desil", title: "Desil DTKS", passed: 14_113),
            FunnelStep(rule: "usia", title: "Usia kerja", passed: 12_112),
            FunnelStep(rule: "hidup", title: "Masih hidup pada tanggal acuan", passed: 12_085),
            FunnelStep(rule: "pekerjaan", title: "Pekerja rentan", passed: 10_585),
            FunnelStep(rule: "status_bpu", title: "Pekerja bukan penerima upah (BPU)", passed: 10_085),
            FunnelStep(rule: "belum_terdaftar", title: "Belum menjadi peserta BPJS Ketenagakerjaan", passed: 8_065),
        ])

    static let santunan = ProgramSummary(
        program: "santunan-kematian", title: "Santunan kematian bagi penduduk miskin Kota Tangerang, tahap I 2025",
        subject: "application", asOf: "2025-03-15", budgetYear: 2025, policyVersion: "2025.1", subjects: 131,
        decisions: DecisionCounts(accepted: 98, rejected: 18, waitlisted: 12, invalid: 3),
        households: DecisionCounts(accepted: 97, rejected: 18, waitlisted: 12, invalid: 3),
        amount: 294_000_000, quota: nil, budget: CapUse(id: "anggaran", max: 294_000_000, used: 294_000_000),
        byRule: [
            RuleCount(rule: "almarhum_terdata", title: "Almarhum terdata", decision: "rejected", count: 2),
            RuleCount(rule: "domisili", title: "Domisili Kota Tangerang", decision: "rejected", count: 1),
            RuleCount(rule: "terdaftar_dtks", title: "Terdaftar dalam DTKS", decision: "rejected", count: 4),
            RuleCount(rule: "desil", title: "Desil DTKS", decision: "rejected", count: 3),
            RuleCount(rule: "tahap", title: "Diajukan dalam masa tahap I", decision: "rejected", count: 2),
            RuleCount(rule: "sebab_kematian", title: "Sebab kematian tidak dikecualikan", decision: "rejected", count: 2),
            RuleCount(rule: "batas_waktu", title: "Batas 40 hari kerja", decision: "rejected", count: 3),
            RuleCount(rule: "berkas_lengkap", title: "Berkas lengkap", decision: "rejected", count: 1),
            RuleCount(rule: "anggaran", title: nil, decision: "waitlisted", count: 12),
        ],
        groupedBy: "household.kecamatan",
        byKecamatan: [
            GroupCounts(name: "Tangerang", decisions: DecisionCounts(accepted: 30, rejected: 6, waitlisted: 4, invalid: 1), amount: 90_000_000),
            GroupCounts(name: "Cibodas", decisions: DecisionCounts(accepted: 25, rejected: 5, waitlisted: 3, invalid: 1), amount: 75_000_000),
            GroupCounts(name: "Benda", decisions: DecisionCounts(accepted: 20, rejected: 3, waitlisted: 2, invalid: 0), amount: 60_000_000),
            GroupCounts(name: "Neglasari", decisions: DecisionCounts(accepted: 23, rejected: 4, waitlisted: 3, invalid: 1), amount: 69_000_000),
        ],
        funnel: [
            FunnelStep(rule: "", title: nil, passed: 128),
            FunnelStep(rule: "almarhum_terdata", title: "Almarhum terdata", passed: 126),
            FunnelStep(rule: "domisili", title: "Domisili Kota Tangerang", passed: 125),
            FunnelStep(rule: "terdaftar_dtks", title: "Terdaftar dalam DTKS", passed: 121),
            FunnelStep(rule: "desil", title: "Desil DTKS", passed: 118),
            FunnelStep(rule: "meninggal", title: "Kematian tercatat", passed: 118),
            FunnelStep(rule: "tahap", title: "Diajukan dalam masa tahap I", passed: 116),
            FunnelStep(rule: "sebab_kematian", title: "Sebab kematian tidak dikecualikan", passed: 114),
            FunnelStep(rule: "batas_waktu", title: "Batas 40 hari kerja", passed: 111),
            FunnelStep(rule: "berkas_lengkap", title: "Berkas lengkap", passed: 110),
        ])

    static let summary = RunSummary(toolVersion: "0.1.0", population: "fixtures/tangerang-sample", programs: [jkk, santunan])

    // MARK: Summary table

    @Test func tableShowsTheFiguresTheIndonesianWay() {
        let table = SummaryTable.render(Self.summary)
        #expect(table.contains("5.952"))
        #expect(table.contains("Rp999.936.000"))
        #expect(table.contains("Rp294.000.000"))
        #expect(table.contains("15.870"))
        #expect(table.contains("diterima"))
        #expect(table.contains("daftar tunggu"))
        #expect(table.contains("tidak valid"))
        #expect(table.contains("tanggal acuan 1 Maret 2025"))
        #expect(!table.contains("\u{1B}["), "no ANSI codes unless colored")
    }

    @Test func tableListsTheLargestRejectionsFirst() throws {
        let table = SummaryTable.render(RunSummary(toolVersion: "0.1.0", population: "p", programs: [Self.jkk]))
        let lines = table.split(separator: "\n").map(String.init)
        let desil = try #require(lines.firstIndex { $0.contains("desil") && $0.contains("8.312") })
        let usia = try #require(lines.firstIndex { $0.contains("usia") && $0.contains("2.001") })
        #expect(desil < usia)
        #expect(!table.contains("hidup"), "only the top rejections are listed")
        #expect(!lines.contains { $0.contains("kuota") && $0.contains("2.113") }, "waitlisting is not a rejection")
        #expect(lines.count <= 16, "a program fits in a glance:\n\(table)")
    }

    @Test func tableInEnglishAndInColour() {
        let english = SummaryTable.render(Self.summary, language: .en)
        #expect(english.contains("accepted"))
        #expect(english.contains("waitlisted"))
        #expect(english.contains("as of 1 March 2025"))
        #expect(english.contains("5.952 of 5.952 used"))
        let colored = SummaryTable.render(Self.summary, colored: true)
        #expect(colored.contains("\u{1B}[32mditerima"))
        let stripped = colored.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == SummaryTable.render(Self.summary), "colours do not move the columns")
    }

    @Test func tableColumnsLineUp() throws {
        let table = SummaryTable.render(RunSummary(toolVersion: "0.1.0", population: "p", programs: [Self.jkk]))
        let lines = table.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("  keputusan ") })
        let rows = lines[header...].prefix(5)
        #expect(rows.dropFirst().map { $0.prefix(9) } == ["  diterim", "  daftar ", "  ditolak", "  tidak v"].map { Substring($0) })
        #expect(Set(rows.map(\.count)).count == 1, "the header and decision rows have the same width:\n\(table)")
        #expect(rows.allSatisfy { $0.hasSuffix("%") || $0.last!.isNumber || $0.hasSuffix("keluarga") })
    }

    // MARK: HTML report

    @Test func htmlIsDeterministic() {
        let first = HTMLReport.render(Self.summary, manifest: Self.manifest)
        let second = HTMLReport.render(Self.summary, manifest: Self.manifest)
        #expect(first == second)
        #expect(HTMLReport.render(Self.summary, language: .en) == HTMLReport.render(Self.summary, language: .en))
    }

    @Test func htmlEscapesEveryText() {
        var program = Self.santunan
        program.title = #"<script>alert("x")</script> & co"#
        program.byKecamatan[0].name = "<b>Tangerang</b>"
        program.funnel[1].title = "a < b"
        let html = HTMLReport.render(
            RunSummary(toolVersion: "0.1.0", population: "pop<ulation>", programs: [program]), manifest: #"{"x": "</pre><script>"}"#)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>Tangerang"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"))
        #expect(html.contains("&lt;b&gt;Tangerang&lt;/b&gt;"))
        #expect(html.contains("a &lt; b"))
        #expect(html.contains("pop&lt;ulation&gt;"))
        #expect(html.contains("&lt;/pre&gt;&lt;script&gt;"))
    }

    @Test func htmlHasOneFunnelBarPerStep() {
        let html = HTMLReport.render(Self.summary)
        let bars = html.components(separatedBy: "class=\"funnel-bar\"").count - 1
        #expect(bars == Self.jkk.funnel.count + Self.santunan.funnel.count)
        let steps = html.components(separatedBy: "<li class=\"step\">").count - 1
        #expect(steps == bars)
        // The drop at the desil step of jkk-jkm: 22.425 − 14.113.
        #expect(html.contains("−8.312"))
    }

    @Test func htmlIsSelfContained() {
        for language in Language.allCases {
            let html = HTMLReport.render(Self.summary, manifest: Self.manifest, language: language)
            #expect(!html.contains("http://"))
            #expect(!html.contains("https://"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("<link"))
            #expect(!html.contains("@import"))
            #expect(!html.contains("url("))
            #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"\(language.rawValue)\">"))
        }
    }

    @Test func htmlShowsTheHeadlineFiguresAndSections() {
        let html = HTMLReport.render(Self.summary)
        #expect(html.contains("Rp999.936.000"))
        #expect(html.contains(">5.952<"))
        #expect(html.contains("Corong seleksi"))
        #expect(html.contains("Keputusan per kecamatan"))
        #expect(html.contains("Keputusan per aturan"))
        #expect(!html.contains("<details"), "no manifest block without a manifest")
        let english = HTMLReport.render(Self.summary, manifest: Self.manifest, language: .en)
        #expect(english.contains("Selection funnel"))
        #expect(english.contains("Decisions by kecamatan"))
        #expect(english.contains("<details>"))
        // Kecamatan sorted by name.
        let names = ["Batuceper", "Cipondoh", "Karawaci", "Larangan", "Periuk"].map { html.range(of: "<td class=\"name\">\($0)</td>")?.lowerBound }
        #expect(names.allSatisfy { $0 != nil })
        #expect(names.compactMap { $0 } == names.compactMap { $0 }.sorted())
    }

    @Test func emptyRunStillRenders() {
        let empty = RunSummary(toolVersion: "0.1.0", population: "p", programs: [])
        #expect(SummaryTable.render(empty) == "Tidak ada program yang dijalankan.\n")
        #expect(HTMLReport.render(empty).contains("Tidak ada program yang dijalankan."))
    }

    // MARK: Golden files

    @Test func summaryTableMatchesTheGoldenFile() throws {
        try Self.compare(SummaryTable.render(Self.summary), with: "summary-table.txt")
    }

    @Test func htmlReportMatchesTheGoldenFile() throws {
        try Self.compare(HTMLReport.render(Self.summary, manifest: Self.manifest), with: "report.html")
    }

    static func compare(_ actual: String, with name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appendingPathComponent(name)
        if recording {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(name); review it, then run again without TEPAT_RECORD", sourceLocation: sourceLocation)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("no \(name); run with TEPAT_RECORD=1 to record it. Output:\n\(actual)", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == expected, "output differs from Fixtures/report/\(name)", sourceLocation: sourceLocation)
    }
}
