import TepatModel

/// A token of the expression language, with its offsets (in Unicode scalars) in the scalar text.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case integer(Int64)
        case money(Int64)
        case decimal(Rational)
        case string(String)
        case date(Day)
        case identifier(String)
        case symbol(String)  // ( ) [ ] , . == != < <= > >= + - * / ??
        case end
        case invalid(String)  // a lexical error, with its message
    }

    var kind: Kind
    var start: Int
    var end: Int
}

/// Splits expression text into tokens. Literals are recognised here: `2025-03-01` is a date only
/// when written without spaces; `Rp3.000.000` is money with dots exactly every three digits.
struct Lexer {
    let scalars: [Unicode.Scalar]

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    func tokens() -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while true {
            while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" || scalars[i] == "\n" || scalars[i] == "\r" { i += 1 }
            guard i < scalars.count else {
                tokens.append(Token(kind: .end, start: i, end: i))
                return tokens
            }
            let start = i
            let c = scalars[i]
            if isDigit(c) {
                let (kind, end) = number(from: i)
                tokens.append(Token(kind: kind, start: start, end: end))
                i = end
            } else if c == "R", i + 2 < scalars.count, scalars[i + 1] == "p", isDigit(scalars[i + 2]) {
                let (kind, end) = money(from: i + 2)
                tokens.append(Token(kind: kind, start: start, end: end))
                i = end
            } else if isIdentifierStart(c) {
                var j = i
                while j < scalars.count, isIdentifierPart(scalars[j]) { j += 1 }
                tokens.append(Token(kind: .identifier(text(i, j)), start: start, end: j))
                i = j
            } else if c == "\"" || c == "'" {
                var j = i + 1
                var value = ""
                var closed = false
                while j < scalars.count {
                    if scalars[j] == "\\", j + 1 < scalars.count {
                        value.unicodeScalars.append(scalars[j + 1])
                        j += 2
                        continue
                    }
                    if scalars[j] == c {
                        closed = true
                        j += 1
                        break
                    }
                    value.unicodeScalars.append(scalars[j])
                    j += 1
                }
                tokens.append(Token(kind: closed ? .string(value) : .invalid("unterminated string"), start: start, end: j))
                i = j
            } else {
                let two = i + 1 < scalars.count ? text(i, i + 2) : ""
                if ["==", "!=", "<=", ">=", "??"].contains(two) {
                    tokens.append(Token(kind: .symbol(two), start: start, end: i + 2))
                    i += 2
                } else if "()[],.<>+-*/".unicodeScalars.contains(c) {
                    tokens.append(Token(kind: .symbol(String(c)), start: start, end: i + 1))
                    i += 1
                } else if c == "=" {
                    tokens.append(Token(kind: .invalid("`=` is not an operator; use `==` to compare"), start: start, end: i + 1))
                    i += 1
                } else if c == "&" || c == "|" {
                    let word = c == "&" ? "and" : "or"
                    var j = i + 1
                    if j < scalars.count, scalars[j] == c { j += 1 }
                    tokens.append(Token(kind: .invalid("use `\(word)` instead of `\(text(i, j))`"), start: start, end: j))
                    i = j
                } else if c == "!" {
                    tokens.append(Token(kind: .invalid("use `not` instead of `!`"), start: start, end: i + 1))
                    i += 1
                } else {
                    tokens.append(Token(kind: .invalid("unexpected character `\(String(c))`"), start: start, end: i + 1))
                    i += 1
                }
            }
        }
    }

    /// An integer, a decimal, or a date.
    private func number(from start: Int) -> (Token.Kind, Int) {
        var j = start
        while j < scalars.count, isDigit(scalars[j]) { j += 1 }
        // Date: DDDD-DD-DD with no spaces.
        if j - start == 4, j + 5 < scalars.count + 0, j < scalars.count, scalars[j] == "-",
            j + 5 < scalars.count || j + 5 == scalars.count
        {
            var k = j + 1
            while k < scalars.count, isDigit(scalars[k]) { k += 1 }
            if k - (j + 1) == 2, k < scalars.count, scalars[k] == "-" {
                var m = k + 1
                while m < scalars.count, isDigit(scalars[m]) { m += 1 }
                if m - (k + 1) == 2, m == scalars.count || !isIdentifierPart(scalars[m]) {
                    let literal = text(start, m)
                    if let day = Day(iso: literal) { return (.date(day), m) }
                    return (.invalid("`\(literal)` is not a date that exists"), m)
                }
            }
        }
        if j < scalars.count, scalars[j] == ".", j + 1 < scalars.count, isDigit(scalars[j + 1]) {
            var k = j + 1
            while k < scalars.count, isDigit(scalars[k]) { k += 1 }
            let literal = text(start, k)
            if let value = Rational(decimal: literal) { return (.decimal(value), k) }
            return (.invalid("the number `\(literal)` is too large"), k)
        }
        if j < scalars.count, isIdentifierStart(scalars[j]) {
            var k = j
            while k < scalars.count, isIdentifierPart(scalars[k]) { k += 1 }
            return (.invalid("`\(text(start, k))` is not a number or a name"), k)
        }
        let literal = text(start, j)
        if let value = Int64(literal) { return (.integer(value), j) }
        return (.invalid("the number `\(literal)` is too large (at most 9223372036854775807)"), j)
    }

    /// `Rp` + digits with optional dots every three digits.
    private func money(from start: Int) -> (Token.Kind, Int) {
        var j = start
        var digits = ""
        var groups: [Int] = []
        var current = 0
        while j < scalars.count {
            if isDigit(scalars[j]) {
                digits.unicodeScalars.append(scalars[j])
                current += 1
                j += 1
            } else if scalars[j] == ".", j + 1 < scalars.count, isDigit(scalars[j + 1]) {
                groups.append(current)
                current = 0
                j += 1
            } else {
                break
            }
        }
        groups.append(current)
        if j < scalars.count, scalars[j] == ",", j + 1 < scalars.count, isDigit(scalars[j + 1]) {
            return (.invalid("rupiah amounts are whole numbers: write `Rp\(text(start, j))` without the decimal part"), j)
        }
        if groups.count > 1, groups.first! > 3 || groups.first! < 1 || groups.dropFirst().contains(where: { $0 != 3 }) {
            return (.invalid("`Rp\(text(start, j))` has misplaced dots: write thousands as `Rp3.000.000`"), j)
        }
        guard let value = Int64(digits) else { return (.invalid("the amount `Rp\(text(start, j))` is too large"), j) }
        return (.money(value), j)
    }

    private func text(_ a: Int, _ b: Int) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[a..<min(b, scalars.count)])
        return s
    }

    private func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    private func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
    private func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || isDigit(c) }
}
