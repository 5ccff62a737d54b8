import TepatModel

/// `tepat explain` for people: a household (or person) header, one summary line per program, then
/// per program and subject the decision, the reason, every rule with the values it read and where
/// it is written, and what would change the decision.
public enum ExplanationText {
    public static func render(_ x: Explanation) -> String {
        let language = x.language
        let en = language == .en
        var out: [String] = []

        // Header.
        if let h = x.household {
            let place = [h.field("kecamatan")?.display, h.field("kelurahan")?.display].compactMap { $0 }.filter { !$0.isEmpty }
            var first = (en ? "Family card (KK) " : "KK ") + h.householdId
            if !place.isEmpty { first += " — " + place.joined(separator: ", ") }
            if let city = h.field("city_code")?.display, !city.isEmpty { first += en ? " (area code \(city))" : " (kode wilayah \(city))" }
            out.append(first)
            out.append(dtksLine(h, en))
            if x.kind == .household {
                let valid = h.members.filter(\.valid).count
                var members = en ? "Members: \(h.members.count)" : "Anggota: \(h.members.count) orang"
                if valid < h.members.count { members += en ? " (\(h.members.count - valid) with invalid data)" : " (\(h.members.count - valid) dengan data tidak valid)" }
                out.append(members)
            }
        }
        if let p = x.person {
            var line = (en ? "Person: " : "Orang: ") + (p.name.map { "\($0), " } ?? "") + "NIK " + p.personId
            if let r = p.relationship { line += " (\(r))" }
            line += en ? ", family card \(p.householdId)" : ", KK \(p.householdId)"
            out.append(line)
        }
        if x.household == nil, x.kind == .person, x.person == nil {
            out.append((en ? "NIK " : "NIK ") + x.id)
        }

        if let also = x.alsoText { out.append((x.language == .en ? "Note: " : "Catatan: ") + also) }

        // Summary.
        if x.kind == .household {
            out.append("")
            out.append(en ? "Summary:" : "Ringkasan:")
            for line in x.summary { out.append("  • " + line.text) }
        }

        for program in x.programs {
            out.append("")
            out.append("━━ " + program.title)
            var about = (en ? "Policy " : "Kebijakan ") + program.program
            if let v = program.version { about += en ? " version \(v)" : " versi \(v)" }
            about += en ? ", budget year \(program.budgetYear)" : ", tahun anggaran \(program.budgetYear)"
            if let day = Day(iso: program.asOf) { about += en ? ", reference date \(day.long(.en))" : ", tanggal acuan \(day.long(.id))" }
            out.append("   " + about)
            if let file = program.files.first {
                var line = "   " + (en ? "File: " : "Berkas: ") + file
                if program.files.count > 1 { line += (en ? " (extends " : " (memperluas ") + program.files.dropFirst().joined(separator: ", ") + ")" }
                out.append(line)
            }
            if program.subjects.isEmpty {
                out.append("   " + (program.subject == "application"
                    ? (en ? "No application names this ID." : "Tidak ada permohonan untuk ID ini.")
                    : (en ? "No subject with this ID." : "Tidak ada subjek dengan ID ini.")))
            }
            for (n, s) in program.subjects.enumerated() {
                out.append("")
                out += subject(s, number: n + 1, program: program, header: x.household?.dataPeriod, language)
            }
        }

        let stray = x.dataErrors.filter { e in !x.programs.contains { $0.subjects.contains { $0.dataErrors.contains(e) } } }
        if !stray.isEmpty {
            out.append("")
            out.append(en ? "Other invalid rows for this ID:" : "Baris data tidak valid lain untuk ID ini:")
            for e in stray { out.append("  • " + e.text) }
        }
        if let source = x.allocationSource {
            out.append("")
            switch source.kind {
            case .computed: out.append(en ? "Ranks and cut-offs: computed now from the whole population." : "Peringkat dan batas: dihitung sekarang dari seluruh populasi.")
            case .run: out.append((en ? "Ranks and cut-offs: from run " : "Peringkat dan batas: dari hasil run ") + (source.run ?? ""))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func dtksLine(_ h: HouseholdInfo, _ en: Bool) -> String {
        let desil = h.field("desil")?.display ?? ""
        var line: String
        if let period = h.dataPeriodText {
            line = en ? "DTKS data of \(period)" : "Data DTKS periode \(period)"
        } else {
            line = en ? "DTKS data period not recorded" : "Periode data DTKS tidak tercatat"
        }
        let empty = desil.isEmpty || desil == "kosong" || desil == "empty"
        line += empty ? (en ? ": not registered (no decile)" : ": tidak terdaftar (desil kosong)") : (en ? ": decile \(desil)" : ": desil \(desil)")
        return line + " (" + location(h.location, en) + ")"
    }

    /// `members.csv:57` → `members.csv baris 57`.
    static func location(_ location: String, _ en: Bool) -> String {
        guard let colon = location.lastIndex(of: ":") else { return location }
        return String(location[..<colon]) + (en ? " line " : " baris ") + location[location.index(after: colon)...]
    }

    static func basename(_ location: String) -> String {
        String(location.split(separator: "/").last ?? Substring(location))
    }

    static func subject(_ s: SubjectExplanation, number: Int, program: ProgramExplanation, header: String?, _ language: Language) -> [String] {
        let en = language == .en
        var out: [String] = []
        var title = "[\(number)] "
        if program.subject == "application" {
            title += (en ? "Application " : "Permohonan ") + (s.applicationId ?? s.key)
            title += en ? " for the deceased NIK \(s.personId)" : " untuk almarhum/almarhumah NIK \(s.personId)"
            if let name = s.name { title += " (\(name))" }
        } else {
            title += (s.name.map { "\($0) · " } ?? "") + "NIK " + s.personId
        }
        title += " · " + location(s.location, en)
        out.append(title)
        let pad = "    "
        var decision = pad + (en ? "Decision: " : "Keputusan: ") + ExplanationPhrases.decision(s.decision, language)
        if !s.rule.isEmpty {
            let rule = s.ruleTitle.map { "\(s.rule) (\($0))" } ?? s.rule
            switch s.decision {
            case .accepted: decision += en ? " through rule \(rule)" : " melalui aturan \(rule)"
            case .rejected, .waitlisted: decision += en ? " by rule \(rule)" : " oleh aturan \(rule)"
            case .invalid: break
            }
            if let loc = s.ruleLocation { decision += ", " + basename(loc) }
        }
        out.append(decision)
        out.append(pad + (en ? "Reason: " : "Alasan: ") + s.reason)
        if let basis = s.rules.first(where: \.decisive)?.reference { out.append(pad + (en ? "Legal basis: " : "Dasar hukum: ") + basis) }
        if s.decision == .accepted { out.append(pad + (en ? "Benefit: " : "Manfaat: ") + s.amountText) }
        if let a = s.allocation, a.step != .accepted || a.quota != nil || a.budget != nil {
            out.append(pad + (en ? "Allocation: " : "Alokasi: ") + ExplanationPhrases.allocation(a, language))
        }
        if let period = s.dataPeriodText, s.dataPeriod != header {
            out.append(pad + (en ? "DTKS data of \(period)" : "Data DTKS periode \(period)"))
        }
        for e in s.dataErrors { out.append(pad + "• " + e.text) }
        if !s.rules.isEmpty {
            out.append(pad + (en ? "Rules:" : "Aturan:"))
            for r in s.rules { out.append(ruleLine(r, language)) }
        }
        if let c = s.counterfactual {
            out.append(pad + (en ? "What would change the decision: " : "Yang dapat mengubah keputusan: ") + c.text)
            for remedy in c.remedies {
                for (k, option) in remedy.options.enumerated() {
                    for (j, change) in option.enumerated() {
                        let lead = k == 0 ? (j == 0 ? "• " : "  ") : (j == 0 ? (en ? "  or: " : "  atau: ") : "  ")
                        out.append(pad + "  " + lead + change.text + ". " + change.whereText)
                    }
                }
            }
        }
        return out
    }

    static func ruleLine(_ r: RuleExplanation, _ language: Language) -> String {
        let en = language == .en
        var line = String(repeating: "  ", count: r.depth + 3) + ExplanationPhrases.mark(r.outcome) + " " + r.id
        switch r.kind {
        case "all": line += en ? " (all must pass)" : " (semua harus lulus)"
        case "any": line += en ? " (one branch is enough)" : " (cukup satu cabang)"
        default:
            var seen = Set<String>()
            var values: [String] = []
            for check in r.checks {
                for v in check.values where v.role != "constant" && seen.insert(v.name).inserted {
                    values.append("\(v.name) = \(shortened(v.display))")
                }
            }
            if let condition = r.condition { line += "  " + condition }
            if !values.isEmpty { line += "  → " + values.joined(separator: ", ") }
        }
        if r.outcome == .notAssessed { line += en ? "  [not assessed]" : "  [belum dinilai]" }
        return line + "  (" + basename(r.location) + ")"
    }

    /// Long lists are cut in rule lines (the counterfactual lists them whole).
    static func shortened(_ display: String) -> String {
        let items = display.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count > 4 else { return display }
        return items.prefix(3).joined(separator: ",") + ", … (\(items.count))"
    }

    /// The message for an ID that cannot be explained.
    public static func render(_ failure: ExplanationFailure, language: Language) -> String {
        var out = [failure.message]
        for e in failure.dataErrors { out.append("  • " + e.text) }
        return out.joined(separator: "\n") + "\n"
    }
}
