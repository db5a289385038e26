import Foundation

/// One typed field of a CSV record. The type decides formatting: numbers use the
/// format's decimal separator and are never neutralised, text is quoted and
/// neutralised as needed.
enum CSVCell: Sendable, Equatable {
    /// Any text — free-text answers, option codes, labels, header names. All text
    /// gets formula neutralising, codes included: a code like `-1` or `=A1` from
    /// a survey definition is as dangerous as free text.
    case text(String)
    /// A whole number, written as plain digits with an optional `-`.
    case integer(Int)
    /// An exact decimal, formatted from its decimal digits (never via Double).
    /// With `fractionDigits`, rounded half away from zero to that many digits and
    /// padded with zeros (use 2 for money); with `nil`, all its digits are kept.
    case decimal(Decimal, fractionDigits: Int? = nil)
    /// A point in time, written in UTC in the format's `timestampStyle`.
    case timestamp(Date)
    /// `1` for true, `0` for false, which every spreadsheet and stats package reads
    /// as a number.
    case boolean(Bool)
    /// No value (SQL NULL): nothing between the separators.
    case empty

    /// A money amount: exact decimal with two fraction digits.
    static func money(_ amount: Decimal) -> CSVCell {
        .decimal(amount, fractionDigits: 2)
    }
}
