import Foundation

/// Amounts in reais as each language writes them: `R$ 1.234,56` (pt-BR), `R$1,234.56` (en).
/// Written by hand so the output never depends on the server's locale data.
enum BRL {
    static func format(_ amount: Decimal, language: String) -> String {
        var rounded = Decimal()
        var value = amount
        NSDecimalRound(&rounded, &value, 2, .plain)
        let negative = rounded < 0
        let cents = NSDecimalNumber(decimal: (negative ? -rounded : rounded) * 100).int64Value
        let whole = String(cents / 100)
        let fraction = String(format: "%02lld", cents % 100)
        let portuguese = !language.lowercased().hasPrefix("en")
        let grouping = portuguese ? "." : ","
        var grouped = ""
        for (i, digit) in whole.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { grouped.append(contentsOf: grouping) }
            grouped.append(digit)
        }
        let number = String(grouped.reversed()) + (portuguese ? "," : ".") + fraction
        return (negative ? "-" : "") + (portuguese ? "R$ " : "R$") + number
    }
}
