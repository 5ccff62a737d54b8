import Testing

@testable import TepatCheck
@testable import TepatEval
import TepatModel

/// Bytes written straight into decision lines must be the text the `String` paths give.
///
/// A reason written as a CSV field must be the bytes of the text `render` gives, quoted as
/// `append(csvField:)` quotes it: whatever the literal text holds and whatever the values write
/// (commas, quotes, line breaks from data; English thousands commas).
@Suite struct ByteWritingTests {
    static let city = X.field(World.member, ["household"], "city_code")
    static let desil = X.field(World.member, ["household"], "desil")
    static let occupation = X.field(World.member, [], "occupation")
    static let wage = X.field(World.member, [], "wage")

    /// Templates: (Indonesian, English) segments.
    static let templates: [[CheckedTemplate.Segment]] = [
        [.text("Desil "), .value(desil), .text(" melebihi batas")],  // nothing to quote
        [.text("Usia, di luar batas "), .value(X.int(1_234_567))],  // a comma in the literal
        [.text("Kota \""), .value(city), .text("\"")],  // quotes in the literal
        [.text("Kota "), .value(city)],  // only the data may need quotes
        [.text("Kota, "), .value(city), .text(".")],  // quoted for the literal; the data may add quotes to double
        [.text("Upah "), .value(wage), .text(" untuk "), .value(occupation)],  // money, enumeration
        [.value(city)],
        [],
    ]

    static let cities = ["3671", "Tangerang, Banten", "Kota \"Lama\"", "baris\nbaru", "", "a\r", "\"", ","]

    @Test(arguments: templates.indices, [Language.id, .en])
    func fieldIsTheQuotedRenderedText(template: Int, language: Language) {
        var records = RecordSet()
        for (i, city) in Self.cities.enumerated() {
            let h = records.household(city: city, desil: i % 3 == 0 ? nil : Int64(i))
            records.member(household: h, birth: World.ordinal("1990-01-01"), occupation: Int64(i), wage: Int64(i) * 1_234_567)
        }
        let segments = Self.templates[template]
        let checked = CheckedTemplate(texts: [.id: segments, .en: segments], range: X.range)
        let compiled = CompiledTemplate(checked, compiler: CompiledRunner().compiler)
        let input = EvalInput(tables: records.tables)
        for row in Self.cities.indices {
            var expected: [UInt8] = []
            expected.append(csvField: Array(compiled.render(input, row, language).utf8)[...])
            var field: [UInt8] = Array("lead,".utf8)
            compiled.renderCSVField(into: &field, input, row, language)
            #expect(String(decoding: field, as: UTF8.self) == "lead," + String(decoding: expected, as: UTF8.self), "row \(row)")
        }
    }

    @Test(arguments: [Int64(0), 7, 999, 1_000, 12_345, 999_999, 1_000_000, -1_234_567, Int64.max, Int64.min + 1])
    func groupedDigits(_ value: Int64) {
        var out: [UInt8] = []
        out.append(grouped: value, separator: 46)
        var digits = String(value.magnitude)
        var grouped = ""
        while digits.count > 3 {
            grouped = "." + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        #expect(String(decoding: out, as: UTF8.self) == (value < 0 ? "-" : "") + digits + grouped)
    }

    @Test(arguments: [
        UInt64(0), 7, 10, 99, 100, 101, 12_345, 99_999_999, 100_000_000, 100_000_001, 3_671_080_207_880_001, 9_999_999_999_999_999,
        10_000_000_000_000_000, 1_000_000_000_000_000_007, UInt64.max,
    ], [0, 1, 16, 24])
    func unsignedDigits(_ value: UInt64, width: Int) {
        var out: [UInt8] = Array("x".utf8)
        out.append(unsigned: value, width: width)
        let digits = String(value)
        #expect(String(decoding: out, as: UTF8.self) == "x" + String(repeating: "0", count: max(0, width - digits.count)) + digits)
    }

    static let values: [DisplayValue] = [
        .null, .integer(0), .integer(-42), .integer(Int64.max), .count(0), .count(5_952), .count(-1_234_567), .count(Int64.min + 1),
        .money(0), .money(168_000), .money(-2_500_000), .money(Int64.max), .boolean(true), .boolean(false),
        .date(World.day("2025-03-01")), .date(World.day("1960-02-29")), .month(Month(iso: "2025-02")!), .text("Kota, \"Lama\""),
        .decimal(Rational(decimal: "-12.5")!), .decimal(Rational(decimal: "0.125")!), .list([.text("ojek"), .count(1_000), .null]), .list([]),
    ]

    /// Values written as bytes read as their text: reasons go to CSV as bytes and to
    /// explanations as `String`s made from the same bytes.
    @Test(arguments: values, [Language.id, .en])
    func writtenValueIsItsText(_ value: DisplayValue, language: Language) {
        var out: [UInt8] = []
        value.write(into: &out, language)
        #expect(String(decoding: out, as: UTF8.self) == value.text(language))
    }
}
