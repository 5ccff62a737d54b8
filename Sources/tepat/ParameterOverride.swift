import ArgumentParser
import Tepat

/// `--set NAME=VALUE`, shared by the commands that evaluate policies.
enum ParameterOverride {
    static func parse(_ values: [String]) throws -> [(name: String, value: String)] {
        try values.map { text in
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("--set needs NAME=VALUE, e.g. --set desil_maks=5 (got `\(text)`)")
            }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }
    }
}
