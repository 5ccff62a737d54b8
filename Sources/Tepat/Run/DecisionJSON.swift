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
        if let evaluation { fields.append(trace(evaluation, policy: policy)) }
        return "{" + fields.joined(separator: ",") + "}\n"
    }

    /// `"failing":[…],"not_assessed":[…],"rules":{…}`: the rule trace of one evaluation (also kept
    /// for subjects that wait for allocation, so their lines carry it too).
    static func trace(_ evaluation: Evaluation, policy: CompiledPolicy) -> String {
        let rules = policy.checked.rules
        return "\"failing\":[" + evaluation.failing.indices.filter { $0 < rules.count }.map { quote(rules[$0].id) }.joined(separator: ",") + "],"
            + "\"not_assessed\":[" + evaluation.unknown.indices.filter { $0 < rules.count }.map { quote(rules[$0].id) }.joined(separator: ",") + "],"
            + "\"rules\":{" + rules.indices.map { quote(rules[$0].id) + ":" + quote(outcomeName(evaluation.outcome(of: $0))) }.joined(separator: ",") + "}"
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
