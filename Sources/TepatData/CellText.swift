import TepatModel

/// Cells back to the text a valid input would have held: `3671…` zero-padded to its width,
/// `2025-03-01`, `true`, the enum code. Used for records the linker invalidates after parsing
/// (their raw bytes are gone by then) and for looking keys up by their text.
public enum CellText {
    /// The canonical text of `cell` as a value of `type` (empty for null).
    public static func text(_ cell: Cell, type: FieldType, strings: StringPool) -> String {
        if cell.isNull { return "" }
        switch type {
        case .string:
            return strings[cell]
        case .digits(let width):
            let digits = String(cell.magnitude)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        case .integer, .money:
            return String(cell)
        case .boolean:
            return cell != 0 ? "true" : "false"
        case .date:
            return Day(ordinal: Int(cell)).iso
        case .month:
            return Month(ordinal: Int(cell)).iso
        case .enumeration(let values):
            return cell >= 0 && cell < values.count ? values[Int(cell)] : String(cell)
        }
    }

    /// The cell `text` stands for as a value of `type`, validated as when reading; nil when it is
    /// empty or not valid. `string` values need a pool and are not handled here.
    public static func cell(_ text: String, type: FieldType) -> Cell? {
        if case .string = type { return nil }
        var text = text
        return text.withUTF8 { buffer -> Cell? in
            guard let p = buffer.baseAddress, buffer.count > 0 else { return nil }
            return FieldDecoder(Field(name: "", type: type)).decode(p, buffer.count)
        }
    }
}
