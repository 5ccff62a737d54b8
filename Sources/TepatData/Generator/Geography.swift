/// Where households live. Kota Tangerang (BPS 3671) has 13 kecamatan and 104 kelurahan; the
/// list, the Kemendagri order (which gives the codes 36.71.01…13 and .1001, .1002, …) and the
/// sampling weights are those of domain brief §6. Kelurahan are drawn uniformly within their
/// kecamatan (§8). Spelling follows the brief, except *Nerogtog* (Pinang), spelt as in the
/// Kemendagri list.
///
/// About 3 % of households have a domicile outside the city (§8, `domicile_in_city` 97 %): a
/// stale or moved address in a neighbouring regency or city, so that the domicile rule has
/// something to reject. Their kecamatan and kelurahan are real places of that city; the district
/// digits used in their KK numbers are illustrative, not official codes.
struct Kecamatan: Sendable {
    /// BPS code of the regency or city (`3671`).
    let cityCode: Int
    /// Two-digit district code within the city (`5` for 36.71.05); the KK and NIK prefix is
    /// `cityCode * 100 + districtCode`.
    let districtCode: Int
    let name: StaticString
    let villages: [StaticString]

    var prefix: Int { cityCode * 100 + districtCode }
}

enum Geography {
    static let tangerangCityCode = 3671

    /// The 13 kecamatan of Kota Tangerang in Kemendagri order.
    static let tangerang: [Kecamatan] = [
        Kecamatan(cityCode: 3671, districtCode: 1, name: "Tangerang", villages: [
            "Sukarasa", "Sukaasih", "Tanah Tinggi", "Buaran Indah", "Cikokol", "Kelapa Indah", "Sukasari", "Babakan",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 2, name: "Jatiuwung", villages: [
            "Keroncong", "Jatake", "Pasir Jaya", "Gandasari", "Manis Jaya", "Alam Jaya",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 3, name: "Batuceper", villages: [
            "Batuceper", "Batu Jaya", "Poris Gaga", "Poris Gaga Baru", "Kebon Besar", "Batu Sari", "Poris Jaya",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 4, name: "Benda", villages: [
            "Belendung", "Jurumudi", "Benda", "Pajang", "Jurumudi Baru",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 5, name: "Cipondoh", villages: [
            "Cipondoh", "Cipondoh Makmur", "Cipondoh Indah", "Gondrong", "Kenanga", "Petir", "Ketapang",
            "Poris Plawad", "Poris Plawad Utara", "Poris Plawad Indah",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 6, name: "Ciledug", villages: [
            "Paninggilan", "Sudimara Barat", "Sudimara Timur", "Tajur", "Parung Serab", "Sudimara Jaya",
            "Sudimara Selatan", "Paninggilan Utara",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 7, name: "Karawaci", villages: [
            "Karawaci", "Bojong Jaya", "Karawaci Baru", "Nusa Jaya", "Cimone", "Cimone Jaya", "Pabuaran",
            "Sumur Pacing", "Bugel", "Marga Sari", "Pabuaran Tumpeng", "Nambo Jaya", "Gerendeng", "Sukajadi",
            "Pasar Baru", "Koang Jaya",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 8, name: "Periuk", villages: [
            "Periuk", "Gembor", "Gebang Raya", "Sangiang Jaya", "Periuk Jaya",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 9, name: "Cibodas", villages: [
            "Cibodas", "Cibodas Sari", "Cibodas Baru", "Panunggangan Barat", "Uwung Jaya", "Jatiuwung",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 10, name: "Neglasari", villages: [
            "Neglasari", "Karang Sari", "Selapajang Jaya", "Kedaung Wetan", "Mekar Sari", "Karang Anyar",
            "Kedaung Baru",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 11, name: "Pinang", villages: [
            "Pinang", "Sudimara Pinang", "Nerogtog", "Kunciran", "Kunciran Indah", "Kunciran Jaya", "Cipete",
            "Pakojan", "Panunggangan", "Panunggangan Utara", "Panunggangan Timur",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 12, name: "Karang Tengah", villages: [
            "Karang Tengah", "Karang Mulya", "Pondok Bahar", "Pondok Pucung", "Karang Timur", "Padurenan",
            "Parung Jaya",
        ]),
        Kecamatan(cityCode: 3671, districtCode: 13, name: "Larangan", villages: [
            "Larangan Utara", "Larangan Selatan", "Cipadu", "Kreo", "Larangan Indah", "Gaga", "Cipadu Jaya",
            "Kreo Selatan",
        ]),
    ]

    /// Population weights of the 13 kecamatan, per mille (§6: 2013 aggregate shares).
    static let tangerangWeights = WeightedChoice([90, 60, 54, 42, 112, 70, 108, 75, 91, 65, 90, 61, 82])

    /// Domiciles outside the city: Kab. Tangerang, Tangerang Selatan, Jakarta Barat, Jakarta Timur,
    /// Kota Bekasi.
    static let elsewhere: [Kecamatan] = [
        Kecamatan(cityCode: 3603, districtCode: 22, name: "Kosambi", villages: ["Dadap", "Kosambi Barat", "Salembaran Jaya"]),
        Kecamatan(cityCode: 3603, districtCode: 18, name: "Pasar Kemis", villages: ["Sukaasih", "Sukamantri", "Kuta Jaya"]),
        Kecamatan(cityCode: 3603, districtCode: 10, name: "Curug", villages: ["Binong", "Curug Kulon", "Kadu"]),
        Kecamatan(cityCode: 3674, districtCode: 6, name: "Pondok Aren", villages: ["Jurang Mangu Barat", "Pondok Kacang Timur", "Parigi"]),
        Kecamatan(cityCode: 3674, districtCode: 3, name: "Ciputat", villages: ["Cipayung", "Serua", "Sawah Baru"]),
        Kecamatan(cityCode: 3174, districtCode: 1, name: "Kalideres", villages: ["Kamal", "Tegal Alur", "Semanan"]),
        Kecamatan(cityCode: 3174, districtCode: 2, name: "Cengkareng", villages: ["Duri Kosambi", "Rawa Buaya", "Kapuk"]),
        Kecamatan(cityCode: 3172, districtCode: 8, name: "Cakung", villages: ["Pulo Gebang", "Cakung Barat"]),
        Kecamatan(cityCode: 3275, districtCode: 1, name: "Bekasi Barat", villages: ["Kranji", "Bintara"]),
    ]

    /// Shares of the out-of-city domiciles, per 10,000 households (sum 300 = 3 %).
    static let elsewhereWeights = WeightedChoice([50, 40, 30, 45, 35, 30, 20, 20, 30])

    /// Households per 10,000 living outside the city.
    static let outsideCityPer10k = 300
}
