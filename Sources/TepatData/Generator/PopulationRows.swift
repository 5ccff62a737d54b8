import TepatModel

/// The three row encoders. Each writes one row of the contract's columns straight into the sink's
/// byte buffer, applying at most one dirty-mode fault to it.
extension CSVSink {
    static let householdsHeader: StaticString = "household_id,city_code,kecamatan,kelurahan,desil,dtks_period"
    static let membersHeader: StaticString =
        "person_id,household_id,name,relationship,sex,birth_date,occupation,employment_status,bpjs_tk_active,death_date,disability,cause_of_death"
    static let applicationsHeader: StaticString =
        "application_id,deceased_person_id,applicant_nik,applicant_relationship,submitted_on,documents_complete"

    mutating func household(_ household: GeneratedHousehold, period: Month, faults: inout FaultInjector?) throws(GeneratorError) {
        let fault = faults?.householdFault()
        let start = count
        let location = household.location
        digits(household.familyCard, width: 16)
        comma()
        integer(location.cityCode)
        comma()
        append(location.name)
        comma()
        let village = location.villages[household.village]
        if fault == .strayQuote, let form = faults?.strayQuoteForm(.households) {
            strayQuote(Array(UnsafeBufferPointer(start: village.utf8Start, count: village.utf8CodeUnitCount)), form: form)
        } else {
            append(village)
        }
        comma()
        switch fault {
        case .desilEleven: append("11")
        case .desilNotNumber: append("x")
        default: if household.desil > 0 { integer(household.desil) }
        }
        comma()
        digits(UInt64(period.year), width: 4)
        byte(UInt8(ascii: "-"))
        digits(UInt64(fault == .impossiblePeriod ? 13 : period.month), width: 2)
        if fault == .shortRow, let keep = faults?.shortRowFields(.households, of: 6) {
            truncateRow(from: start, keepingFields: keep)
        }
        if fault == .duplicateRow { try repeatRow(from: start) }
        try endRow()
    }

    mutating func member(_ member: GeneratedMember, of household: GeneratedHousehold, faults: inout FaultInjector?)
        throws(GeneratorError)
    {
        let fault = faults?.memberFault(for: member)
        let start = count
        digits(fault == .duplicateNIK ? faults?.earlierNIK() ?? member.nik : member.nik, width: 16)
        comma()
        digits(fault == .missingHousehold ? faults?.missingFamilyCard() ?? household.familyCard : household.familyCard, width: 16)
        comma()
        if fault == .strayQuote, let form = faults?.strayQuoteForm(.members) {
            strayQuote(CSVSink.plainName(member.name), form: form)
        } else {
            name(member.name)
        }
        comma()
        append(member.role.code)
        comma()
        byte(member.male ? UInt8(ascii: "L") : UInt8(ascii: "P"))
        comma()
        if fault == .impossibleBirthDate, let bad = faults?.impossibleDate(near: member.birth, .members) {
            date(year: bad.year, month: bad.month, day: bad.day)
        } else {
            date(member.birth)
        }
        comma()
        if fault == .unknownOccupation, let code = faults?.unknownOccupation() {
            append(code)
        } else {
            append(member.occupation.code)
        }
        comma()
        append(member.occupation.employment.code)
        comma()
        append(member.bpjsActive)
        comma()
        if let death = member.death {
            if fault == .impossibleDeathDate, let bad = faults?.impossibleDate(near: death, .members) {
                date(year: bad.year, month: bad.month, day: bad.day)
            } else {
                date(death)
            }
        }
        comma()
        append(member.disabled)
        comma()
        if let cause = member.cause { append(cause.code) }
        if fault == .shortRow, let keep = faults?.shortRowFields(.members, of: 12) {
            truncateRow(from: start, keepingFields: keep)
        }
        try endRow()
    }

    mutating func application(
        _ application: PendingApplication, year: Int, number: Int, faults: inout FaultInjector?
    ) throws(GeneratorError) {
        let fault = faults?.applicationFault()
        let start = count
        if fault == .strayQuote, let form = faults?.strayQuoteForm(.applications) {
            var id = Array("SKM-".utf8)
            CSVSink.appendDigits(&id, UInt64(year), width: 4)
            id.append(UInt8(ascii: "-"))
            CSVSink.appendDigits(&id, UInt64(number), width: 6)
            strayQuote(id, form: form)
        } else {
            append("SKM-")
            digits(UInt64(year), width: 4)
            byte(UInt8(ascii: "-"))
            digits(UInt64(number), width: 6)
        }
        comma()
        digits(application.deceased, width: 16)
        comma()
        digits(application.applicant, width: 16)
        comma()
        if fault == .unknownRelationship, let code = faults?.unknownRelationship() {
            append(code)
        } else {
            append(application.relationship.code)
        }
        comma()
        if fault == .impossibleDate, let bad = faults?.impossibleDate(near: application.submitted, .applications) {
            date(year: bad.year, month: bad.month, day: bad.day)
        } else {
            date(application.submitted)
        }
        comma()
        append(application.documentsComplete)
        if fault == .shortRow, let keep = faults?.shortRowFields(.applications, of: 6) {
            truncateRow(from: start, keepingFields: keep)
        }
        try endRow()
    }

    // MARK: names and quotes

    /// A name with RFC 4180 quoting where it needs it (a comma or quotes inside).
    mutating func name(_ name: PersonName) {
        let given = IndonesianNames.givenName(name)
        let second = IndonesianNames.secondName(name)
        switch name.style {
        case .plain:
            if name.muhammad { append("MUHAMMAD ") }
            append(given)
            if let second {
                byte(UInt8(ascii: " "))
                append(second)
            }
        case .comma:
            byte(UInt8(ascii: "\""))
            if name.muhammad { append("MUHAMMAD ") }
            append(given)
            append(", ")
            if let second { append(second) }
            byte(UInt8(ascii: "\""))
        case .nickname:
            byte(UInt8(ascii: "\""))
            if name.muhammad { append("MUHAMMAD ") }
            append(given)
            append(" \"\"")
            append(IndonesianNames.nickname(name))
            append("\"\" ")
            if let second { append(second) }
            byte(UInt8(ascii: "\""))
        }
    }

    /// The name's words separated by spaces, unquoted (the base for a stray-quote fault).
    static func plainName(_ name: PersonName) -> [UInt8] {
        var bytes: [UInt8] = []
        if name.muhammad { bytes.append(contentsOf: Array("MUHAMMAD ".utf8)) }
        let given = IndonesianNames.givenName(name)
        given.withUTF8Buffer { bytes.append(contentsOf: $0) }
        if let second = IndonesianNames.secondName(name) {
            bytes.append(UInt8(ascii: " "))
            second.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Invalid CSV quoting that stays on its line: form 0 puts a bare quote inside an unquoted field
    /// (`SITI" AMINAH`), form 1 puts text after a closing quote (`"SITI" AMINAH`).
    mutating func strayQuote(_ text: [UInt8], form: Int) {
        let split = text.firstIndex(of: UInt8(ascii: " ")) ?? max(1, text.count / 2)
        if form == 0 {
            bytes.append(contentsOf: text[..<split])
            byte(UInt8(ascii: "\""))
            bytes.append(contentsOf: text[split...])
        } else {
            byte(UInt8(ascii: "\""))
            bytes.append(contentsOf: text[..<split])
            byte(UInt8(ascii: "\""))
            bytes.append(contentsOf: text[split...])
        }
    }

    static func appendDigits(_ bytes: inout [UInt8], _ value: UInt64, width: Int) {
        var sink: [UInt8] = Array(repeating: 48, count: width)
        var rest = value
        for i in stride(from: width - 1, through: 0, by: -1) {
            sink[i] = 48 &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        bytes.append(contentsOf: sink)
    }
}
