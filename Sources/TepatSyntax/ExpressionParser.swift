import TepatModel

/// A precedence-climbing parser for the expression language (docs/policy-language.md §6).
///
/// It parses the text of one YAML scalar; `ScalarLocator` turns token offsets into file
/// positions, so every node's range points into the policy file.
public struct ExpressionParser {
    private let tokens: [Token]
    private var index = 0
    private let locator: ScalarLocator
    private let textLength: Int
    /// Where `text` starts inside the scalar (for `{…}` in reason templates).
    private let offset: Int

    public init(text: String, locator: ScalarLocator, offset: Int = 0) {
        self.tokens = Lexer(text).tokens()
        self.locator = locator
        self.textLength = text.unicodeScalars.count
        self.offset = offset
    }

    /// Parses a whole scalar as one expression.
    public static func parse(_ node: YAMLNode, source: SourceFile) -> Result<Expr, DiagnosticSet> {
        parse(text: node.scalar ?? "", locator: ScalarLocator(node: node, source: source))
    }

    public static func parse(text: String, locator: ScalarLocator, offset: Int = 0) -> Result<Expr, DiagnosticSet> {
        var parser = ExpressionParser(text: text, locator: locator, offset: offset)
        do throws(ParseError) {
            let expr = try parser.expression()
            if case .end = parser.current.kind { return .success(expr) }
            let token = parser.current
            if case .symbol(")") = token.kind {
                throw parser.error("unbalanced `)`: no `(` opens it", token, help: "remove it or add the missing `(`")
            }
            throw parser.error("unexpected \(parser.describe(token)) after a complete expression", token,
                help: "join conditions with `and` or `or`")
        } catch {
            return .failure(DiagnosticSet([error.diagnostic]))
        }
    }

    struct ParseError: Error { var diagnostic: Diagnostic }

    // MARK: Precedence

    static func precedence(of op: BinaryOperator) -> Int {
        switch op {
        case .or: 1
        case .and: 2
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in, .notIn: 4
        case .coalesce: 5
        case .add, .subtract: 6
        case .multiply, .divide: 7
        }
    }

    // MARK: Grammar

    mutating func expression() throws(ParseError) -> Expr { try binary(minimum: 1) }

    private mutating func binary(minimum: Int) throws(ParseError) -> Expr {
        var left = try unary(minimum: minimum)
        while let (op, width) = peekOperator(), ExpressionParser.precedence(of: op) >= minimum {
            let opToken = current
            index += width
            let precedence = ExpressionParser.precedence(of: op)
            let right = try binary(minimum: precedence + 1)
            if op.isComparison, let (next, _) = peekOperator(), next.isComparison {
                throw error("comparisons cannot be chained; use `between(x, lo, hi)` or join them with `and`", current)
            }
            _ = opToken
            left = Expr(.binary(op, left, right), left.range.union(right.range))
        }
        if case .invalid(let message) = current.kind { throw error(message, current) }
        return left
    }

    private mutating func unary(minimum: Int) throws(ParseError) -> Expr {
        let token = current
        if case .identifier("not") = token.kind, minimum <= 3 {
            index += 1
            let operand = try binary(minimum: 3)
            return Expr(.unary(.not, operand), range(token).union(operand.range))
        }
        if case .identifier("not") = token.kind {
            index += 1
            let operand = try binary(minimum: 4)
            return Expr(.unary(.not, operand), range(token).union(operand.range))
        }
        if case .symbol("-") = token.kind {
            index += 1
            let operand = try unary(minimum: 8)
            if case .integer(let v) = operand.kind { return Expr(.integer(-v), range(token).union(operand.range)) }
            if case .money(let v) = operand.kind { return Expr(.money(-v), range(token).union(operand.range)) }
            if case .decimal(let v) = operand.kind, let n = Rational(-v.numerator, v.denominator) {
                return Expr(.decimal(n), range(token).union(operand.range))
            }
            return Expr(.unary(.negate, operand), range(token).union(operand.range))
        }
        return try postfix()
    }

    private mutating func postfix() throws(ParseError) -> Expr {
        let token = current
        switch token.kind {
        case .integer(let v): index += 1; return Expr(.integer(v), range(token))
        case .money(let v): index += 1; return Expr(.money(v), range(token))
        case .decimal(let v): index += 1; return Expr(.decimal(v), range(token))
        case .string(let s): index += 1; return Expr(.string(s), range(token))
        case .date(let d): index += 1; return Expr(.date(d), range(token))
        case .invalid(let message): throw error(message, token)
        case .end: throw error("expected an expression here", token, help: index == 0 ? "write a condition such as `household.desil <= 4`" : nil)
        case .symbol("("):
            index += 1
            let inner = try expression()
            guard case .symbol(")") = current.kind else {
                throw error("unbalanced `(`: expected `)` before \(describe(current))", token, help: "add the missing `)`")
            }
            let close = current
            index += 1
            var result = inner
            result.range = range(token).union(range(close))
            return result
        case .symbol("["):
            index += 1
            var items: [Expr] = []
            if case .symbol("]") = current.kind {
                let close = current
                index += 1
                return Expr(.list([]), range(token).union(range(close)))
            }
            while true {
                items.append(try binary(minimum: 5))
                if case .symbol(",") = current.kind { index += 1; continue }
                guard case .symbol("]") = current.kind else {
                    throw error("expected `,` or `]` in the list, found \(describe(current))", current)
                }
                let close = current
                index += 1
                return Expr(.list(items), range(token).union(range(close)))
            }
        case .identifier(let name):
            switch name {
            case "true": index += 1; return Expr(.boolean(true), range(token))
            case "false": index += 1; return Expr(.boolean(false), range(token))
            case "null": index += 1; return Expr(.null, range(token))
            case "and", "or", "in", "where":
                throw error("expected an expression, found the keyword `\(name)`", token)
            default: break
            }
            index += 1
            if case .symbol("(") = current.kind {
                return try call(NamePart(name, range(token)), open: current)
            }
            var parts = [NamePart(name, range(token))]
            while case .symbol(".") = current.kind {
                index += 1
                guard case .identifier(let next) = current.kind else {
                    throw error("expected a field name after `.`", current)
                }
                parts.append(NamePart(next, range(current)))
                index += 1
            }
            return Expr(.name(parts), parts[0].range.union(parts[parts.count - 1].range))
        case .symbol(let s):
            throw error("unexpected `\(s)`", token, help: s == ")" ? "unbalanced `)`: no `(` opens it" : nil)
        }
    }

    private mutating func call(_ function: NamePart, open: Token) throws(ParseError) -> Expr {
        index += 1  // (
        if let kind = AggregateKind(rawValue: function.name) {
            let collection = try binary(minimum: 9)
            var condition: Expr?
            if case .identifier("where") = current.kind {
                index += 1
                condition = try expression()
            }
            guard case .symbol(")") = current.kind else {
                throw error("expected `where` or `)` in `\(function.name)(…)`, found \(describe(current))", current)
            }
            let close = current
            index += 1
            return Expr(.aggregate(kind, collection: collection, condition: condition), function.range.union(range(close)))
        }
        var arguments: [Expr] = []
        if case .symbol(")") = current.kind {
            let close = current
            index += 1
            return Expr(.call(function, []), function.range.union(range(close)))
        }
        while true {
            arguments.append(try expression())
            if case .symbol(",") = current.kind { index += 1; continue }
            guard case .symbol(")") = current.kind else {
                if case .end = current.kind {
                    throw error("unbalanced `(`: `\(function.name)(` is never closed", open, help: "add the missing `)`")
                }
                throw error("expected `,` or `)` in the arguments of `\(function.name)`, found \(describe(current))", current)
            }
            let close = current
            index += 1
            return Expr(.call(function, arguments), function.range.union(range(close)))
        }
    }

    // MARK: Tokens

    private var current: Token { tokens[min(index, tokens.count - 1)] }

    /// The binary operator at the current token and how many tokens it spans (`not in` spans two).
    private func peekOperator() -> (BinaryOperator, Int)? {
        switch current.kind {
        case .symbol(let s): return BinaryOperator(rawValue: s).map { ($0, 1) }
        case .identifier("and"): return (.and, 1)
        case .identifier("or"): return (.or, 1)
        case .identifier("in"): return (.in, 1)
        case .identifier("not"):
            if index + 1 < tokens.count, case .identifier("in") = tokens[index + 1].kind { return (.notIn, 2) }
            return nil
        default: return nil
        }
    }

    private func range(_ token: Token) -> SourceRange {
        if case .end = token.kind { return locator.range(offset + textLength, offset + textLength + 1) }
        return locator.range(offset + token.start, offset + token.end)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: "the end of the expression"
        case .identifier(let n): "`\(n)`"
        case .symbol(let s): "`\(s)`"
        case .integer(let v): "`\(v)`"
        case .money(let v): "`\(Rupiah.format(v))`"
        case .decimal(let v): "`\(v.decimalText)`"
        case .string(let s): "`\"\(s)\"`"
        case .date(let d): "`\(d.iso)`"
        case .invalid: "an invalid token"
        }
    }

    private func error(_ message: String, _ token: Token, help: String? = nil) -> ParseError {
        ParseError(diagnostic: .error("syntax.expression", message, at: range(token), help: help))
    }
}
