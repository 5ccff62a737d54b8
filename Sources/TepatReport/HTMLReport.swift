import TepatModel

/// `report.html`: one self-contained page (inline CSS, no JavaScript, nothing fetched from the
/// network) that shows, per program, the headline figures, quota and budget use, the selection
/// funnel, decisions per kecamatan and decisions per rule.
///
/// A pure function of its arguments: the same summary and manifest always give byte-identical
/// HTML (no clock, no randomness, no dictionary order). Every text from the summary is escaped.
public enum HTMLReport {
    public static func render(_ summary: RunSummary, manifest: String? = nil, language: Language = .id) -> String {
        let words = ReportWords(language)
        let e = HTMLText.escape
        var page = HTMLPage()
        page.add("<!DOCTYPE html>")
        page.add("<html lang=\"\(language.rawValue)\">")
        page.add("<head>")
        page.add("<meta charset=\"utf-8\">")
        page.add("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.add("<meta name=\"generator\" content=\"\(e(summary.tool)) \(e(summary.toolVersion))\">")
        page.add("<title>\(e(words.pageTitle)) · \(e(summary.population))</title>")
        page.add("<style>\n\(HTMLStyle.css)\n</style>")
        page.add("</head>")
        page.add("<body>")
        page.add("<main>")

        // Title, population and one card per program.
        page.add("<header>")
        page.add("<p class=\"eyebrow\">\(e(summary.tool)) · \(e(words.reportKind))</p>")
        page.add("<h1>\(e(words.pageTitle))</h1>")
        page.add(
            "<p class=\"meta\">\(e(words.population)) <code>\(e(summary.population))</code> · "
                + "\(summary.programs.count) \(e(words.programs(summary.programs.count))) · \(e(summary.tool)) \(e(summary.toolVersion))</p>")
        if summary.programs.isEmpty {
            page.add("<p class=\"empty\">\(e(words.noPrograms))</p>")
        } else {
            page.add("<nav class=\"nav\">")
            for program in summary.programs {
                page.add(
                    "<a href=\"#\(HTMLText.anchor("program-", program.program))\"><span class=\"t\">\(e(displayTitle(program)))</span>"
                        + "<span class=\"n\">\(Rupiah.count(program.decisions.accepted)) \(e(words.label(.accepted))) · "
                        + "\(Rupiah.format(program.amount))</span></a>")
            }
            page.add("</nav>")
        }
        page.add("</header>")

        for program in summary.programs {
            renderProgram(program, words: words, into: &page)
        }

        page.add("<footer>")
        if let manifest {
            page.add("<details>")
            page.add("<summary>\(e(words.manifest))</summary>")
            page.add("<pre>\(e(manifest))</pre>")
            page.add("</details>")
        }
        page.add("<p>\(e(words.generatedBy)) \(e(summary.tool)) \(e(summary.toolVersion)).</p>")
        page.add("</footer>")
        page.add("</main>")
        page.add("</body>")
        page.add("</html>")
        return page.text
    }

    static func displayTitle(_ program: ProgramSummary) -> String {
        program.title.isEmpty ? program.program : program.title
    }

    static func renderProgram(_ program: ProgramSummary, words: ReportWords, into page: inout HTMLPage) {
        let e = HTMLText.escape
        let subjects = words.subjectPlural(program.subject)
        let total = program.decisions.total
        page.add("<section class=\"program\" id=\"\(HTMLText.anchor("program-", program.program))\">")

        // Heading.
        page.add("<p class=\"program-id\"><code>\(e(program.program))</code></p>")
        page.add("<h2>\(e(displayTitle(program)))</h2>")
        var meta = ["\(words.asOfCapitalized) \(ReportNumber.date(program.asOf, words.language))"]
        if let version = program.policyVersion, !version.isEmpty { meta.append("\(words.policyVersion) \(version)") }
        meta.append("\(words.budgetYear) \(program.budgetYear)")
        meta.append("\(Rupiah.count(program.subjects)) \(subjects)")
        page.add("<p class=\"meta\">\(e(meta.joined(separator: " · ")))</p>")

        // Headline figures.
        page.add("<div class=\"figures\">")
        var acceptedNote = "\(ReportNumber.percent(program.decisions.accepted, of: total)) \(words.of) \(Rupiah.count(total)) \(subjects)"
        if program.subject != "household", program.households.accepted > 0 {
            acceptedNote += " · \(Rupiah.count(program.households.accepted)) \(words.households)"
        }
        figure(
            kind: "accepted", label: words.label(.accepted).capitalizedFirst, value: Rupiah.count(program.decisions.accepted),
            note: acceptedNote, into: &page)
        let perSubject = program.decisions.accepted > 0 ? program.amount / Int64(program.decisions.accepted) : 0
        figure(
            kind: "amount", label: words.totalAmount.capitalizedFirst, value: Rupiah.format(program.amount),
            note: program.decisions.accepted > 0 && program.amount > 0 ? words.averagePer(Rupiah.format(perSubject)) : nil,
            into: &page)
        if let quota = program.quota {
            capFigure(quota, label: words.quotaUsed, format: ReportNumber.count, words: words, into: &page)
        }
        if let budget = program.budget {
            capFigure(budget, label: words.budgetUsed, format: Rupiah.format, words: words, into: &page)
        }
        page.add("</div>")

        // Every decision in one bar.
        page.add("<div class=\"split\">")
        page.add(stack(program.decisions, of: total, label: words.decisionsLabel))
        page.add("<ul class=\"legend\">")
        for decision in Decision.allCases {
            let count = program.decisions[decision]
            page.add(
                "<li><span class=\"dot \(decision.rawValue)-bg\"></span>\(e(words.label(decision).capitalizedFirst)) "
                    + "<b>\(Rupiah.count(count))</b> <small>\(ReportNumber.percent(count, of: total))</small></li>")
        }
        page.add("</ul>")
        page.add("</div>")

        renderFunnel(program, words: words, into: &page)
        renderKecamatan(program, words: words, into: &page)
        renderRules(program, words: words, into: &page)
        page.add("</section>")
    }

    static func figure(kind: String, label: String, value: String, note: String?, into page: inout HTMLPage) {
        let e = HTMLText.escape
        var html = "<div class=\"figure \(kind)\"><span class=\"label\">\(e(label))</span><span class=\"value\">\(e(value))</span>"
        if let note { html += "<span class=\"note\">\(e(note))</span>" }
        page.add(html + "</div>")
    }

    static func capFigure(_ cap: CapUse, label: String, format: (Int64) -> String, words: ReportWords, into page: inout HTMLPage) {
        let e = HTMLText.escape
        let full = cap.max > 0 && cap.used >= cap.max
        page.add(
            "<div class=\"figure cap\"><span class=\"label\">\(e(label)) <code>\(e(cap.id))</code></span>"
                + "<span class=\"value\">\(ReportNumber.percent(cap.used, of: cap.max))</span>"
                + "<span class=\"meter\(full ? " full" : "")\" role=\"img\" aria-label=\"\(ReportNumber.percent(cap.used, of: cap.max))\">"
                + "<span style=\"width:\(HTMLText.width(cap.used, of: cap.max))\"></span></span>"
                + "<span class=\"note\">\(e("\(format(cap.used)) \(words.of) \(format(cap.max)) · \(words.left(format(cap.left)))"))</span></div>")
    }

    /// A stacked bar of the four decisions; the bar is `counts.total` of `whole` wide.
    static func stack(_ counts: DecisionCounts, of whole: Int, label: String) -> String {
        var html = "<div class=\"stack\" role=\"img\" aria-label=\"\(HTMLText.escape(label))\">"
        for decision in Decision.allCases where counts[decision] > 0 {
            html += "<span class=\"\(decision.rawValue)-bg\" style=\"width:\(HTMLText.width(counts[decision], of: whole))\"></span>"
        }
        return html + "</div>"
    }

    /// How many subjects remain after each top-level rule: a bar per step, with the drop.
    static func renderFunnel(_ program: ProgramSummary, words: ReportWords, into page: inout HTMLPage) {
        guard !program.funnel.isEmpty else { return }
        let e = HTMLText.escape
        let widest = max(program.funnel.map(\.passed).max() ?? 0, 1)
        let start = program.funnel[0].passed
        page.add("<h3>\(e(words.funnel))</h3>")
        page.add("<p class=\"hint\">\(e(words.funnelHint))</p>")
        page.add("<ol class=\"funnel\">")
        var previous: Int?
        for step in program.funnel {
            let label: String
            if step.rule.isEmpty {
                label = "<strong>\(e(words.allValid(words.subjectPlural(program.subject))))</strong>"
            } else {
                let title = ruleTitle(step.rule, step.title, in: program, words: words) ?? step.rule
                label = "\(e(title))<code>\(e(step.rule))</code>"
            }
            let drop = previous.map { max($0 - step.passed, 0) } ?? 0
            var bar = "<div class=\"track\"><span class=\"funnel-bar\" style=\"width:\(HTMLText.width(step.passed, of: widest))\"></span>"
            if drop > 0 { bar += "<span class=\"drop\" style=\"width:\(HTMLText.width(drop, of: widest))\"></span>" }
            bar += "</div>"
            var numbers = "<b>\(Rupiah.count(step.passed))</b> <small>\(ReportNumber.percent(step.passed, of: start))</small>"
            if previous != nil {
                numbers += drop > 0 ? "<span class=\"minus\">−\(Rupiah.count(drop))</span>" : "<span class=\"minus none\">−0</span>"
            }
            page.add("<li class=\"step\"><div class=\"step-label\">\(label)</div>\(bar)<div class=\"step-num\">\(numbers)</div></li>")
            previous = step.passed
        }
        page.add("</ol>")
    }

    /// Decisions per kecamatan, sorted by name, as stacked bars scaled to the largest kecamatan.
    static func renderKecamatan(_ program: ProgramSummary, words: ReportWords, into page: inout HTMLPage) {
        guard !program.byKecamatan.isEmpty else { return }
        let e = HTMLText.escape
        let groups = program.byKecamatan.sorted {
            let (a, b) = ($0.name.lowercased(), $1.name.lowercased())
            return a != b ? a < b : $0.name < $1.name
        }
        let widest = max(groups.map(\.decisions.total).max() ?? 0, 1)
        page.add("<h3>\(e(words.byKecamatan))</h3>")
        page.add("<p class=\"hint\">\(words.kecamatanHint(program.groupedBy.map { "<code>\(e($0))</code>" }))</p>")
        // On a phone the header row is hidden and each kecamatan becomes a small card; this legend stands in for it.
        page.add("<ul class=\"legend narrow\">")
        for decision in Decision.allCases {
            page.add("<li><span class=\"dot \(decision.rawValue)-bg\"></span>\(e(words.label(decision).capitalizedFirst))</li>")
        }
        page.add("</ul>")
        page.add("<div class=\"table-wrap\"><table class=\"kec\">")
        var head = "<thead><tr><th>\(e(words.kecamatan))</th><th></th>"
        for decision in Decision.allCases {
            head += "<th class=\"num\"><span class=\"dot \(decision.rawValue)-bg\"></span>\(e(words.label(decision).capitalizedFirst))</th>"
        }
        page.add(head + "<th class=\"num\">\(e(words.totalAmount.capitalizedFirst))</th></tr></thead>")
        page.add("<tbody>")
        var sum = DecisionCounts()
        var amount: Int64 = 0
        for group in groups {
            var row = "<tr><td class=\"name\">\(e(group.name))</td><td class=\"bar\">"
                + stack(group.decisions, of: widest, label: "\(group.name): \(Rupiah.count(group.decisions.total))") + "</td>"
            for decision in Decision.allCases { row += countCell(group.decisions, decision) }
            page.add(row + "<td class=\"num amount\">\(Rupiah.format(group.amount))</td></tr>")
            sum.accepted += group.decisions.accepted
            sum.waitlisted += group.decisions.waitlisted
            sum.rejected += group.decisions.rejected
            sum.invalid += group.decisions.invalid
            amount += group.amount
        }
        page.add("</tbody>")
        if groups.count > 1 {
            var foot = "<tfoot><tr><td class=\"name\">\(e(words.total))</td><td class=\"bar\"></td>"
            for decision in Decision.allCases { foot += countCell(sum, decision) }
            page.add(foot + "<td class=\"num amount\">\(Rupiah.format(amount))</td></tr></tfoot>")
        }
        page.add("</table></div>")
    }

    /// The title of a rule; a quota or budget rule without one is called what it is.
    static func ruleTitle(_ rule: String, _ title: String?, in program: ProgramSummary, words: ReportWords) -> String? {
        if let title, !title.isEmpty { return title }
        if rule == program.quota?.id { return words.quota.capitalizedFirst }
        if rule == program.budget?.id { return words.budget.capitalizedFirst }
        return nil
    }

    /// A count in the kecamatan table, with a colour dot that only shows on narrow screens.
    static func countCell(_ counts: DecisionCounts, _ decision: Decision) -> String {
        "<td class=\"num count\"><span class=\"dot \(decision.rawValue)-bg\"></span>\(Rupiah.count(counts[decision]))</td>"
    }

    /// Every rule that decided subjects, in the order of the summary.
    static func renderRules(_ program: ProgramSummary, words: ReportWords, into page: inout HTMLPage) {
        guard !program.byRule.isEmpty else { return }
        let e = HTMLText.escape
        let total = program.decisions.total
        page.add("<h3>\(e(words.byRule))</h3>")
        page.add("<p class=\"hint\">\(e(words.byRuleHint))</p>")
        page.add("<div class=\"table-wrap\"><table>")
        page.add(
            "<thead><tr><th>\(e(words.rule))</th><th>\(e(words.decision.capitalizedFirst))</th>"
                + "<th class=\"num\">\(e(words.count))</th><th class=\"num share\">%</th></tr></thead>")
        page.add("<tbody>")
        for rule in program.byRule {
            let title = ruleTitle(rule.rule, rule.title, in: program, words: words)
            let name = title.map { "\(e($0))<code>\(e(rule.rule))</code>" } ?? "<code>\(e(rule.rule))</code>"
            let decision = Decision(rawValue: rule.decision)
            let pill = "<span class=\"pill \(decision?.rawValue ?? "")\">\(e(decision.map(words.label) ?? rule.decision))</span>"
            page.add(
                "<tr><td class=\"rule\">\(name)</td><td>\(pill)</td><td class=\"num\">\(Rupiah.count(rule.count))</td>"
                    + "<td class=\"num share\">\(ReportNumber.percent(rule.count, of: total))</td></tr>")
        }
        page.add("</tbody>")
        page.add("</table></div>")
    }
}

/// The page being written, one line at a time.
struct HTMLPage {
    private(set) var text = ""

    mutating func add(_ line: String) {
        text += line
        text += "\n"
    }
}

extension String {
    /// `diterima` → `Diterima`.
    var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}

/// Words that only the HTML report uses.
extension ReportWords {
    var pageTitle: String { pick("Hasil penetapan penerima bantuan", "Eligibility run results") }
    var reportKind: String { pick("laporan", "report") }
    var population: String { pick("Populasi", "Population") }
    func programs(_ count: Int) -> String { language == .en && count != 1 ? "programs" : "program" }
    var asOfCapitalized: String { pick("Tanggal acuan", "As of") }
    var budgetYear: String { pick("tahun anggaran", "budget year") }
    func averagePer(_ amount: String) -> String { pick("rata-rata \(amount) per penerima", "\(amount) per recipient on average") }
    var quotaUsed: String { pick("Kuota terpakai", "Quota used") }
    var budgetUsed: String { pick("Anggaran terpakai", "Budget used") }
    var decisionsLabel: String { pick("Sebaran keputusan", "Decisions") }
    var funnel: String { pick("Corong seleksi", "Selection funnel") }
    var funnelHint: String {
        pick(
            "Jumlah yang masih lolos sesudah setiap aturan, berurutan; bagian bergaris adalah yang gugur di aturan itu.",
            "How many are still in after each rule, in order; the striped part is what that rule removed.")
    }
    func allValid(_ subjects: String) -> String { pick("Semua \(subjects) yang valid", "All valid \(subjects)") }
    var byKecamatan: String { pick("Keputusan per kecamatan", "Decisions by kecamatan") }
    /// `grouped` is already HTML.
    func kecamatanHint(_ grouped: String?) -> String {
        let source = grouped.map { pick("Kecamatan dari \($0), diurutkan", "Kecamatan from \($0), sorted") } ?? pick("Diurutkan", "Sorted")
        return pick(
            "\(source) menurut nama; panjang batang sebanding dengan jumlah subjek di kecamatan itu.",
            "\(source) by name; each bar is as long as the number of subjects in that kecamatan.")
    }
    var kecamatan: String { pick("Kecamatan", "Kecamatan") }
    var total: String { pick("Jumlah", "Total") }
    var byRule: String { pick("Keputusan per aturan", "Decisions by rule") }
    var byRuleHint: String {
        pick(
            "Aturan yang menentukan keputusan, dengan jumlah subjek dan bagiannya dari semua subjek.",
            "The rule that decided, with how many subjects and their share of all subjects.")
    }
    var rule: String { pick("Aturan", "Rule") }
    var count: String { pick("Jumlah", "Count") }
    var manifest: String { pick("Manifes run (JSON)", "Run manifest (JSON)") }
    var generatedBy: String { pick("Dibuat oleh", "Made by") }
}
