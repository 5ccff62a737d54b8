import Foundation

/// The hand-written floor: what a careful programmer would write for the JKK/JKM policy alone,
/// with the eight rules, the one-per-household limit and the quota hard-coded — no YAML, no
/// schema, no validation beyond what the rules need, one thread. Tepat's full pipeline is
/// measured against it.
///
/// It reads households.csv into a hash map keyed by the numeric No. KK, scans members.csv as
/// bytes, and writes the same decision rows (program, household_id, person_id, decision, rule,
/// reason, amount) with the same reason texts for the common rejections.
enum Floor {
    static let occupations: [[UInt8]] = [
        "ojek", "pedagang_kaki_lima", "buruh_harian_lepas", "nelayan", "buruh_tani", "pemulung", "pekerja_rumah_tangga", "marbot",
        "guru_ngaji", "kader_posyandu",
    ].map { Array($0.utf8) }

    struct Household {
        var inCity: Bool
        var desil: Int8  // 0 = not in DTKS
        var city: UInt32
    }

    struct Eligible {
        var line: Int32
        var desil: Int8
        var head: Bool
        var person: UInt64
        var household: UInt64
        var rentan: Bool
    }

    /// A field as a byte range of the file.
    typealias Field = (start: Int, end: Int)

    static func run(population: String, out: String) throws -> Int {
        var households: [UInt64: Household] = [:]
        let hdata = try Data(contentsOf: URL(fileURLWithPath: population + "/households.csv"))
        hdata.withUnsafeBytes { b in
            forEachRecord(b) { f in
                guard f.count >= 6 else { return }
                let city = number(b, f[1])
                households[number(b, f[0])] = Household(inCity: city == 3671, desil: Int8(truncatingIfNeeded: number(b, f[4])), city: UInt32(truncatingIfNeeded: city))
            }
        }
        var lines: [[UInt8]] = []
        var eligible: [Eligible] = []
        let mdata = try Data(contentsOf: URL(fileURLWithPath: population + "/members.csv"))
        mdata.withUnsafeBytes { b in
            forEachRecord(b) { f in
                guard f.count >= 11 else { return }
                let person = number(b, f[0]), hh = number(b, f[1])
                var line: [UInt8] = Array("jkk-jkm-pekerja-rentan,".utf8)
                append16(&line, hh)
                line.append(44)
                append16(&line, person)
                func reject(_ rule: String, _ reason: String) {
                    line += Array(",rejected,\(rule),\"\(reason)\",0\n".utf8)
                    lines.append(line)
                }
                guard let h = households[hh] else {
                    line += Array(",invalid,,,0\n".utf8)
                    lines.append(line)
                    return
                }
                let bd = f[5]
                let by = number(b, (bd.start, bd.start + 4)), bm = number(b, (bd.start + 5, bd.start + 7)), bday = number(b, (bd.start + 8, bd.start + 10))
                var age = 2025 - Int(by)
                if (3, 1) < (Int(bm), Int(bday)) { age -= 1 }
                let death = f[9]
                let alive = death.end == death.start || number(b, (death.start, death.start + 4)) * 10_000 + number(b, (death.start + 5, death.start + 7)) * 100 + number(b, (death.start + 8, death.start + 10)) > 20_250_301
                let occupation = f[6]
                let rentan = occupations.contains { o in o.count == occupation.end - occupation.start && o.indices.allSatisfy { b[occupation.start + $0] == o[$0] } }
                let disabled = b[f[10].start] == UInt8(ascii: "t")
                if !h.inCity { return reject("domisili", "Alamat KK berada di luar Kota Tangerang: kode wilayah \(h.city), seharusnya 3671") }
                if h.desil == 0 { return reject("terdaftar_dtks", "Keluarga tidak terdaftar dalam DTKS") }
                if h.desil > 4 { return reject("desil", "Desil \(h.desil) melebihi batas desil 4") }
                if age < 18 || age > 64 { return reject("usia", "Usia \(age) tahun pada 1 Maret 2025, di luar batas 18–64 tahun") }
                if !alive { return reject("hidup", "Tercatat meninggal dunia") }
                if !rentan && !disabled { return reject("pekerjaan", "Pekerjaan bukan pekerjaan rentan") }
                if f[7].end - f[7].start != 3 || b[f[7].start + 1] != UInt8(ascii: "p") { return reject("status_bpu", "Status pekerjaan bukan bpu") }
                if b[f[8].start] == UInt8(ascii: "t") { return reject("belum_terdaftar", "Sudah terdaftar sebagai peserta aktif BPJS Ketenagakerjaan") }
                eligible.append(Eligible(line: Int32(lines.count), desil: h.desil, head: f[3].end - f[3].start == 15, person: person, household: hh, rentan: rentan))
                lines.append(line)
            }
        }
        // One per household, then the quota, in priority order: desil, head first, NIK.
        eligible.sort { x, y in
            if x.desil != y.desil { return x.desil < y.desil }
            if x.head != y.head { return x.head }
            return x.person < y.person
        }
        var taken = Set<UInt64>()
        var rank = 0
        for e in eligible {
            if !taken.insert(e.household).inserted {
                lines[Int(e.line)] += Array(",rejected,satu_per_kk,Anggota lain dalam KK yang sama sudah dipilih,0\n".utf8)
                continue
            }
            rank += 1
            lines[Int(e.line)] += rank <= 5952 ? Array((e.rentan ? ",accepted,pekerjaan_rentan,Pekerja rentan,168000\n" : ",accepted,disabilitas,Pekerja penyandang disabilitas,168000\n").utf8) : Array(",waitlisted,kuota,Memenuhi syarat; peringkat \(rank),0\n".utf8)
        }
        var output: [UInt8] = Array("program,household_id,person_id,decision,rule,reason,amount\n".utf8)
        for line in lines { output += line }
        try Data(output).write(to: URL(fileURLWithPath: out + "/decisions.csv"))
        return lines.count
    }

    static func number(_ b: UnsafeRawBufferPointer, _ f: Field) -> UInt64 {
        var v: UInt64 = 0
        var i = f.start
        while i < f.end {
            let d = b[i] &- 48
            if d < 10 { v = v &* 10 &+ UInt64(d) }
            i += 1
        }
        return v
    }

    static func append16(_ out: inout [UInt8], _ value: UInt64) {
        var digits = [UInt8](repeating: 48, count: 16)
        var v = value
        for i in stride(from: 15, through: 0, by: -1) {
            digits[i] = UInt8(48 + v % 10)
            v /= 10
        }
        out += digits
    }

    /// Calls `body` with the field ranges of each record after the header (quoted fields handled).
    static func forEachRecord(_ b: UnsafeRawBufferPointer, _ body: ([Field]) -> Void) {
        var fields: [Field] = []
        fields.reserveCapacity(16)
        var start = 0
        var quoted = false
        var header = true
        var i = 0
        while i < b.count {
            let c = b[i]
            if quoted {
                if c == 34 { quoted = false }
            } else if c == 34 {
                quoted = true
            } else if c == 44 {
                fields.append((start, i))
                start = i + 1
            } else if c == 10 {
                let end = i > start && b[i - 1] == 13 ? i - 1 : i
                fields.append((start, end))
                if !header { body(fields) }
                header = false
                fields.removeAll(keepingCapacity: true)
                start = i + 1
            }
            i += 1
        }
    }
}
