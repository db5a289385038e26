/// Default number formatting for chart labels, Brazilian style (`1.234`,
/// `45,6%`). Pass your own closures to the charts for other locales or units.
///
/// Hand-rolled rather than `NumberFormatter` so output does not depend on the
/// server's ICU data or locale settings.
enum ChartNumberFormat {
    /// An integer with a grouping separator every three digits: `1.234.567`.
    static func grouped(_ value: Int, separator: String = ".") -> String {
        let digits = String(value.magnitude)
        var result = value < 0 ? "-" : ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result += separator }
            result.append(digit)
        }
        return result
    }

    /// A number rounded half away from zero to `fractionDigits` decimals:
    /// `fixed(1234.5, fractionDigits: 2)` is `1.234,50`. With `trimZeros`,
    /// trailing zero decimals are dropped (`2,5` instead of `2,50`, `3` for `3,00`).
    static func fixed(
        _ value: Double,
        fractionDigits: Int,
        decimalSeparator: String = ",",
        groupingSeparator: String = ".",
        trimZeros: Bool = false
    ) -> String {
        precondition(fractionDigits >= 0 && fractionDigits <= 6, "fractionDigits must be 0...6")
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "-∞") }
        var scale = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        // Beyond 2⁵³ the integer arithmetic below is meaningless; such values do
        // not occur in survey charts, so fall back to Swift's own formatting.
        guard scaled < 9e15 else { return String(value) }
        let units = Int(scaled)
        let isNegative = value < 0 && units != 0
        var result = (isNegative ? "-" : "") + grouped(units / scale, separator: groupingSeparator)
        if fractionDigits > 0 {
            var fraction = String(units % scale)
            fraction = String(repeating: "0", count: fractionDigits - fraction.count) + fraction
            if trimZeros {
                while fraction.hasSuffix("0") { fraction.removeLast() }
            }
            if !fraction.isEmpty { result += decimalSeparator + fraction }
        }
        return result
    }

    /// A percentage (already on a 0–100 scale) with one decimal: `45,6%`.
    static func percent(_ value: Double, fractionDigits: Int = 1, decimalSeparator: String = ",") -> String {
        fixed(value, fractionDigits: fractionDigits, decimalSeparator: decimalSeparator) + "%"
    }

    /// A bucket bound: up to two decimals, trailing zeros trimmed: `1.000`, `2,5`.
    static func bound(_ value: Double) -> String {
        fixed(value, fractionDigits: 2, trimZeros: true)
    }
}
