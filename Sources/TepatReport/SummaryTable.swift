import TepatModel

/// The summary `tepat run` prints on standard output: per program a header line, then one
/// compact table a person takes in at a glance.
///
/// ```
/// jkk-jkm-pekerja-rentan  JKK dan JKM bagi pekerja rentan Kota Tangerang 2025
///   tanggal acuan 1 Maret 2025 · kebijakan 2025.1 · 24.180 anggota
///   keputusan        anggota       %  keluarga
///   diterima           5.952   24,6%     5.100
///   daftar tunggu      2.113    8,7%     1.904
///   ditolak           15.870   65,6%    11.046
///   tidak valid          245    1,0%       212
///   ──────────────────────────────────────────
///   total manfaat    Rp999.936.000
///   kuota            5.952 dari 5.952 terpakai (100,0%) · sisa 0
///   ditolak karena   desil            8.312  Desil DTKS
///                    belum_terdaftar  4.020  Belum menjadi peserta BPJS Ketenagakerjaan
/// ```
///
/// A pure function of the summary: the same summary always gives the same text.
public enum SummaryTable {
    /// How many rejecting rules the table lists, largest first.
    public static let topRejections = 5

    /// The table for every program, separated by a blank line and ending with a newline.
    /// `colored` adds ANSI colours (for terminals only); the layout is the same either way.
    public static func render(_ summary: RunSummary, language: Language = .id, colored: Bool = false) -> String {
        let words = ReportWords(language)
        guard !summary.programs.isEmpty else { return words.noPrograms + "\n" }
        let style = TerminalStyle(colored: colored)
        return summary.programs.map { render($0, words: words, style: style) }.joined(separator: "\n\n") + "\n"
    }

    static func render(_ program: ProgramSummary, words: ReportWords, style: TerminalStyle) -> String {
        let indent = "  "
        var lines: [String] = []

        // Header and one line of context.
        lines.append(style.bold(program.program) + (program.title.isEmpty ? "" : "  " + program.title))
        var context = ["\(words.asOf) \(ReportNumber.date(program.asOf, words.language))"]
        if let version = program.policyVersion, !version.isEmpty { context.append("\(words.policyVersion) \(version)") }
        context.append("\(Rupiah.count(program.subjects)) \(words.subjectPlural(program.subject))")
        lines.append(indent + style.dim(context.joined(separator: " · ")))

        // The decision table.
        let showHouseholds = program.subject != "household" && program.households != DecisionCounts()
        let capLabels = [program.quota.map { _ in words.quota }, program.budget.map { _ in words.budget }].compactMap { $0 }
        let labelWidth = ([words.decision, words.totalAmount, words.rejectedBy] + capLabels + Decision.allCases.map(words.label))
            .map(\.count).max()! + 3
        let rows: [(Decision?, [String])] = [(nil, [words.decision, words.subjectPlural(program.subject), "%"] + (showHouseholds ? [words.households] : []))]
            + Decision.allCases.map { decision in
                let count = program.decisions[decision]
                var cells = [words.label(decision), Rupiah.count(count), ReportNumber.percent(count, of: program.decisions.total)]
                if showHouseholds { cells.append(Rupiah.count(program.households[decision])) }
                return (decision, cells)
            }
        let columnCount = rows[0].1.count
        var widths = [labelWidth] + Array(repeating: 0, count: columnCount - 1)
        for (_, cells) in rows {
            for column in 1..<columnCount { widths[column] = max(widths[column], cells[column].count) }
        }
        var tableWidth = 0
        for (decision, cells) in rows {
            var line = pad(cells[0], to: widths[0])
            for column in 1..<columnCount {
                line += (column == 1 ? "" : "  ") + padLeft(cells[column], to: widths[column] + (column == 2 ? 1 : 0))
            }
            tableWidth = max(tableWidth, line.count)
            if let decision {
                let label = pad(cells[0], to: widths[0])
                line = style.decision(decision, label) + line.dropFirst(label.count)
            } else {
                line = style.dim(line)
            }
            lines.append(indent + line)
        }
        lines.append(indent + style.dim(String(repeating: "─", count: tableWidth)))

        // Amount, caps and the rules that rejected most.
        lines.append(indent + pad(words.totalAmount, to: labelWidth) + style.bold(Rupiah.format(program.amount)))
        if let quota = program.quota {
            lines.append(indent + pad(words.quota, to: labelWidth) + capLine(quota, format: ReportNumber.count, words: words))
        }
        if let budget = program.budget {
            lines.append(indent + pad(words.budget, to: labelWidth) + capLine(budget, format: Rupiah.format, words: words))
        }
        let rejections = topRejections(program, limit: topRejections)
        if !rejections.isEmpty {
            let ruleWidth = rejections.map(\.rule.count).max()!
            let countWidth = rejections.map { Rupiah.count($0.count).count }.max()!
            for (i, rule) in rejections.enumerated() {
                var line = pad(i == 0 ? words.rejectedBy : "", to: labelWidth) + pad(rule.rule, to: ruleWidth) + "  "
                    + padLeft(Rupiah.count(rule.count), to: countWidth)
                if let title = rule.title, !title.isEmpty, title != rule.rule { line += "  " + title }
                lines.append(indent + line)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `5.952 dari 5.952 terpakai (100,0%) · sisa 0`.
    static func capLine(_ cap: CapUse, format: (Int64) -> String, words: ReportWords) -> String {
        "\(format(cap.used)) \(words.of) \(format(cap.max)) \(words.used) (\(ReportNumber.percent(cap.used, of: cap.max))) · \(words.left(format(cap.left)))"
    }

    /// The rules that rejected most subjects, largest first (ties by rule id).
    static func topRejections(_ program: ProgramSummary, limit: Int) -> [RuleCount] {
        Array(
            program.byRule.filter { $0.decision == Decision.rejected.rawValue && $0.count > 0 }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.rule < $1.rule }
                .prefix(limit))
    }

    static func pad(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, to width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}

/// ANSI styling that is a no-op when colours are off.
struct TerminalStyle {
    var colored: Bool

    func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }

    func decision(_ decision: Decision, _ text: String) -> String {
        switch decision {
        case .accepted: paint(text, "32")
        case .waitlisted: paint(text, "33")
        case .rejected: paint(text, "31")
        case .invalid: paint(text, "35")
        }
    }
}

/// The four decisions, in the order reports show them.
enum Decision: String, CaseIterable, Sendable {
    case accepted, waitlisted, rejected, invalid
}

extension DecisionCounts {
    subscript(decision: Decision) -> Int {
        switch decision {
        case .accepted: accepted
        case .waitlisted: waitlisted
        case .rejected: rejected
        case .invalid: invalid
        }
    }
}

/// Numbers as people read them in Indonesia, in both languages: `5.952`, `24,6%`.
enum ReportNumber {
    static func count(_ value: Int64) -> String {
        (value < 0 ? "-" : "") + Rupiah.grouped(value.magnitude)
    }

    /// Tenths of a percent, rounded half up; never rounds a part to `0,0%` or short of the whole to `100,0%`.
    static func tenthsOfPercent(_ part: Int64, of whole: Int64) -> Int64? {
        guard whole > 0 else { return nil }
        let (product, overflow) = part.multipliedReportingOverflow(by: 2000)
        let tenths = overflow ? Int64((Double(part) * 1000 / Double(whole)).rounded()) : (product + whole) / (2 * whole)
        if part > 0, tenths == 0 { return 1 }
        if part < whole, tenths >= 1000 { return 999 }
        return tenths
    }

    /// `24,6%`; `–` when the whole is zero.
    static func percent(_ part: Int64, of whole: Int64) -> String {
        guard let tenths = tenthsOfPercent(part, of: whole) else { return "–" }
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return "\(sign)\(Rupiah.grouped(magnitude / 10)),\(magnitude % 10)%"
    }

    static func percent(_ part: Int, of whole: Int) -> String { percent(Int64(part), of: Int64(whole)) }

    /// `2025-03-01` → `1 Maret 2025`; any other text unchanged.
    static func date(_ iso: String, _ language: Language) -> String {
        Day(iso: iso)?.long(language) ?? iso
    }
}

/// The words of the summary table and the HTML report, in Indonesian or English.
struct ReportWords: Sendable {
    let language: Language
    init(_ language: Language) { self.language = language }

    func pick(_ id: String, _ en: String) -> String { language == .en ? en : id }

    func label(_ decision: Decision) -> String {
        switch decision {
        case .accepted: pick("diterima", "accepted")
        case .waitlisted: pick("daftar tunggu", "waitlisted")
        case .rejected: pick("ditolak", "rejected")
        case .invalid: pick("tidak valid", "invalid")
        }
    }

    /// The subject entity in the plural: `anggota`, `permohonan`, `keluarga`.
    func subjectPlural(_ subject: String) -> String {
        switch subject {
        case "member": pick("anggota", "members")
        case "application": pick("permohonan", "applications")
        case "household": pick("keluarga", "households")
        default: subject
        }
    }

    var noPrograms: String { pick("Tidak ada program yang dijalankan.", "No program was run.") }
    var asOf: String { pick("tanggal acuan", "as of") }
    var policyVersion: String { pick("kebijakan", "policy") }
    var decision: String { pick("keputusan", "decision") }
    var households: String { pick("keluarga", "households") }
    var totalAmount: String { pick("total manfaat", "total amount") }
    var quota: String { pick("kuota", "quota") }
    var budget: String { pick("anggaran", "budget") }
    var rejectedBy: String { pick("ditolak karena", "rejected by") }
    var of: String { pick("dari", "of") }
    var used: String { pick("terpakai", "used") }
    /// `sisa 0` / `0 left`.
    func left(_ amount: String) -> String { pick("sisa \(amount)", "\(amount) left") }
}
