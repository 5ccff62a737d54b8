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
        /// Where the member's decision goes in the output buffer.
        var line: Int
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
        // Every line goes straight into one buffer; an eligible member's line stops before its
        // decision, which is spliced in at `Eligible.line` (a byte offset) after allocation.
        let mdata = try Data(contentsOf: URL(fileURLWithPath: population + "/members.csv"))
        var output: [UInt8] = Array("program,household_id,person_id,decision,rule,reason,amount\n".utf8)
        output.reserveCapacity(mdata.count * 3 / 2)
        var eligible: [Eligible] = []
        var rows = 0
        let program = Array("jkk-jkm-pekerja-rentan,".utf8)
        let invalid = Array(",invalid,,,0\n".utf8)
        let rejections: [String: [UInt8]] = [
            "terdaftar_dtks": Array(",rejected,terdaftar_dtks,Keluarga tidak terdaftar dalam DTKS,0\n".utf8),
            "hidup": Array(",rejected,hidup,Tercatat meninggal dunia,0\n".utf8),
            "pekerjaan": Array(",rejected,pekerjaan,Pekerjaan bukan pekerjaan rentan,0\n".utf8),
            "status_bpu": Array(",rejected,status_bpu,Status pekerjaan bukan bpu,0\n".utf8),
            "belum_terdaftar": Array(",rejected,belum_terdaftar,Sudah terdaftar sebagai peserta aktif BPJS Ketenagakerjaan,0\n".utf8),
        ]
        let (dtks, hidup, pekerjaan, bpu, terdaftar) = (
            rejections["terdaftar_dtks"]!, rejections["hidup"]!, rejections["pekerjaan"]!, rejections["status_bpu"]!, rejections["belum_terdaftar"]!
        )
        mdata.withUnsafeBytes { b in
            forEachRecord(b) { f in
                guard f.count >= 11 else { return }
                rows += 1
                let person = number(b, f[0]), hh = number(b, f[1])
                output.append(contentsOf: program)
                append16(&output, hh)
                output.append(44)
                append16(&output, person)
                guard let h = households[hh] else { return output.append(contentsOf: invalid) }
                let bd = f[5]
                let by = number(b, (bd.start, bd.start + 4)), bm = number(b, (bd.start + 5, bd.start + 7)), bday = number(b, (bd.start + 8, bd.start + 10))
                var age = 2025 - Int(by)
                if (3, 1) < (Int(bm), Int(bday)) { age -= 1 }
                let death = f[9]
                let alive = death.end == death.start || number(b, (death.start, death.start + 4)) * 10_000 + number(b, (death.start + 5, death.start + 7)) * 100 + number(b, (death.start + 8, death.start + 10)) > 20_250_301
                let occupation = f[6]
                let rentan = occupations.contains { o in o.count == occupation.end - occupation.start && o.indices.allSatisfy { b[occupation.start + $0] == o[$0] } }
                let disabled = b[f[10].start] == UInt8(ascii: "t")
                if !h.inCity {
                    output.append(contentsOf: ",rejected,domisili,Alamat KK berada di luar Kota Tangerang: kode wilayah ".utf8)
                    appendNumber(&output, UInt64(h.city))
                    return output.append(contentsOf: ", seharusnya 3671,0\n".utf8)
                }
                if h.desil == 0 { return output.append(contentsOf: dtks) }
                if h.desil > 4 {
                    output.append(contentsOf: ",rejected,desil,Desil ".utf8)
                    appendNumber(&output, UInt64(h.desil))
                    return output.append(contentsOf: " melebihi batas desil 4,0\n".utf8)
                }
                if age < 18 || age > 64 {
                    output.append(contentsOf: ",rejected,usia,\"Usia ".utf8)
                    appendNumber(&output, UInt64(max(0, age)))
                    return output.append(contentsOf: " tahun pada 1 Maret 2025, di luar batas 18–64 tahun\",0\n".utf8)
                }
                if !alive { return output.append(contentsOf: hidup) }
                if !rentan && !disabled { return output.append(contentsOf: pekerjaan) }
                if f[7].end - f[7].start != 3 || b[f[7].start + 1] != UInt8(ascii: "p") { return output.append(contentsOf: bpu) }
                if b[f[8].start] == UInt8(ascii: "t") { return output.append(contentsOf: terdaftar) }
                eligible.append(Eligible(line: output.count, desil: h.desil, head: f[3].end - f[3].start == 15, person: person, household: hh, rentan: rentan))
            }
        }
        // One per household, then the quota, in priority order: desil, head first, NIK.
        var order = Array(eligible.indices)
        order.sort { i, j in
            let x = eligible[i], y = eligible[j]
            if x.desil != y.desil { return x.desil < y.desil }
            if x.head != y.head { return x.head }
            return x.person < y.person
        }
        var decision = [UInt32](repeating: 0, count: eligible.count)  // 0 satu_per_kk, else the rank
        var taken = Set<UInt64>(minimumCapacity: eligible.count)
        var rank: UInt32 = 0
        for i in order where taken.insert(eligible[i].household).inserted {
            rank += 1
            decision[i] = rank
        }
        // The lines, with each eligible member's decision spliced in, written in large pieces.
        guard let file = FileHandle(forWritingAtPath: out + "/decisions.csv") ?? {
            _ = FileManager.default.createFile(atPath: out + "/decisions.csv", contents: nil)
            return FileHandle(forWritingAtPath: out + "/decisions.csv")
        }() else { throw CocoaError(.fileWriteUnknown) }
        try file.truncate(atOffset: 0)
        var piece: [UInt8] = []
        piece.reserveCapacity(8 << 20)
        var copied = 0
        for (i, e) in eligible.enumerated() {
            piece.append(contentsOf: output[copied..<e.line])
            copied = e.line
            let r = decision[i]
            if r == 0 {
                piece.append(contentsOf: ",rejected,satu_per_kk,Anggota lain dalam KK yang sama sudah dipilih,0\n".utf8)
            } else if r <= 5952 {
                piece.append(contentsOf: (e.rentan ? ",accepted,pekerjaan_rentan,Pekerja rentan,168000\n" : ",accepted,disabilitas,Pekerja penyandang disabilitas,168000\n").utf8)
            } else {
                piece.append(contentsOf: ",waitlisted,kuota,Memenuhi syarat; peringkat ".utf8)
                appendNumber(&piece, UInt64(r))
                piece.append(contentsOf: ",0\n".utf8)
            }
            if piece.count >= 8 << 20 {
                file.write(Data(piece))
                piece.removeAll(keepingCapacity: true)
            }
        }
        piece.append(contentsOf: output[copied...])
        file.write(Data(piece))
        try file.close()
        return rows
    }

    static func appendNumber(_ out: inout [UInt8], _ value: UInt64) {
        var digits: [UInt8] = []
        var v = value
        repeat {
            digits.append(UInt8(48 + v % 10))
            v /= 10
        } while v > 0
        out.append(contentsOf: digits.reversed())
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
        let start = out.count
        out.append(contentsOf: repeatElement(48, count: 16))
        var v = value
        for i in stride(from: start + 15, through: start, by: -1) {
            out[i] = UInt8(48 + v % 10)
            v /= 10
        }
    }

    /// Calls `body` with the field ranges of each record after the header (quoted fields handled).
    static func forEachRecord(_ b: UnsafeRawBufferPointer, _ body: ([Field]) -> Void) {
        // Records without a quote (nearly all) are cut at commas found by `memchr`.
        if let base = b.baseAddress {
            var fields: [Field] = []
            fields.reserveCapacity(16)
            var start = 0
            var header = true
            while start < b.count, let nl = memchr(base + start, 10, b.count - start) {
                let newline = base.distance(to: UnsafeRawPointer(nl))
                if memchr(base + start, 34, newline - start) != nil {
                    // A quoted field: this record the slow way.
                    var quoted = false
                    var i = start, fieldStart = start
                    var end = newline
                    while i < b.count {
                        let c = b[i]
                        if quoted { if c == 34 { quoted = false } } else if c == 34 { quoted = true } else if c == 44 {
                            fields.append((fieldStart, i))
                            fieldStart = i + 1
                        } else if c == 10 {
                            end = i
                            break
                        }
                        i += 1
                    }
                    fields.append((fieldStart, end > fieldStart && b[end - 1] == 13 ? end - 1 : end))
                    if !header { body(fields) }
                    header = false
                    fields.removeAll(keepingCapacity: true)
                    start = end + 1
                    continue
                }
                var fieldStart = start
                while let comma = memchr(base + fieldStart, 44, newline - fieldStart) {
                    let at = base.distance(to: UnsafeRawPointer(comma))
                    fields.append((fieldStart, at))
                    fieldStart = at + 1
                }
                fields.append((fieldStart, newline > fieldStart && b[newline - 1] == 13 ? newline - 1 : newline))
                if !header { body(fields) }
                header = false
                fields.removeAll(keepingCapacity: true)
                start = newline + 1
            }
            return
        }
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
