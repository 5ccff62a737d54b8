import TepatEval
import TepatModel

/// The words of an explanation, in Bahasa Indonesia and English: short, plain sentences an
/// officer can read out to a resident.
public enum ExplanationPhrases {
    // MARK: names of values

    /// A plain name for a value read by a check (`household.desil` → `desil`, `age_on(as_of)` → `usia`).
    public static func label(_ target: String, _ language: Language) -> String {
        let en = language == .en
        if target.hasPrefix("age_on(") { return en ? "age" : "usia" }
        if target.hasPrefix("working_days_between(") { return en ? "working days" : "jumlah hari kerja" }
        if target.hasPrefix("days_between(") { return en ? "days" : "jumlah hari" }
        if target.hasPrefix("count(") { return en ? "number" : "jumlah" }
        let name = String(target.split(separator: ".").last ?? Substring(target))
        if let known = fieldLabels[name] { return en ? known.en : known.id }
        return String(name.map { $0 == "_" ? " " : $0 })
    }

    /// Names of the DTKS schema's fields; any other field is shown by its name.
    static let fieldLabels: [String: (id: String, en: String)] = [
        "desil": ("desil", "decile"),
        "city_code": ("kode wilayah KK", "area code of the family card"),
        "kecamatan": ("kecamatan", "kecamatan"),
        "kelurahan": ("kelurahan", "kelurahan"),
        "dtks_period": ("periode DTKS", "DTKS period"),
        "household_id": ("No. KK", "family card number"),
        "person_id": ("NIK", "NIK"),
        "name": ("nama", "name"),
        "relationship": ("hubungan dalam keluarga", "relationship in the family"),
        "sex": ("jenis kelamin", "sex"),
        "birth_date": ("tanggal lahir", "date of birth"),
        "occupation": ("pekerjaan", "occupation"),
        "employment_status": ("status pekerjaan", "employment status"),
        "bpjs_tk_active": ("kepesertaan aktif BPJS Ketenagakerjaan", "active BPJS Ketenagakerjaan membership"),
        "death_date": ("tanggal kematian", "date of death"),
        "disability": ("disabilitas", "disability"),
        "cause_of_death": ("sebab kematian", "cause of death"),
        "deceased_person_id": ("NIK almarhum/almarhumah", "NIK of the deceased"),
        "applicant_nik": ("NIK pemohon", "applicant's NIK"),
        "applicant_relationship": ("hubungan pemohon", "applicant's relationship"),
        "submitted_on": ("tanggal permohonan", "application date"),
        "documents_complete": ("kelengkapan berkas", "complete documents"),
        "deceased": ("data almarhum/almarhumah", "record of the deceased"),
    ]

    // MARK: decisions and outcomes

    public static func decision(_ d: DecisionKind, _ language: Language) -> String {
        let en = language == .en
        switch d {
        case .accepted: return en ? "ACCEPTED" : "DITERIMA"
        case .rejected: return en ? "REJECTED" : "DITOLAK"
        case .waitlisted: return en ? "WAITLISTED" : "DAFTAR TUNGGU"
        case .invalid: return en ? "INVALID DATA" : "DATA TIDAK VALID"
        }
    }

    public static func outcome(_ o: OutcomeKind, _ language: Language) -> String {
        let en = language == .en
        switch o {
        case .pass: return en ? "pass" : "lulus"
        case .fail: return en ? "fail" : "tidak lulus"
        case .notAssessed: return en ? "not assessed" : "belum dinilai"
        }
    }

    public static func mark(_ o: OutcomeKind) -> String {
        switch o {
        case .pass: "✓"
        case .fail: "✗"
        case .notAssessed: "–"
        }
    }

    // MARK: summary

    /// `JKK …: 1 dari 4 anggota diterima` / `Santunan …: tidak ada permohonan`.
    public static func summary(
        title: String, subject: String, subjects: Int, accepted: Int, waitlisted: Int, rejected: Int, invalid: Int, _ language: Language
    ) -> String {
        let en = language == .en
        let person = subject == "member"
        let noun = person ? (en ? (subjects == 1 ? "member" : "members") : "anggota") : (en ? (subjects == 1 ? "application" : "applications") : "permohonan")
        if subjects == 0 {
            return title + ": " + (person ? (en ? "no member is a subject" : "tidak ada anggota yang dinilai") : (en ? "no application" : "tidak ada permohonan"))
        }
        var parts: [String] = []
        if person {
            parts.append(en ? "\(accepted) of \(subjects) \(noun) accepted" : "\(accepted) dari \(subjects) anggota diterima")
        } else {
            let counts = [(accepted, en ? "accepted" : "diterima"), (waitlisted, en ? "waitlisted" : "daftar tunggu"), (rejected, en ? "rejected" : "ditolak"), (invalid, en ? "invalid data" : "data tidak valid")]
            let shown = counts.filter { $0.0 > 0 }.map { subjects == 1 ? $0.1 : "\($0.0) \($0.1)" }
            return title + ": " + "\(subjects) \(noun): " + shown.joined(separator: ", ")
        }
        if waitlisted > 0 { parts.append(en ? "\(waitlisted) waitlisted" : "\(waitlisted) daftar tunggu") }
        if invalid > 0 { parts.append(en ? "\(invalid) with invalid data" : "\(invalid) data tidak valid") }
        return title + ": " + parts.joined(separator: ", ")
    }

    // MARK: counterfactual

    /// `Hanya terhalang aturan desil (Desil DTKS).`
    public static func blockers(
        _ blocking: [(id: String, title: String?)], notAssessed: [(id: String, title: String?)],
        unreadable: [(id: String, title: String?)] = [], missing: String? = nil, _ language: Language
    ) -> String {
        let en = language == .en
        func name(_ r: (id: String, title: String?)) -> String { r.title.map { "\(r.id) (\($0))" } ?? r.id }
        var text: String
        if blocking.count == 1 {
            text = notAssessed.isEmpty
                ? (en ? "Only blocked by rule \(name(blocking[0]))." : "Hanya terhalang aturan \(name(blocking[0])).")
                : (en ? "Blocked by rule \(name(blocking[0]))." : "Terhalang aturan \(name(blocking[0])).")
        } else {
            let list = blocking.map(name).joined(separator: ", ")
            text = en ? "Blocked by \(blocking.count) rules: \(list)." : "Terhalang \(blocking.count) aturan: \(list)."
        }
        if !unreadable.isEmpty {
            let list = unreadable.map(name).joined(separator: ", ")
            let what = missing.map { label($0, language) } ?? (en ? "a linked record" : "data yang ditautkan")
            text += en
                ? " Rule\(unreadable.count == 1 ? "" : "s") \(list) also fail\(unreadable.count == 1 ? "s" : "") because the \(what) is not found; decided again once it is."
                : " Aturan \(list) juga tidak lulus karena \(what) tidak ditemukan; dinilai lagi setelah datanya ada."
        }
        if !notAssessed.isEmpty {
            let list = notAssessed.map(name).joined(separator: ", ")
            text += en
                ? " Not yet assessed because data is missing: \(list); decided once the rules above pass."
                : " Belum dapat dinilai karena datanya kosong: \(list); dinilai setelah aturan di atas terpenuhi."
        }
        return text
    }

    /// `desil perlu ≤ 4, saat ini 6`.
    public static func change(
        label: String, need: NeedInfo, current: String, currentIsEmpty: Bool, qualifiesFrom: Day?, never: Bool, isDate: Bool, _ language: Language
    ) -> String {
        let en = language == .en
        let now = currentIsEmpty ? (en ? "empty" : "kosong") : current
        let needs = en ? "must be" : "perlu"
        let values = need.display
        var text: String
        switch need.op {
        case "<=", "<", ">=", ">":
            let v = values.first ?? ""
            if isDate {
                let word = need.op.hasPrefix("<") ? (en ? (need.op == "<" ? "before" : "on or before") : (need.op == "<" ? "sebelum" : "paling lambat")) : (en ? (need.op == ">" ? "after" : "on or after") : (need.op == ">" ? "sesudah" : "paling cepat"))
                text = "\(label) \(needs) \(word) \(v)"
            } else {
                let symbol = ["<=": "≤", "<": "<", ">=": "≥", ">": ">"][need.op] ?? need.op
                text = "\(label) \(needs) \(symbol) \(v)"
            }
        case "==": text = "\(label) \(needs) \(values.first ?? "")"
        case "!=": text = en ? "\(label) must not be \(values.first ?? "")" : "\(label) perlu selain \(values.first ?? "")"
        case "between": text = en ? "\(label) must be between \(values.first ?? "") and \(values.last ?? "")" : "\(label) perlu antara \(values.first ?? "") dan \(values.last ?? "")"
        case "in": text = en ? "\(label) must be one of: \(values.joined(separator: ", "))" : "\(label) perlu salah satu dari: \(values.joined(separator: ", "))"
        case "not in": text = en ? "\(label) must not be one of: \(values.joined(separator: ", "))" : "\(label) perlu bukan salah satu dari: \(values.joined(separator: ", "))"
        case "present": text = en ? "\(label) must be filled in" : "\(label) perlu terisi"
        case "absent": text = en ? "\(label) must be empty" : "\(label) perlu kosong"
        case "is": text = "\(label) \(needs) \(values.first ?? "")"
        default: text = en ? "\(label) must hold" : "\(label) perlu terpenuhi"
        }
        if need.op != "holds" { text += (need.op == "in" || need.op == "not in" ? "; " : ", ") + (en ? "now " : "saat ini ") + now }
        if let day = qualifiesFrom {
            text += en ? "; eligible by age from \(day.dmy)" : "; memenuhi syarat usia mulai \(day.dmy)"
        } else if never {
            text += en ? "; this can no longer be met" : "; tidak mungkin lagi terpenuhi"
        }
        return text
    }

    /// Where a value is kept and corrected.
    public static func place(_ source: String?, _ language: Language, short: Bool = false) -> String {
        let en = language == .en
        if short {
            switch source {
            case "dtks": return en ? "DTKS at the kelurahan" : "DTKS di kelurahan"
            case "dukcapil": return "Disdukcapil"
            case "bpjs": return "BPJS Ketenagakerjaan"
            case "permohonan": return en ? "the application file" : "berkas permohonan"
            default: break
            }
        }
        switch source {
        case "dtks": return en ? "a DTKS update request or objection (usul/sanggah) at the kelurahan or Dinas Sosial" : "usul/sanggah DTKS di kelurahan atau Dinas Sosial"
        case "dukcapil": return en ? "Disdukcapil (civil registry)" : "Disdukcapil"
        case "bpjs": return "BPJS Ketenagakerjaan"
        case "permohonan": return en ? "complete or correct the application file at Dinas Sosial" : "lengkapi/perbaiki berkas permohonan di Dinas Sosial"
        default: return en ? "the office that keeps this data" : "instansi pemilik data"
        }
    }

    /// `Dapat diperbaiki: usul/sanggah DTKS di kelurahan atau Dinas Sosial.`
    public static func correction(fixed: Bool, source: String?, fields: [String], sources: [String?] = [], _ language: Language) -> String {
        let en = language == .en
        let place = place(source, language)
        if !fixed { return en ? "Can be corrected: \(place)." : "Dapat diperbaiki: \(place)." }
        if fields.isEmpty { return en ? "Cannot be changed." : "Tidak dapat diubah." }
        let distinct = Set(sources.map { $0 ?? "" })
        if distinct.count > 1, sources.count == fields.count {
            // Fields kept in different places: name the place of each.
            let each = zip(fields, sources).map { "\(label($0, language)) (\(Self.place($1, language, short: true)))" }
            return en
                ? "Cannot be changed; only if the \(each.joined(separator: " or the ")) is recorded wrongly."
                : "Tidak dapat diubah; hanya bila \(each.joined(separator: " atau ")) tercatat keliru."
        }
        let what = fields.map { label($0, language) }.joined(separator: en ? " or " : " atau ")
        return en
            ? "Cannot be changed; only if the \(what) is recorded wrongly: \(place)."
            : "Tidak dapat diubah; hanya bila \(what) tercatat keliru: \(place)."
    }

    // MARK: allocation

    public static func allocation(_ a: AllocationInfo, _ language: Language) -> String {
        let en = language == .en
        func count(_ v: Int) -> String { DisplayValue.count(Int64(v)).text(language) }
        let rank = a.rank.map { en ? "rank \(count($0)) in the priority order" : "peringkat \(count($0)) dalam urutan prioritas" }
        let cutoff = a.cutoff.map { en ? "the last accepted has rank \(count($0))" : "peringkat terakhir yang diterima: \(count($0))" }
        switch a.step {
        case .accepted:
            var parts: [String] = [en ? "Accepted within the allocation" : "Diterima dalam alokasi"]
            if let q = a.quota { parts.append(en ? "quota \(count(Int(q)))" : "kuota \(count(Int(q)))") }
            if let b = a.budget { parts.append(en ? "budget \(Rupiah.format(b))" : "anggaran \(Rupiah.format(b))") }
            if let c = a.cutoff { parts.append(en ? "\(count(c)) accepted in all" : "seluruhnya \(count(c)) diterima") }
            return parts.joined(separator: "; ") + "."
        case .quota:
            var parts = [en ? "Eligible, but the quota is full" : "Memenuhi syarat, tetapi kuota sudah penuh"]
            if let rank { parts.append(rank) }
            if let q = a.quota { parts.append(en ? "quota \(count(Int(q)))" : "kuota \(count(Int(q)))") }
            if let cutoff { parts.append(cutoff) }
            return parts.joined(separator: "; ") + "."
        case .budget:
            var parts = [en ? "Eligible, but the budget is used up" : "Memenuhi syarat, tetapi anggaran sudah habis"]
            if let rank { parts.append(rank) }
            if let b = a.budget { parts.append(en ? "budget \(Rupiah.format(b))" : "anggaran \(Rupiah.format(b))") }
            if let u = a.used { parts.append(en ? "used \(Rupiah.format(u))" : "terpakai \(Rupiah.format(u))") }
            if let cutoff { parts.append(cutoff) }
            return parts.joined(separator: "; ") + "."
        case .limit:
            var text = en ? "Eligible, but limit \(a.id ?? "") applies" : "Memenuhi syarat, tetapi berlaku batas \(a.id ?? "")"
            if !a.kept.isEmpty {
                let names = a.kept.map { k in (k.name.map { "\($0) (\(k.key))" } ?? k.key) + ", " + decision(k.decision, language).lowercased() }
                text += en ? "; already selected: " : "; sudah dipilih: "
                text += names.joined(separator: "; ")
            }
            return text + "."
        }
    }
}
