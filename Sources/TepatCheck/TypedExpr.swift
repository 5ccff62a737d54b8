import TepatModel
import TepatSyntax

/// A checked expression: names resolved to schema fields, parameters folded to constants,
/// every node typed. This is what the compiler turns into closures, and what the reference
/// interpreter in the tests walks directly.
public struct TypedExpr: Sendable {
    public indirect enum Kind: Sendable {
        /// A constant cell of `type` (strings use `.text`).
        case constant(Cell)
        case rational(Rational)
        case text(String)
        case null
        /// A constant list; cells for non-string element types.
        case list([Cell])
        case textList([String])
        /// A field read through links from the root record.
        case field(FieldPath)
        /// Whether a link path leads to a record (`present(deceased)`).
        case linkPresent(LinkPath)
        case isPresent(TypedExpr)
        case not(TypedExpr)
        case negate(TypedExpr)
        case and(TypedExpr, TypedExpr)
        case or(TypedExpr, TypedExpr)
        /// `==`, `!=`, `<`, `<=`, `>`, `>=` on operands of one comparable type.
        case compare(CompareOperator, TypedExpr, TypedExpr)
        /// `x in list` / `x not in list`; the list is constant.
        case membership(TypedExpr, TypedExpr, negated: Bool)
        case arithmetic(ArithmeticOperator, TypedExpr, TypedExpr)
        case coalesce(TypedExpr, TypedExpr)
        case call(Builtin, [TypedExpr])
        /// Index into `CheckedPolicy.aggregates`.
        case aggregate(Int)
        /// `rank`, `quota`, `budget`, `used` in allocation reason texts.
        case allocationValue(AllocationValue)
    }

    public var kind: Kind
    public var type: ValueType
    public var nullable: Bool
    public var range: SourceRange
    /// The source text, for explanations ("household.desil <= 4").
    public var text: String

    public init(_ kind: Kind, _ type: ValueType, nullable: Bool, range: SourceRange, text: String) {
        self.kind = kind
        self.type = type
        self.nullable = nullable
        self.range = range
        self.text = text
    }

    public var isConstant: Bool {
        switch kind {
        case .constant, .rational, .text, .null, .list, .textList: true
        default: false
        }
    }
}

public enum CompareOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="

    public func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessEqual: a <= b
        case .greater: a > b
        case .greaterEqual: a >= b
        }
    }

    /// `a op b` ⇔ `b op.flipped a`.
    public var flipped: CompareOperator {
        switch self {
        case .less: .greater
        case .lessEqual: .greaterEqual
        case .greater: .less
        case .greaterEqual: .lessEqual
        default: self
        }
    }

    public var negated: CompareOperator {
        switch self {
        case .equal: .notEqual
        case .notEqual: .equal
        case .less: .greaterEqual
        case .lessEqual: .greater
        case .greater: .lessEqual
        case .greaterEqual: .less
        }
    }
}

public enum ArithmeticOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

public enum Builtin: String, Sendable, Hashable, CaseIterable {
    /// `age_on(birth, d)`: completed years.
    case ageOn = "age_on"
    /// `working_days_between(a, b, cal)`: the calendar is the third argument as a constant index.
    case workingDaysBetween = "working_days_between"
    case daysBetween = "days_between"
    case round, floor, ceil
    case min, max
    case year, month
}

public enum AllocationValue: String, Sendable, Hashable {
    case rank, quota, budget, used
}

/// A chain of links from the root record: `deceased.household` is two steps.
public struct LinkPath: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        /// The entity the step starts from, and the index of the link in it.
        public var entity: Int
        public var link: Int
        public var required: Bool

        public init(entity: Int, link: Int, required: Bool) {
            self.entity = entity
            self.link = link
            self.required = required
        }
    }

    public var root: Int
    public var steps: [Step]
    /// The entity the path arrives at.
    public var entity: Int
    /// `deceased.household`: for messages and null-safety facts.
    public var text: String

    public init(root: Int, steps: [Step], entity: Int, text: String) {
        self.root = root
        self.steps = steps
        self.entity = entity
        self.text = text
    }
}

/// A field of the record a link path arrives at.
extension TypedExpr {
    /// The stored fields this expression reads, in order, without repeats (what a rule's trace
    /// shows and what its counterfactual may change).
    public var fieldsRead: [FieldPath] {
        var out: [FieldPath] = []
        func walk(_ e: TypedExpr) {
            switch e.kind {
            case .field(let path): if !out.contains(path) { out.append(path) }
            case .isPresent(let x), .not(let x), .negate(let x): walk(x)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b),
                .coalesce(let a, let b), .membership(let a, let b, _):
                walk(a)
                walk(b)
            case .call(_, let args): args.forEach(walk)
            default: break
            }
        }
        walk(self)
        return out
    }
}

public struct FieldPath: Sendable, Hashable {
    public var links: LinkPath
    public var field: Int
    /// `deceased.household.city_code`.
    public var text: String

    public init(links: LinkPath, field: Int, text: String) {
        self.links = links
        self.field = field
        self.text = text
    }

    public var entity: Int { links.entity }
}
