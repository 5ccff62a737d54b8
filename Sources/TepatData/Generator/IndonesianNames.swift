/// Names as Indonesian admin data write them: upper case, one to three words, no family name
/// shared by the household. Two generations of given names (people born before ~1990 carry
/// names like SUPARMAN or SITI, younger people RIZKY or NABILA); about a third of the older
/// generation has a single name, as is common in Java (§8: "Indonesian names, upper case").
///
/// A handful of names need RFC 4180 quoting even in clean data, because real registries contain
/// them: about 1 member in 5,000 is written `"SITI, AMINAH"` (a comma typed between the words)
/// and 1 in 20,000 carries a nickname in quotes, written `"SITI ""ICEU"" AMINAH"`.
struct PersonName: Sendable {
    enum Style: UInt8, Sendable {
        case plain
        /// `"FIRST, SECOND"`, quoted because of the comma.
        case comma
        /// `"FIRST ""NICK"" SECOND"`, quoted because of the quotes.
        case nickname
    }

    /// Index into the given-name list chosen by `male` and `young`.
    var given: UInt16
    /// `MUHAMMAD` before the given name (young men only).
    var muhammad: Bool
    /// Index into the second-name list, or -1 for a single name.
    var second: Int16
    var nickname: UInt16
    var style: Style
    var male: Bool
    var young: Bool
}

enum IndonesianNames {
    static let commaPerMillion = 200
    static let nicknamePerMillion = 50

    /// People born in or after this year take the younger generation's names.
    static let youngFromYear = 1990

    static func draw(male: Bool, birthYear: Int, _ random: inout GeneratorRandom) -> PersonName {
        let young = birthYear >= youngFromYear
        let givenCount: Int
        switch (male, young) {
        case (true, false): givenCount = olderMale.count
        case (true, true): givenCount = youngerMale.count
        case (false, false): givenCount = olderFemale.count
        case (false, true): givenCount = youngerFemale.count
        }
        let given = UInt16(random.below(givenCount))
        let singleShare = young ? 150 : 350  // per mille
        var second: Int16 = -1
        if random.below(1000) >= singleShare {
            second = Int16(random.below(male ? maleSecond.count : femaleSecond.count))
        }
        let muhammad = male && young && random.below(1000) < 120
        var style = PersonName.Style.plain
        var nickname: UInt16 = 0
        if second >= 0 {
            let x = random.below(1_000_000)
            if x < commaPerMillion {
                style = .comma
            } else if x < commaPerMillion + nicknamePerMillion {
                style = .nickname
                nickname = UInt16(random.below(male ? maleNicknames.count : femaleNicknames.count))
            }
        }
        return PersonName(
            given: given, muhammad: muhammad, second: second, nickname: nickname, style: style, male: male, young: young)
    }

    static func givenName(_ name: PersonName) -> StaticString {
        switch (name.male, name.young) {
        case (true, false): return olderMale[Int(name.given)]
        case (true, true): return youngerMale[Int(name.given)]
        case (false, false): return olderFemale[Int(name.given)]
        case (false, true): return youngerFemale[Int(name.given)]
        }
    }

    static func secondName(_ name: PersonName) -> StaticString? {
        guard name.second >= 0 else { return nil }
        return name.male ? maleSecond[Int(name.second)] : femaleSecond[Int(name.second)]
    }

    static let olderMale: [StaticString] = [
        "AHMAD", "ABDUL", "AGUS", "BUDI", "DEDI", "DEDE", "ASEP", "UJANG", "DADANG", "SLAMET", "SUGENG", "JOKO",
        "BAMBANG", "HARYANTO", "SUPRIYADI", "SUPARMAN", "SUKARDI", "SUDIRMAN", "WAHYUDI", "HERMAN", "HENDRA",
        "IWAN", "RUDI", "YANTO", "SARIP", "SAEPUDIN", "NURDIN", "ROHMAT", "JUNAEDI", "MULYADI", "SUTISNA", "UDIN",
        "MAMAN", "OMAN", "KOMARUDIN", "SUHENDAR", "SUNARTO", "SUTRISNO", "PONIMAN", "KASMAN", "RAHMAT", "HASAN",
        "HUSEN", "ISMAIL", "YUSUF", "ZAINAL", "ARIFIN", "SYAMSUDIN", "MA'RUF", "JAJANG", "DIDI", "EDI", "ANDI",
        "IMAM", "SOLEH", "MUKHTAR", "KHOIRUL", "MUHAMMAD", "TATANG", "ENCEP",
    ]
    static let youngerMale: [StaticString] = [
        "RIZKY", "FAJAR", "DIMAS", "ARIF", "ILHAM", "REZA", "FIRMANSYAH", "ADITYA", "BAYU", "YOGA", "RIAN",
        "RANGGA", "FAHRI", "HAIKAL", "RAFA", "ALIF", "DAFFA", "FARHAN", "GILANG", "AKBAR", "RAFI", "ZIDAN",
        "ARKAN", "KEVIN", "ANGGA", "DANI", "DENI", "EKO", "TAUFIK", "FEBRI", "IQBAL", "NAUFAL", "ABIMANYU",
        "SATRIA", "RAIHAN", "BAGAS", "ALDI", "FADLI", "HAFIZ", "NU'MAN",
    ]
    static let olderFemale: [StaticString] = [
        "SITI", "SRI", "NUR", "DEWI", "AMINAH", "FATIMAH", "ROHAYATI", "SUMIATI", "SUMARNI", "SUPARTI", "SARINAH",
        "ROSITA", "RATNA", "YULIANTI", "NENG", "ENENG", "IMAS", "IDA", "TITIN", "ENTIN", "NANI", "NINING", "EUIS",
        "ICAH", "MARYAM", "KHADIJAH", "HALIMAH", "JUBAEDAH", "MARNI", "SUKARSIH", "WARSIH", "TARSIH", "RUKIAH",
        "MULYANI", "KARTINI", "LILIS", "YATI", "SUNARSIH", "ROHMAH", "UMI", "ATIKAH", "MASITOH",
    ]
    static let youngerFemale: [StaticString] = [
        "NABILA", "AULIA", "PUTRI", "SALSABILA", "ZAHRA", "AISYAH", "NAYLA", "KEISHA", "ANISA", "INDAH", "RINA",
        "NOVI", "DINA", "SELVI", "WULAN", "FITRI", "AYU", "TIARA", "NADIA", "AZZAHRA", "KHANSA", "ALYA", "CITRA",
        "RARA", "DELA", "MELATI", "INTAN", "SHINTA", "YUNI", "LESTARI", "RAHMA", "NAJWA", "ZASKIA", "HANA", "SYIFA",
        "SITI",
    ]
    static let maleSecond: [StaticString] = [
        "HIDAYAT", "SAPUTRA", "KURNIAWAN", "SETIAWAN", "PRATAMA", "GUNAWAN", "SANTOSO", "WIJAYA", "NUGROHO",
        "HERMAWAN", "SUHERMAN", "RAMADHAN", "FIRDAUS", "MAULANA", "SYAHPUTRA", "PERMANA", "HAKIM", "FAUZI",
        "RAHMAN", "SOLEHUDIN", "SUPRIATNA", "SURYADI", "HIDAYATULLAH", "ANSORI", "SOBARI", "MUBAROK", "SAEFULLOH",
        "ARDIANSYAH", "PRASETYO", "NURHADI",
    ]
    static let femaleSecond: [StaticString] = [
        "NURHAYATI", "SUSANTI", "LESTARI", "WAHYUNI", "HANDAYANI", "RAHAYU", "KURNIASIH", "PERTIWI", "SARI",
        "RAMADHANI", "AMALIA", "NURJANAH", "SUSILAWATI", "ROSMAWATI", "MULYASARI", "FITRIANI", "ANGGRAENI",
        "PURNAMASARI", "NOVITASARI", "KOMALASARI", "MARLINA", "AGUSTINA", "HERAWATI", "PUSPITASARI", "WULANDARI",
        "SAFITRI", "MAHARANI", "AZAHRA", "NURLAELA", "ROHIMAH",
    ]
    static let maleNicknames: [StaticString] = ["UCOK", "ENTONG", "ADUL", "EMEN"]
    static let femaleNicknames: [StaticString] = ["ICEU", "NENG", "NYAI", "UCI"]

    static func nickname(_ name: PersonName) -> StaticString {
        name.male ? maleNicknames[Int(name.nickname)] : femaleNicknames[Int(name.nickname)]
    }
}
