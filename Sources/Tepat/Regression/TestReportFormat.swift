import Foundation
import TepatModel

/// How `tepat test` prints: each failure as expected vs actual at the case's `file:line`, and
/// JUnit XML for CI systems.
public enum TestReportFormat {
    /// One failed case:
    /// ```
    /// FAIL fixtures/tests/x.yaml:42  desil 5 ditolak oleh aturan desil
    ///   member WARGA 1 (person_id 3671…) · jkk-jkm-pekerja-rentan · fixtures/tests/x.yaml:45
    ///     decision  expected rejected
    ///               actual   accepted
    /// ```
    public static func failure(_ result: CaseResult) -> String {
        var out = "FAIL \(result.location)  \(result.name)\n"
        for error in result.errors {
            var lines = error.split(separator: "\n", omittingEmptySubsequences: false)
            while let last = lines.last, last.allSatisfy({ $0 == " " }) { lines.removeLast() }
            out += lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        for failure in result.failures {
            out += "  \(failure.subject)" + (failure.program.isEmpty ? "" : " · \(failure.program)") + " · \(failure.range.path):\(failure.range.start.line)\n"
            let width = max(8, failure.mismatches.map(\.field.count).max() ?? 0)
            for m in failure.mismatches {
                out += "    " + m.field.padding(toLength: width, withPad: " ", startingAt: 0) + "  expected " + m.expected + "\n"
                out += "    " + String(repeating: " ", count: width) + "  actual   " + m.actual + "\n"
            }
            if !failure.actualReason.isEmpty, !failure.mismatches.contains(where: { $0.field == "reason" }) {
                out += "    " + "reason".padding(toLength: width, withPad: " ", startingAt: 0) + "  actual   " + failure.actualReason + "\n"
            }
        }
        if let folder = result.folder { out += "  files: \(folder)\n" }
        return out
    }

    public static func passLine(_ result: CaseResult) -> String {
        "ok   \(result.location)  \(result.name)\n"
    }

    /// JUnit XML: one `testsuite` per suite file, one `testcase` per case; a mismatch is a
    /// `failure`, a case that could not run an `error`.
    public static func junit(_ report: TestReport) -> String {
        var suites: [(path: String, title: String, results: [CaseResult])] = []
        for result in report.results {
            if let i = suites.firstIndex(where: { $0.path == result.suitePath }) {
                suites[i].results.append(result)
            } else {
                suites.append((result.suitePath, result.suite, [result]))
            }
        }
        let total = report.results.reduce(0.0) { $0 + $1.seconds }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"tepat test\" tests=\"\(report.results.count)\" failures=\"\(report.results.filter { !$0.failures.isEmpty && $0.errors.isEmpty }.count)\" errors=\"\(report.results.filter { !$0.errors.isEmpty }.count)\" time=\"\(seconds(total))\">\n"
        for suite in suites {
            let failures = suite.results.filter { !$0.failures.isEmpty && $0.errors.isEmpty }.count
            let errors = suite.results.filter { !$0.errors.isEmpty }.count
            let time = suite.results.reduce(0.0) { $0 + $1.seconds }
            out += "  <testsuite name=\"\(xml(suite.title))\" file=\"\(xml(suite.path))\" tests=\"\(suite.results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(seconds(time))\">\n"
            for result in suite.results {
                out += "    <testcase classname=\"\(xml(suite.title))\" name=\"\(xml(result.name))\" file=\"\(xml(result.range.path))\" line=\"\(result.range.start.line)\" time=\"\(seconds(result.seconds))\""
                if result.passed {
                    out += "/>\n"
                    continue
                }
                out += ">\n"
                let text = failure(result)
                if !result.errors.isEmpty {
                    out += "      <error message=\"\(xml(firstLine(result.errors.first ?? "")))\">\(xml(text))</error>\n"
                } else {
                    let count = result.failures.reduce(0) { $0 + $1.mismatches.count }
                    out += "      <failure message=\"\(count) difference\(count == 1 ? "" : "s") at \(xml(result.location))\" type=\"mismatch\">\(xml(text))</failure>\n"
                }
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func firstLine(_ s: String) -> String { String(s.split(separator: "\n").first ?? "") }

    static func seconds(_ s: Double) -> String { String(format: "%.3f", s) }

    /// Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold.
    static func xml(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = scalar.value
                if v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v != 0xFFFE && v != 0xFFFF) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
