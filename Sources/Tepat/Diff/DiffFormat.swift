import Foundation
import TepatModel
import TepatReport

/// `tepat diff` output: a terminal table, Markdown for a budget memo, JSON for systems.
/// People-facing text is in Bahasa Indonesia by default (`--lang en` for English); amounts as
/// `Rp999.936.000`.
public enum DiffFormat {
    public static func json(_ report: DiffReport) throws -> String {
        String(decoding: try JSONCoding.encode(report), as: UTF8.self) + "\n"
    }

    // MARK: Words

    struct Words {
        let language: Language
        func pick(_ id: String, _ en: String) -> String { language == .en ? en : id }
        func decision(_ d: DiffDecision) -> String {
            switch d {
            case .accepted: pick("diterima", "accepted")
            case .waitlisted: pick("daftar tunggu", "waitlisted")
            case .rejected: pick("ditolak", "rejected")
            case .invalid: pick("tidak valid", "invalid")
            }
        }
        func count(_ n: Int) -> String { language == .en ? Rupiah.grouped(UInt64(n.magnitude), separator: ",").signedIf(n < 0) : Rupiah.count(n) }
        func signed(_ n: Int) -> String { n > 0 ? "+" + count(n) : n == 0 ? "0" : count(n) }
        func money(_ n: Int64) -> String { Rupiah.format(n) }
        func signedMoney(_ n: Int64) -> String { n > 0 ? "+" + Rupiah.format(n) : n == 0 ? "Rp0" : Rupiah.format(n) }
        func subjects(_ subject: String) -> String {
            switch subject {
            case "member": pick("anggota", "members")
            case "application": pick("permohonan", "applications")
            case "household": pick("keluarga", "households")
            default: subject
            }
        }
        func side(_ side: String) -> String { side == "base" ? pick("dasar", "base") : pick("kandidat", "candidate") }
        func cap(_ cap: CapUse?, money: Bool) -> String {
            guard let cap else { return "–" }
            return money ? "\(self.money(cap.used)) / \(self.money(cap.max))" : "\(count(Int(cap.used))) / \(count(Int(cap.max)))"
        }
        func rule(_ rule: String) -> String { rule.isEmpty ? pick("(tanpa aturan)", "(no rule)") : rule }
    }

    // MARK: Terminal

    /// The readable terminal report. `flipLimit`: flipped subjects listed per program.
    public static func text(_ report: DiffReport, language: Language = .id, flipLimit: Int = 10) -> String {
        let w = Words(language: language)
        var out = w.pick("Perbandingan kebijakan", "Policy comparison") + "\n"
        out += "  " + w.pick("dasar    ", "base     ") + report.base.joined(separator: ", ") + "\n"
        out += "  " + w.pick("kandidat ", "candidate") + " " + report.candidate.joined(separator: ", ")
            + (report.candidateOverrides.isEmpty ? "" : " (--set " + report.candidateOverrides.joined(separator: ", --set ") + ")") + "\n"
        out += "  " + w.pick("populasi ", "population") + " " + report.population + "\n"
        for program in report.programs {
            out += "\n" + program.program + (program.candidateProgram == program.program ? "" : " → " + program.candidateProgram) + "\n"
            out += "  \(program.title) · \(w.count(program.subjects)) \(w.subjects(program.subject))\n\n"
            // Transition matrix.
            let decisions = DiffDecision.allCases
            let first = 22
            let col = 14
            out += "  " + pad(w.pick("dasar ↓  kandidat →", "base ↓  candidate →"), first) + decisions.map { padLeft(w.decision($0), col) }.joined() + "\n"
            for from in decisions {
                out += "  " + pad(w.decision(from), first) + decisions.map { padLeft(w.count(program.transition(from, $0)), col) }.joined() + "\n"
            }
            out += "\n  " + w.pick("keputusan berubah", "decisions changed") + " \(w.count(program.flipped))"
            out += " · " + w.pick("nominal berubah", "amount changed") + " \(w.count(program.amountChanged))"
            out += " · " + w.pick("aturan berubah", "rule changed") + " \(w.count(program.ruleChanged))\n\n"
            // Totals.
            let c = 18
            out += "  " + pad("", first) + padLeft(w.pick("dasar", "base"), c) + padLeft(w.pick("kandidat", "candidate"), c) + padLeft(w.pick("selisih", "change"), c) + "\n"
            for d in decisions {
                let b = program.base.count(d), k = program.candidate.count(d)
                out += "  " + pad(w.decision(d), first) + padLeft(w.count(b), c) + padLeft(w.count(k), c) + padLeft(w.signed(k - b), c) + "\n"
            }
            out += "  " + pad(w.pick("biaya", "cost"), first) + padLeft(w.money(program.base.amount), c) + padLeft(w.money(program.candidate.amount), c)
                + padLeft(w.signedMoney(program.costChange), c) + "\n"
            if program.base.quota != nil || program.candidate.quota != nil {
                out += "  " + pad(w.pick("kuota terpakai", "quota used"), first) + padLeft(w.cap(program.base.quota, money: false), c)
                    + padLeft(w.cap(program.candidate.quota, money: false), c) + "\n"
            }
            if program.base.budget != nil || program.candidate.budget != nil {
                out += "  " + pad(w.pick("anggaran terpakai", "budget used"), first) + "  " + w.cap(program.base.budget, money: true) + "  →  "
                    + w.cap(program.candidate.budget, money: true) + "\n"
            }
            // Causes.
            if !program.causes.isEmpty {
                out += "\n  " + w.pick("penyebab perubahan", "causes of the changes") + "\n"
                for cause in program.causes.prefix(10) {
                    out += "    " + pad("\(w.decision(cause.from)) → \(w.decision(cause.to))", 28) + pad("\(w.rule(cause.rule)) (\(w.side(cause.side)))", 34)
                        + padLeft(w.count(cause.count), 9) + "\n"
                }
                if program.causes.count > 10 { out += "    … " + w.pick("dan \(program.causes.count - 10) lainnya", "and \(program.causes.count - 10) more") + "\n" }
            }
            // Per kecamatan.
            if !program.byKecamatan.isEmpty {
                out += "\n  " + w.pick("per kecamatan", "by kecamatan") + "\n"
                let k = max(14, program.byKecamatan.map(\.kecamatan.count).max() ?? 0) + 2
                out += "    " + pad("kecamatan", k) + padLeft(w.pick("diterima", "accepted"), 10) + padLeft("→", 8) + padLeft(w.pick("masuk", "in"), 8)
                    + padLeft(w.pick("keluar", "out"), 8) + padLeft(w.pick("biaya dasar", "base cost"), 17) + padLeft(w.pick("biaya kandidat", "candidate cost"), 17)
                    + padLeft(w.pick("selisih", "change"), 17) + "\n"
                for g in program.byKecamatan where g.baseAccepted + g.candidateAccepted + g.flipped > 0 {
                    out += "    " + pad(g.kecamatan, k) + padLeft(w.count(g.baseAccepted), 10) + padLeft(w.count(g.candidateAccepted), 8)
                        + padLeft(w.signed(g.gained), 8) + padLeft(g.lost > 0 ? "-" + w.count(g.lost) : "0", 8) + padLeft(w.money(g.baseAmount), 17)
                        + padLeft(w.money(g.candidateAmount), 17) + padLeft(w.signedMoney(g.amountChange), 17) + "\n"
                }
            }
            // Flipped subjects.
            if program.flipped > 0, flipLimit > 0 {
                let shown = Array(program.flips.prefix(flipLimit))
                out += "\n  " + w.pick("subjek yang berubah", "subjects that changed") + " (\(w.count(shown.count)) " + w.pick("dari", "of") + " \(w.count(program.flipped))"
                    + (shown.count < program.flipped ? w.pick("; semua: --flips FILE atau --format json", "; all: --flips FILE or --format json") : "") + ")\n"
                for flip in shown { out += "    " + flipLine(flip, w) + "\n" }
            }
        }
        for u in report.unpaired {
            out += "\n" + w.pick("hanya di \(w.side(u.side))", "only in the \(w.side(u.side))") + ": \(u.program) · "
                + "\(w.count(u.totals.accepted)) " + w.pick("diterima", "accepted") + " · " + w.money(u.totals.amount) + "\n"
        }
        out += "\n" + summaryLine(report, w) + "\n"
        return out
    }

    static func flipLine(_ flip: Flip, _ w: Words) -> String {
        let who = flip.applicationId.map { w.pick("permohonan ", "application ") + $0 } ?? (flip.personId.isEmpty ? "KK " + flip.householdId : "NIK " + flip.personId)
        return "\(who) (KK \(flip.householdId), \(flip.kecamatan)): \(w.decision(flip.from)) → \(w.decision(flip.to)) · \(w.rule(flip.rule))"
            + (flip.baseAmount != flip.candidateAmount ? " · \(w.money(flip.baseAmount)) → \(w.money(flip.candidateAmount))" : "")
    }

    static func summaryLine(_ report: DiffReport, _ w: Words) -> String {
        let flipped = report.programs.reduce(0) { $0 + $1.flipped }
        let cost = report.programs.reduce(Int64(0)) { $0 + $1.costChange }
        if !report.anyChange { return w.pick("Tidak ada perubahan.", "No change.") }
        return w.pick("\(w.count(flipped)) keputusan berubah; selisih biaya \(w.signedMoney(cost)).", "\(w.count(flipped)) decisions changed; cost change \(w.signedMoney(cost)).")
    }

    // MARK: Markdown

    /// Markdown for a budget memo.
    public static func markdown(_ report: DiffReport, language: Language = .id, flipLimit: Int = 20) -> String {
        let w = Words(language: language)
        var out = "# " + w.pick("Perbandingan kebijakan", "Policy comparison") + "\n\n"
        out += "| | |\n|---|---|\n"
        out += "| " + w.pick("Dasar", "Base") + " | " + report.base.map { "`\($0)`" }.joined(separator: ", ") + " |\n"
        out += "| " + w.pick("Kandidat", "Candidate") + " | " + report.candidate.map { "`\($0)`" }.joined(separator: ", ")
            + (report.candidateOverrides.isEmpty ? "" : " with " + report.candidateOverrides.map { "`--set \($0)`" }.joined(separator: ", ")) + " |\n"
        out += "| " + w.pick("Populasi", "Population") + " | `\(report.population)` |\n\n"
        out += summaryLine(report, w) + "\n"
        for program in report.programs {
            out += "\n## \(program.title)\n\n"
            out += "`\(program.program)`" + (program.candidateProgram == program.program ? "" : " → `\(program.candidateProgram)`")
                + " · \(w.count(program.subjects)) \(w.subjects(program.subject))\n\n"
            out += "| | " + w.pick("Dasar", "Base") + " | " + w.pick("Kandidat", "Candidate") + " | " + w.pick("Selisih", "Change") + " |\n|---|---:|---:|---:|\n"
            for d in DiffDecision.allCases {
                let b = program.base.count(d), k = program.candidate.count(d)
                out += "| \(w.decision(d).capitalizedFirst) | \(w.count(b)) | \(w.count(k)) | \(w.signed(k - b)) |\n"
            }
            out += "| **" + w.pick("Biaya", "Cost") + "** | \(w.money(program.base.amount)) | \(w.money(program.candidate.amount)) | **\(w.signedMoney(program.costChange))** |\n"
            if program.base.quota != nil || program.candidate.quota != nil {
                out += "| " + w.pick("Kuota terpakai", "Quota used") + " | \(w.cap(program.base.quota, money: false)) | \(w.cap(program.candidate.quota, money: false)) | |\n"
            }
            if program.base.budget != nil || program.candidate.budget != nil {
                out += "| " + w.pick("Anggaran terpakai", "Budget used") + " | \(w.cap(program.base.budget, money: true)) | \(w.cap(program.candidate.budget, money: true)) | |\n"
            }
            out += "\n### " + w.pick("Perpindahan keputusan", "Transitions") + "\n\n"
            out += "| " + w.pick("dasar ↓ / kandidat →", "base ↓ / candidate →") + " | " + DiffDecision.allCases.map { w.decision($0) }.joined(separator: " | ") + " |\n"
            out += "|---|" + DiffDecision.allCases.map { _ in "---:" }.joined(separator: "|") + "|\n"
            for from in DiffDecision.allCases {
                out += "| \(w.decision(from)) | " + DiffDecision.allCases.map { w.count(program.transition(from, $0)) }.joined(separator: " | ") + " |\n"
            }
            out += "\n" + w.pick("Keputusan berubah", "Decisions changed") + ": **\(w.count(program.flipped))**; "
                + w.pick("nominal berubah", "amount changed") + ": \(w.count(program.amountChanged)); " + w.pick("aturan berubah", "rule changed") + ": \(w.count(program.ruleChanged)).\n"
            if !program.causes.isEmpty {
                out += "\n### " + w.pick("Penyebab perubahan", "Causes") + "\n\n"
                out += "| " + w.pick("Perubahan", "Change") + " | " + w.pick("Aturan", "Rule") + " | " + w.pick("Jumlah", "Count") + " |\n|---|---|---:|\n"
                for cause in program.causes {
                    out += "| \(w.decision(cause.from)) → \(w.decision(cause.to)) | `\(w.rule(cause.rule))` (\(w.side(cause.side))) | \(w.count(cause.count)) |\n"
                }
            }
            if !program.byKecamatan.isEmpty {
                out += "\n### " + w.pick("Per kecamatan", "By kecamatan") + "\n\n"
                out += "| Kecamatan | " + w.pick("Diterima (dasar)", "Accepted (base)") + " | " + w.pick("Diterima (kandidat)", "Accepted (candidate)") + " | "
                    + w.pick("Masuk", "In") + " | " + w.pick("Keluar", "Out") + " | " + w.pick("Biaya dasar", "Base cost") + " | " + w.pick("Biaya kandidat", "Candidate cost")
                    + " | " + w.pick("Selisih", "Change") + " |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
                for g in program.byKecamatan where g.baseAccepted + g.candidateAccepted + g.flipped > 0 {
                    out += "| \(g.kecamatan) | \(w.count(g.baseAccepted)) | \(w.count(g.candidateAccepted)) | \(w.signed(g.gained)) | \(g.lost > 0 ? "-" + w.count(g.lost) : "0") | "
                        + "\(w.money(g.baseAmount)) | \(w.money(g.candidateAmount)) | \(w.signedMoney(g.amountChange)) |\n"
                }
            }
            if program.flipped > 0, flipLimit > 0 {
                let shown = Array(program.flips.prefix(flipLimit))
                out += "\n### " + w.pick("Contoh subjek yang berubah", "Examples of subjects that changed") + " (\(w.count(shown.count)) " + w.pick("dari", "of") + " \(w.count(program.flipped)))\n\n"
                for flip in shown { out += "- " + flipLine(flip, w) + "\n" }
            }
        }
        for u in report.unpaired {
            out += "\n" + w.pick("Hanya di \(w.side(u.side))", "Only in the \(w.side(u.side))") + ": `\(u.program)` · \(w.count(u.totals.accepted)) "
                + w.pick("diterima", "accepted") + " · \(w.money(u.totals.amount))\n"
        }
        return out
    }

    // MARK: Helpers

    static func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
    static func padLeft(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }
}

extension String {
    fileprivate func signedIf(_ negative: Bool) -> String { negative ? "-" + self : self }
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
