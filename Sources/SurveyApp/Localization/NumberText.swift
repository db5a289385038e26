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
}
