import Foundation

/// Numbers as each language writes them (`1.234,5` in Portuguese, `1,234.5` in English), written
/// by hand so that pages never depend on the server's locale data.
enum NumberText {
    static func format(_ value: Double, decimals: Int, language: String) -> String {
        guard value.isFinite else { return "—" }
        let portuguese = !language.lowercased().hasPrefix("en")
        let scale = pow(10, Double(decimals))
        let rounded = (abs(value) * scale).rounded() / scale
        var whole = String(Int64(rounded.rounded(.down)))
        var grouped = ""
        while whole.count > 3 {
            grouped = (portuguese ? "." : ",") + String(whole.suffix(3)) + grouped
            whole.removeLast(3)
        }
        grouped = whole + grouped
        var text = (value < 0 && rounded > 0 ? "-" : "") + grouped
        if decimals > 0 {
            let fraction = Int64(((rounded - rounded.rounded(.down)) * scale).rounded())
            let digits = String(fraction)
            text += (portuguese ? "," : ".") + String(repeating: "0", count: max(0, decimals - digits.count)) + digits
        }
        return text
    }

    static func integer(_ value: Int, language: String) -> String { format(Double(value), decimals: 0, language: language) }

    /// `12,3 %` / `12.3%`.
    static func percent(_ fraction: Double, language: String, decimals: Int = 1) -> String {
        format(fraction * 100, decimals: decimals, language: language) + (language.lowercased().hasPrefix("en") ? "%" : " %")
    }

    static func reais(_ value: Double, language: String, decimals: Int = 0) -> String {
        (language.lowercased().hasPrefix("en") ? "R$" : "R$\u{00A0}") + format(value, decimals: decimals, language: language)
    }

    /// `4 min 05 s`.
    static func duration(seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%d h %02d min", total / 3600, total % 3600 / 60) : String(format: "%d min %02d s", total / 60, total % 60)
    }

    // MARK: Reading what people type

    /// A whole number as typed: plain digits, or thousands in groups of three set off by one kind
    /// of separator (`20.000`, `20,000`, `20 000`). Anything else (`20000.5`, `2.00.0`, `1e6`, a
    /// sign) is nil, never a number read some other way.
    static func wholeNumber(_ text: String) -> Int? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let separators: Set<Character> = [".", ",", " ", "\u{00A0}", "\u{202F}"]
        let used = Set(text.filter { separators.contains($0) })
        guard !text.isEmpty, used.count <= 1, text.allSatisfy({ $0.isASCII && $0.isNumber || separators.contains($0) }) else { return nil }
        let groups = used.first.map { text.split(separator: $0, omittingEmptySubsequences: false) } ?? [Substring(text)]
        if groups.count > 1 {
            guard (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        }
        guard let value = Int(groups.joined()), groups.joined().count <= 15 else { return nil }
        return value
    }

    /// A decimal number as typed: digits with at most one decimal comma or point (`12,5`, `12.5`).
    /// No sign, exponent, hexadecimal or grouping: `Double("1e1")` would read those.
    static func decimalNumber(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: /[.,]/, omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.count <= 15 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              parts.count == 1 || !parts[1].isEmpty
        else { return nil }
        return Double(parts.joined(separator: "."))
    }
}
