import TepatCheck
import TepatModel

/// The numbers allocation texts can quote: `{rank}`, `{quota}`, `{budget}`, `{used}`.
public struct AllocationContext: Sendable, Hashable {
    public var rank: Int64
    public var quota: Int64
    public var budget: Int64
    public var used: Int64

    public init(rank: Int64 = 0, quota: Int64 = 0, budget: Int64 = 0, used: Int64 = 0) {
        self.rank = rank
        self.quota = quota
        self.budget = budget
        self.used = used
    }
}

/// A value function for a reason text: the cell read from the data, shown the way people read it.
public typealias DisplayFunction = @Sendable (EvalInput, Int, AllocationContext?) -> DisplayValue

/// A reason template compiled per language into literal text and value functions.
public struct CompiledTemplate: Sendable {
    /// What rendering reads, all of it plain values (see `Frozen`): the hot path copies no array.
    let view: TemplateView
    /// Owns the memory `view` points to.
    private let store: FrozenStore
    /// False when the text reads no data, only allocation values (`{rank}`, `{quota}`): it can
    /// then be rendered once allocation is done, with no record at hand.
    public let readsData: Bool

    init(_ template: CheckedTemplate, compiler: Compiler) {
        var readsData = false
        for segments in template.texts.values {
            for segment in segments {
                if case .value(let e) = segment, !e.readsOnlyAllocationValues { readsData = true }
            }
        }
        self.readsData = readsData
        var store = FrozenStore()
        var perLanguage: [Frozen<RenderPiece>] = []
        var literalBytes: [CSVBytes] = []
        for language in Language.allCases {
            let pieces = Self.pieces(template.texts[language] ?? template.texts[.id] ?? [], language, compiler, &store)
            var found = CSVBytes()
            let frozen = pieces.map { piece -> RenderPiece in
                switch piece {
                case .bytes(let b):
                    found.formUnion(CSVBytes(b[...]))
                    return RenderPiece(bytes: store.freeze(b), function: nil)
                case .function(let f): return RenderPiece(bytes: Frozen(), function: store.keep(f))
                }
            }
            perLanguage.append(store.freeze(frozen))
            literalBytes.append(found)
        }
        view = TemplateView(pieces: store.freeze(perLanguage), literalBytes: store.freeze(literalBytes))
        self.store = store
    }

    private enum Piece {
        case bytes([UInt8])
        case function(PieceFunction)
    }

    /// The pieces of one language's text: constants (parameters, `as_of`) are rendered here once,
    /// and enumeration fields write their pre-rendered names, so a reason costs what it reads.
    private static func pieces(_ segments: [CheckedTemplate.Segment], _ language: Language, _ compiler: Compiler, _ store: inout FrozenStore) -> [Piece] {
        var out: [Piece] = []
        func literal(_ bytes: [UInt8]) {
            if case .bytes(let previous) = out.last {
                out[out.count - 1] = .bytes(previous + bytes)
            } else {
                out.append(.bytes(bytes))
            }
        }
        for segment in segments {
            switch segment {
            case .text(let s): literal(Array(s.utf8))
            case .value(let e) where e.isConstant:
                var bytes: [UInt8] = []
                compiler.display(e)(EvalInput(tables: []), 0, nil).write(into: &bytes, language)
                literal(bytes)
            case .value(let e):
                if case .field = e.kind, case .enumeration(let d) = e.type {
                    let f = compiler.cell(e)
                    // Frozen: a name copied out of a shared array is retained by both threads.
                    let names = store.freeze(d.values.map { store.freeze(Array($0.utf8)) })
                    let empty = store.freeze(Array(DisplayValue.null.text(language).utf8))
                    let unknown = store.freeze(Array("?".utf8))
                    out.append(.function(PieceFunction { input, row, _, bytes in
                        let c = (try? f(input, row)) ?? .null
                        bytes.append(c == .null ? empty : c >= 0 && c < names.count ? names[Int(c)] : unknown)
                    }))
                } else {
                    let display = compiler.display(e)
                    out.append(.function(PieceFunction { input, row, context, bytes in
                        display(input, row, context).write(into: &bytes, language)
                    }))
                }
            }
        }
        return out
    }

    /// The text as a `String`: the bytes `render(into:)` writes, so explanations, JSON Lines and
    /// CSV cannot disagree.
    public func render(_ input: EvalInput, _ row: Int, _ language: Language, _ context: AllocationContext? = nil) -> String {
        var bytes: [UInt8] = []
        render(into: &bytes, input, row, language, context)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A piece of a compiled reason: literal bytes, or (with `function`) a value read per record.
struct RenderPiece: BitwiseCopyable {
    let bytes: Frozen<UInt8>
    let function: Unmanaged<PieceFunction>?
}

/// Writes one value of a reason (in the language it was compiled for), called through an unowned
/// reference: a closure read from shared memory is retained and released around each call.
final class PieceFunction: Sendable {
    let write: @Sendable (EvalInput, Int, AllocationContext?, inout [UInt8]) -> Void

    init(_ write: @escaping @Sendable (EvalInput, Int, AllocationContext?, inout [UInt8]) -> Void) {
        self.write = write
    }
}

/// A compiled template as plain values: per language (`Language.allCases` order; a language the
/// text lacks falls back to `id`) its pieces, and what its literal text holds that a CSV field
/// must quote.
struct TemplateView: BitwiseCopyable, Sendable {
    let pieces: Frozen<Frozen<RenderPiece>>
    let literalBytes: Frozen<CSVBytes>
}

/// Every reason text of a policy, compiled.
struct TemplateSet: Sendable {
    let reject: [CompiledTemplate?]
    let accept: [CompiledTemplate?]
    let limits: [CompiledTemplate?]
    let quota: CompiledTemplate?
    let budget: CompiledTemplate?
    /// What a decision line's reason field is written from, per rule, as plain values (see
    /// `Frozen`): the template of a rejection (its own, else its group's) and of an acceptance,
    /// and the CSV field written when there is none.
    let rejectField: Frozen<ReasonField>
    let acceptField: Frozen<ReasonField>
    private let store: FrozenStore

    init(_ policy: CheckedPolicy, compiler: Compiler) {
        reject = policy.rules.map { $0.reject.map { CompiledTemplate($0, compiler: compiler) } }
        accept = policy.rules.map { $0.accept.map { CompiledTemplate($0, compiler: compiler) } }
        limits = policy.allocation?.limits.map { $0.reject.map { CompiledTemplate($0, compiler: compiler) } } ?? []
        quota = policy.allocation?.quota?.waitlist.map { CompiledTemplate($0, compiler: compiler) }
        budget = policy.allocation?.budget?.waitlist.map { CompiledTemplate($0, compiler: compiler) }
        var store = FrozenStore()
        func csvField(_ text: String) -> Frozen<UInt8> {
            var field: [UInt8] = []
            field.append(csvField: Array(text.utf8)[...])
            return store.freeze(field)
        }
        let reject = reject, accept = accept
        let rejects = policy.rules.indices.map { rule -> ReasonField in
            var r = rule
            while r >= 0, r < reject.count {
                if let template = reject[r] { return ReasonField(template: template.view, text: Frozen()) }
                guard let parent = policy.rules[r].parent else { break }
                r = parent
            }
            return ReasonField(template: nil, text: csvField(policy.rules[rule].id))
        }
        let accepts = policy.rules.indices.map { rule -> ReasonField in
            if let template = accept[rule] { return ReasonField(template: template.view, text: Frozen()) }
            return ReasonField(template: nil, text: csvField(policy.rules[rule].title ?? policy.rules[rule].id))
        }
        rejectField = store.freeze(rejects)
        acceptField = store.freeze(accepts)
        self.store = store
    }
}

/// How a reason field of a decision line is written: from a template, or a fixed CSV field.
struct ReasonField: BitwiseCopyable {
    let template: TemplateView?
    let text: Frozen<UInt8>

    func write(_ input: EvalInput, _ row: Int, _ language: Language, into out: inout [UInt8]) {
        if let template { template.renderCSVField(into: &out, input, row, language) } else { out.append(text) }
    }
}

extension CompiledPolicy {
    /// Writes the reason for a rejection by `rule` as one CSV field of a decision line (the hot
    /// path of a run); the same text as `rejectReason`.
    public func writeRejectReasonField(_ rule: Int, _ input: EvalInput, _ row: Int, _ language: Language, into out: inout [UInt8]) {
        if rule >= 0, rule < templates.rejectField.count {
            templates.rejectField[rule].write(input, row, language, into: &out)
        } else {
            out.append(csvField: Array(ruleId(rule).utf8)[...])
        }
    }

    /// Writes the reason for an acceptance through an `any` branch as one CSV field; the same
    /// text as `acceptReason`.
    public func writeAcceptReasonField(_ rule: Int, _ input: EvalInput, _ row: Int, _ language: Language, into out: inout [UInt8]) {
        guard rule >= 0, rule < templates.acceptField.count else { return }
        templates.acceptField[rule].write(input, row, language, into: &out)
    }

    /// The compiled template of limit `limit`, quota or budget (for rendering after allocation).
    public func allocationTemplate(limit: Int? = nil, budget: Bool = false) -> CompiledTemplate? {
        if let limit { return limit < templates.limits.count ? templates.limits[limit] : nil }
        return budget ? templates.budget : templates.quota
    }

    /// The reason for a rejection by `rule` (falls back to its group's text, then its id).
    public func rejectReason(_ rule: Int, _ input: EvalInput, _ row: Int, _ language: Language) -> String {
        guard rule >= 0, rule < templates.rejectField.count, let template = templates.rejectField[rule].template else { return ruleId(rule) }
        var bytes: [UInt8] = []
        _ = template.render(into: &bytes, input, row, language, nil, scanningValues: false)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The reason for an acceptance through an `any` branch (its `accept:` text, or its title or id).
    public func acceptReason(_ rule: Int, _ input: EvalInput, _ row: Int, _ language: Language) -> String {
        guard rule >= 0, rule < templates.accept.count else { return "" }
        return templates.accept[rule]?.render(input, row, language) ?? checked.rules[rule].title ?? checked.rules[rule].id
    }

    public func limitReason(_ limit: Int, _ input: EvalInput, _ row: Int, _ language: Language, _ context: AllocationContext) -> String {
        guard limit < templates.limits.count, let t = templates.limits[limit] else { return checked.allocation?.limits[limit].id ?? "" }
        return t.render(input, row, language, context)
    }

    public func waitlistReason(budget: Bool, _ input: EvalInput, _ row: Int, _ language: Language, _ context: AllocationContext) -> String {
        let template = budget ? templates.budget : templates.quota
        if let template { return template.render(input, row, language, context) }
        return standardWaitlistReason(budget: budget, language, context)
    }

    /// The waitlist reason for a whole household (`households.csv`): the policy's text when it
    /// reads no record, else the standard one (there is no one member's record to quote).
    public func householdWaitlistReason(budget: Bool, _ language: Language, _ context: AllocationContext) -> String {
        let template = budget ? templates.budget : templates.quota
        if let template, !template.readsData { return template.render(EvalInput(tables: []), 0, language, context) }
        return standardWaitlistReason(budget: budget, language, context)
    }

    /// The text used when a policy gives no waitlist text.
    private func standardWaitlistReason(budget: Bool, _ language: Language, _ context: AllocationContext) -> String {
        let rank = DisplayValue.count(context.rank).text(language)
        if language == .en {
            return budget ? "Eligible; rank \(rank); budget \(Rupiah.format(context.budget)) used up" : "Eligible; rank \(rank); quota \(DisplayValue.count(context.quota).text(.en)) filled"
        }
        return budget ? "Memenuhi syarat; peringkat \(rank); anggaran \(Rupiah.format(context.budget)) habis" : "Memenuhi syarat; peringkat \(rank); kuota \(DisplayValue.count(context.quota).text(.id)) terpenuhi"
    }
}

extension TypedExpr {
    /// True for constants and allocation values: nothing from a record.
    var readsOnlyAllocationValues: Bool {
        if case .allocationValue = kind { return true }
        return isConstant
    }

    /// True for values known when the policy is compiled (parameters are folded to constants).
    var isConstant: Bool {
        switch kind {
        case .constant, .rational, .text, .null, .list, .textList: true
        default: false
        }
    }
}

extension Compiler {
    /// Compiles an expression into a function giving its value for people.
    public func display(_ e: TypedExpr) -> DisplayFunction {
        switch e.kind {
        case .allocationValue(let v):
            return { _, _, context in
                guard let context else { return .null }
                switch v {
                case .rank: return .count(context.rank)
                case .quota: return .count(context.quota)
                case .budget: return .money(context.budget)
                case .used: return .money(context.used)
                }
            }
        case .text(let s): return { _, _, _ in .text(s) }
        case .textList(let items): return { _, _, _ in .list(items.map { .text($0) }) }
        case .list(let cells):
            let element: ValueType = if case .list(let t) = e.type { t } else { .integer }
            let values = cells.map { Compiler.displayCell($0, element, strings: nil) }
            return { _, _, _ in .list(values) }
        default: break
        }
        if e.type == .decimal {
            let f = rational(e)
            return { input, row, _ in ((try? f(input, row)) ?? nil).map { .decimal($0) } ?? .null }
        }
        let f = cell(e)
        let type = e.type
        var entity: Int? = nil
        if case .field(let path) = e.kind { entity = path.entity }
        let stringEntity = entity
        let seed = strings
        return { input, row, _ in
            let c = (try? f(input, row)) ?? .null
            if type == .string {
                if c == .null { return .null }
                if let e = stringEntity { return .text(input.tables[e].strings[c]) }
                return .text(c >= 0 && c < seed.count ? seed[Int(c)] : "")
            }
            return Compiler.displayCell(c, type, strings: nil)
        }
    }

    static func displayCell(_ c: Cell, _ type: ValueType, strings: StringPool?) -> DisplayValue {
        if c == .null { return .null }
        switch type {
        case .integer: return .integer(c)
        case .money: return .money(c)
        case .boolean: return .boolean(c != 0)
        case .date: return .date(Day(ordinal: Int(c)))
        case .month: return .month(Month(ordinal: Int(c)))
        case .digits(let n):
            let s = String(c)
            return .text(s.count >= n ? s : String(repeating: "0", count: n - s.count) + s)
        case .enumeration(let d): return .text(c >= 0 && c < d.values.count ? d.values[Int(c)] : "?")
        case .string: return .text(strings?[c] ?? "")
        case .decimal: return .decimal(Rational(c))
        default: return .integer(c)
        }
    }
}
