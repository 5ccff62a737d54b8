import TepatModel

/// Reads a calendar file (docs/policy-language.md §2) into a `WorkCalendar`.
public enum CalendarLoader {
    public static func load(_ source: SourceFile) -> (WorkCalendar?, [Diagnostic]) {
        let (root, yamlDiagnostics) = YAMLLoader.load(source)
        var diagnostics = yamlDiagnostics
        guard let root,
            let map = MappingReader(root, context: "the calendar", allowed: ["calendar", "title", "source", "description", "days_off"], diagnostics: &diagnostics)
        else { return (nil, diagnostics) }
        let name = map["calendar"].flatMap { ScalarRead.string($0, "`calendar`", &diagnostics) }?.value ?? "calendar"
        var daysOff: [WorkCalendar.DayOff] = []
        var seen: [Int: SourceRange] = [:]
        if let list = map["days_off"] {
            for item in list.sequence ?? [] {
                guard let entry = MappingReader(item, context: "a day off", allowed: ["date", "name", "kind"], diagnostics: &diagnostics) else { continue }
                guard let date = entry["date"].flatMap({ ScalarRead.date($0, "`date`", &diagnostics) }) else {
                    if !entry.has("date") { entry.missing("date", &diagnostics) }
                    continue
                }
                let kind = entry["kind"].flatMap { ScalarRead.string($0, "`kind`", &diagnostics) }
                if let kind, kind.value != "libur_nasional", kind.value != "cuti_bersama" {
                    diagnostics.append(.error("calendar.kind", "unknown kind `\(kind.value)`", at: kind.range, help: "use `libur_nasional` or `cuti_bersama`"))
                }
                if let first = seen[date.value.ordinal] {
                    diagnostics.append(.warning("calendar.duplicate", "`\(date.value.iso)` is listed twice", at: date.range, notes: [.init("first listed here", at: first)]))
                }
                seen[date.value.ordinal] = date.range
                daysOff.append(.init(day: date.value, name: entry["name"]?.scalar ?? "", kind: kind?.value ?? "libur_nasional"))
            }
            if list.sequence == nil { diagnostics.append(.error("syntax.shape", "expected a list for `days_off`", at: list.range)) }
        } else {
            map.missing("days_off", &diagnostics)
        }
        return (WorkCalendar(name: name, path: source.path, daysOff: daysOff), diagnostics)
    }
}
