import Foundation

/// Splits a script into statements at `;`, outside quotes, backticks and comments, so a migration
/// file can hold several statements while each is sent on its own (no multi-statement mode).
enum SQLScript {
    static func statements(in script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var lineComment = false
        var blockComment = false
        var previous: Character = "\n"
        var iterator = Array(script).makeIterator()
        var pending: Character? = nil

        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }

        while let ch = next() {
            defer { previous = ch }
            if lineComment {
                if ch == "\n" { lineComment = false; current.append(ch) }
                continue
            }
            if blockComment {
                if previous == "*" && ch == "/" { blockComment = false }
                continue
            }
            if let q = quote {
                current.append(ch)
                if ch == "\\" && q != "`", let escaped = next() { current.append(escaped); continue }
                if ch == q { quote = nil }
                continue
            }
            switch ch {
            case "'", "\"", "`":
                quote = ch
                current.append(ch)
            case "#":
                lineComment = true
            case "-":
                let following = next()
                if following == "-" {
                    lineComment = true
                } else {
                    current.append(ch)
                    pending = following
                }
            case "/":
                let following = next()
                if following == "*" {
                    blockComment = true
                    previous = " "
                    continue
                }
                current.append(ch)
                pending = following
            case ";":
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            default:
                current.append(ch)
            }
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }
}
