import TepatModel

/// Folds operations whose operands are all constants: parameters and literals cost nothing per
/// subject, and an amount that overflows is reported at check time with its source range.
extension PolicyChecker {
    func fold(_ e: TypedExpr) -> TypedExpr? {
        switch e.kind {
        case .not(let x):
            guard case .constant(let c) = x.kind else { return e }
            return constant(e, c == 0 ? 1 : 0)
        case .negate(let x):
            if case .constant(let c) = x.kind {
                guard c != .min else { return overflow(e) }
                return constant(e, -c)
            }
            if case .rational(let r) = x.kind, let n = Rational(0).subtracting(r) { return rational(e, n) }
            return e
        case .and(let a, let b):
            if case .constant(0) = a.kind { return constant(e, 0) }
            if case .constant(0) = b.kind { return constant(e, 0) }
            if case .constant = a.kind, case .constant = b.kind { return constant(e, 1) }
            return e
        case .or(let a, let b):
            if case .constant(let x) = a.kind, x != 0 { return constant(e, 1) }
            if case .constant(let y) = b.kind, y != 0 { return constant(e, 1) }
            if case .constant = a.kind, case .constant = b.kind { return constant(e, 0) }
            return e
        case .compare(let op, let a, let b):
            if let r = compareConstants(op, a, b) { return constant(e, r ? 1 : 0) }
            return e
        case .membership(let x, let list, let negated):
            guard x.isConstant else { return e }
            switch (x.kind, list.kind) {
            case (.constant(let c), .list(let cells)): return constant(e, cells.contains(c) != negated ? 1 : 0)
            case (.text(let s), .textList(let items)): return constant(e, items.contains(s) != negated ? 1 : 0)
            default: return e
            }
        case .arithmetic(let op, let a, let b):
            guard a.isConstant, b.isConstant else { return e }
            if e.type == .decimal {
                guard let x = rationalValue(a), let y = rationalValue(b) else { return e }
                if op == .divide, y.numerator == 0 {
                    report(.error("check.division", "division by zero", at: e.range))
                    return nil
                }
                let r: Rational? =
                    switch op {
                    case .add: x.adding(y)
                    case .subtract: x.subtracting(y)
                    case .multiply: x.multiplied(by: y)
                    case .divide: x.divided(by: y)
                    }
                guard let r else { return overflow(e) }
                return rational(e, r)
            }
            guard case .constant(let x) = a.kind, case .constant(let y) = b.kind else { return e }
            let (v, o): (Int64, Bool) =
                switch op {
                case .add: x.addingReportingOverflow(y)
                case .subtract: x.subtractingReportingOverflow(y)
                case .multiply: x.multipliedReportingOverflow(by: y)
                case .divide: (0, true)
                }
            // Int64.min is the null cell; a date must stay a calendar date.
            let valid = e.type == .date ? Self.calendarDays : (Int64.min + 1)...Int64.max
            return o || !valid.contains(v) ? overflow(e) : constant(e, v)
        case .call(let builtin, let args):
            guard args.allSatisfy(\.isConstant) else { return e }
            switch builtin {
            case .round, .floor, .ceil:
                guard let x = rationalValue(args[0]) else { return e }
                var step: Int64 = 1
                if args.count == 2, case .constant(let s) = args[1].kind { step = s }
                let mode: Rational.Rounding = builtin == .round ? .halfAwayFromZero : builtin == .floor ? .down : .up
                guard let v = x.rounded(mode, step: step), v != .min else { return overflow(e) }
                return constant(e, v)
            case .min, .max:
                if case .constant(let a) = args[0].kind, case .constant(let b) = args[1].kind {
                    return constant(e, builtin == .min ? Swift.min(a, b) : Swift.max(a, b))
                }
                return e
            case .year, .month:
                guard case .constant(let d) = args[0].kind else { return e }
                let c = Day(ordinal: Int(d)).civil
                return constant(e, Int64(builtin == .year ? c.year : c.month))
            case .daysBetween:
                guard case .constant(let a) = args[0].kind, case .constant(let b) = args[1].kind else { return e }
                return constant(e, b - a)
            case .ageOn:
                guard case .constant(let a) = args[0].kind, case .constant(let b) = args[1].kind else { return e }
                return constant(e, Int64(Day(ordinal: Int(a)).completedYears(on: Day(ordinal: Int(b)))))
            case .workingDaysBetween:
                guard case .constant(let a) = args[0].kind, case .constant(let b) = args[1].kind, case .constant(let c) = args[2].kind,
                    Int(c) < calendars.count
                else { return e }
                return constant(e, Int64(calendars[Int(c)].workingDays(from: Day(ordinal: Int(a)), to: Day(ordinal: Int(b)))))
            }
        default:
            return e
        }
    }

    /// The ordinals of 0001-01-01 … 9999-12-31: the dates there are.
    static let calendarDays = Int64(Day(year: 1, month: 1, day: 1)!.ordinal)...Int64(Day(year: 9999, month: 12, day: 31)!.ordinal)

    private func constant(_ e: TypedExpr, _ c: Cell) -> TypedExpr {
        TypedExpr(.constant(c), e.type, nullable: false, range: e.range, text: e.text)
    }

    private func rational(_ e: TypedExpr, _ r: Rational) -> TypedExpr {
        TypedExpr(.rational(r), .decimal, nullable: false, range: e.range, text: e.text)
    }

    private func overflow(_ e: TypedExpr) -> TypedExpr? {
        report(.error("check.overflow", "`\(e.text)` overflows: the result is beyond ±9.223.372.036.854.775.807", at: e.range, help: "check the amounts and multipliers"))
        return nil
    }

    func rationalValue(_ e: TypedExpr) -> Rational? {
        switch e.kind {
        case .rational(let r): r
        case .constant(let c): Rational(c)
        default: nil
        }
    }

    private func compareConstants(_ op: CompareOperator, _ a: TypedExpr, _ b: TypedExpr) -> Bool? {
        switch (a.kind, b.kind) {
        case (.constant(let x), .constant(let y)) where a.type != .decimal && b.type != .decimal: return op.holds(x, y)
        case (.text(let x), .text(let y)): return op.holds(x, y)
        default:
            if a.type == .decimal || b.type == .decimal, let x = rationalValue(a), let y = rationalValue(b) {
                return op == .equal ? x == y : op == .notEqual ? x != y : op.holds(RationalKey(x), RationalKey(y))
            }
            return nil
        }
    }
}

/// `Rational` ordered, for `CompareOperator.holds`.
struct RationalKey: Comparable {
    var value: Rational
    init(_ value: Rational) { self.value = value }
    static func < (lhs: RationalKey, rhs: RationalKey) -> Bool { lhs.value < rhs.value }
}
