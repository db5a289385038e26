import Foundation

/// Reads an amount in reais as people type it: `1.234,56`, `1234,56`, `1234.56`, `R$ 1.234`,
/// `1 234,56`. The result is an exact `Decimal` with at most two decimals.
enum MoneyParser {
    enum Failure: Error, Equatable {
        case notANumber
        case tooManyDecimals
    }

    static func parse(_ input: String) throws(Failure) -> Decimal {
        var text = input.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.lowercased().hasPrefix("r$") { text.removeFirst(2) }
        text.removeAll { $0 == " " || $0 == "\u{00A0}" || $0 == "\u{202F}" }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }) else {
            throw .notANumber
        }
        let integerPart: Substring
        let fraction: Substring
        let lastComma = text.lastIndex(of: ",")
        let lastDot = text.lastIndex(of: ".")
        switch (lastComma, lastDot) {
        case (let comma?, let dot?):
            // Both appear: the last one separates the decimals, the other groups thousands.
            let decimalIndex = max(comma, dot)
            let grouping: Character = decimalIndex == comma ? "." : ","
            integerPart = text[..<decimalIndex]
            fraction = text[text.index(after: decimalIndex)...]
            guard !fraction.contains(grouping), !fraction.contains(text[decimalIndex]),
                  isGrouped(integerPart, by: grouping) else { throw .notANumber }
        case (let comma?, nil):
            // A comma is the Brazilian decimal separator.
            guard text.filter({ $0 == "," }).count == 1 else { throw .notANumber }
            integerPart = text[..<comma]
            fraction = text[text.index(after: comma)...]
        case (nil, let dot?):
            let dots = text.filter { $0 == "." }.count
            let after = text[text.index(after: dot)...]
            if dots == 1 && (after.count != 3 || text[..<dot].hasPrefix("0")) {
                // "1234.56": a decimal point; so is the point of "0.500" (no thousands group
                // starts with a zero), whose three decimals are then refused.
                integerPart = text[..<dot]
                fraction = after
            } else {
                // "1.234" or "1.234.567": Brazilian thousands groups.
                guard isGrouped(Substring(text), by: ".") else { throw .notANumber }
                integerPart = Substring(text)
                fraction = ""
            }
        case (nil, nil):
            integerPart = Substring(text)
            fraction = ""
        }
        let digits = integerPart.filter { $0 != "." && $0 != "," }
        guard !digits.isEmpty || !fraction.isEmpty, fraction.allSatisfy(\.isNumber), digits.allSatisfy(\.isNumber) else {
            throw .notANumber
        }
        guard fraction.count <= 2 else { throw .tooManyDecimals }
        guard digits.count <= 15 else { throw .notANumber }
        let canonical = (digits.isEmpty ? "0" : String(digits)) + (fraction.isEmpty ? "" : "." + fraction)
        guard let value = Decimal(string: canonical, locale: Locale(identifier: "en_US_POSIX")) else { throw .notANumber }
        return value
    }

    /// "1.234.567" grouped by "." (first group 1–3 digits, not starting with 0, the rest exactly
    /// 3); a plain run of digits counts too.
    private static func isGrouped(_ text: Substring, by separator: Character) -> Bool {
        let groups = text.split(separator: separator, omittingEmptySubsequences: false)
        guard groups.count > 1 else { return !text.isEmpty }
        return (1...3).contains(groups[0].count) && !groups[0].hasPrefix("0") && groups.dropFirst().allSatisfy { $0.count == 3 }
    }
}
