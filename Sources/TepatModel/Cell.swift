/// Every field value, parameter and intermediate result of the evaluator is one 64-bit cell,
/// read from a column by index: no boxing, no dictionaries, no strings on the hot path.
///
/// | type | cell |
/// |---|---|
/// | integer, money | the number |
/// | boolean | 0 or 1 |
/// | date | `Day.ordinal` |
/// | month | `Month.ordinal` |
/// | enum | index of the code in the field's values |
/// | string | id in a `StringPool` (pools are seeded with the policies' constants, so constant ids agree everywhere) |
/// | digits | the numeric value (up to 18 digits) |
///
/// `Cell.null` marks a missing value.
public typealias Cell = Int64

extension Cell {
    /// The missing value. No real value of any type encodes to it.
    public static let null: Int64 = .min

    @inlinable public var isNull: Bool { self == .min }
}

/// Interned strings of one column (or one evaluation batch). Seeded with the string constants of
/// the compiled policies so that `city_code == "3671"` compiles to an integer comparison.
public struct StringPool: Sendable {
    public private(set) var strings: [String]
    private var ids: [String: Int64]

    public init(seed: [String] = []) {
        strings = []
        ids = [:]
        for string in seed { _ = intern(string) }
    }

    public mutating func intern(_ string: String) -> Int64 {
        if let id = ids[string] { return id }
        let id = Int64(strings.count)
        strings.append(string)
        ids[string] = id
        return id
    }

    /// The id of `string` if it has been interned.
    public func id(of string: String) -> Int64? { ids[string] }

    public subscript(id: Int64) -> String {
        id >= 0 && id < strings.count ? strings[Int(id)] : ""
    }

    public var count: Int { strings.count }
}
