import TepatModel

/// What an expression can see while it is checked: the record names resolve against, and the
/// values known to be present here (from `present()` guards, comparisons and earlier rules).
struct Scope {
    /// The entity whose fields bare names refer to: the subject, or the record of an aggregate.
    var root: Int
    /// Paths (`household.desil`, `deceased`) known not to be null at this point.
    var facts: Set<String>
    var inAggregate = false
    /// Allocation reason texts may use `rank`, `quota`, `budget`, `used`.
    var allocationValues = false

    func adding(_ more: Set<String>) -> Scope {
        var copy = self
        copy.facts.formUnion(more)
        return copy
    }
}

/// Null-safety facts: which paths an expression's outcome proves present.
///
/// Three-valued logic: a comparison with a missing value is *unknown*, neither true nor false.
/// So a comparison that came out true — or false — proves its operands were present.
enum Facts {
    static func when(_ e: TypedExpr, is value: Bool) -> Set<String> {
        switch e.kind {
        case .isPresent(let x): return value ? strictPaths(x) : []
        case .linkPresent(let path): return value ? prefixes(path) : []
        case .compare(_, let a, let b), .membership(let a, let b, _): return strictPaths(a).union(strictPaths(b))
        case .and(let a, let b):
            return value ? when(a, is: true).union(when(b, is: true)) : when(a, is: false).intersection(when(b, is: false))
        case .or(let a, let b):
            return value ? when(a, is: true).intersection(when(b, is: true)) : when(a, is: false).union(when(b, is: false))
        case .not(let a): return when(a, is: !value)
        case .field: return strictPaths(e)
        default: return []
        }
    }

    /// Paths whose absence would make `e` null (not those under `??` or `present`).
    static func strictPaths(_ e: TypedExpr) -> Set<String> {
        switch e.kind {
        case .field(let path):
            var set = prefixes(path.links)
            set.insert(path.text)
            return set
        case .negate(let x), .not(let x): return strictPaths(x)
        case .arithmetic(_, let a, let b), .compare(_, let a, let b): return strictPaths(a).union(strictPaths(b))
        case .call(_, let args): return args.reduce(into: Set<String>()) { $0.formUnion(strictPaths($1)) }
        default: return []
        }
    }

    /// `deceased.household` → {`deceased`, `deceased.household`}.
    static func prefixes(_ path: LinkPath) -> Set<String> {
        let parts = path.text.split(separator: ".")
        var set = Set<String>()
        for i in parts.indices { set.insert(parts[...i].joined(separator: ".")) }
        return set
    }
}
