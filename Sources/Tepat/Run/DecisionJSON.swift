import Foundation
import TepatEval
import TepatModel

/// `decisions.jsonl`: one JSON object per subject and program, with the full rule trace.
enum DecisionJSON {
    static func line(
        program: String, ids: (household: String, person: String, own: String), ownKey: Bool, decision: String, rule: String,
        reason: String, amount: Int64, evaluation: Evaluation?, policy: CompiledPolicy
    ) -> String {
        var fields: [String] = [
            "\"program\":" + quote(program), "\"household_id\":" + quote(ids.household), "\"person_id\":" + quote(ids.person),
        ]
        if ownKey { fields.append("\"application_id\":" + quote(ids.own)) }
        fields += ["\"decision\":" + quote(decision), "\"rule\":" + quote(rule), "\"reason\":" + quote(reason), "\"amount\":" + String(amount)]
        if let evaluation {
            let rules = policy.checked.rules
            fields.append("\"failing\":[" + evaluation.failing.indices.filter { $0 < rules.count }.map { quote(rules[$0].id) }.joined(separator: ",") + "]")
            fields.append("\"not_assessed\":[" + evaluation.unknown.indices.filter { $0 < rules.count }.map { quote(rules[$0].id) }.joined(separator: ",") + "]")
            fields.append("\"rules\":{" + rules.indices.map { quote(rules[$0].id) + ":" + quote(outcomeName(evaluation.outcome(of: $0))) }.joined(separator: ",") + "}")
        }
        return "{" + fields.joined(separator: ",") + "}\n"
    }

    static func outcomeName(_ outcome: RuleOutcome) -> String {
        switch outcome {
        case .pass: "pass"
        case .fail: "fail"
        case .unknown: "not_assessed"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
