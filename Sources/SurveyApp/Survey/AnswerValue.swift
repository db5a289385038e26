import Foundation

/// One validated answer, in the vocabulary of the definition's codes.
enum AnswerValue: Sendable, Hashable {
    case consent
    case choice(String)
    case choices([String])
    case integer(Int)
    /// An exact amount in reais (never a floating-point number).
    case money(Decimal)
    case text(String)
}

/// Why a field was refused. Rendered in the respondent's language by the message catalogue.
enum ValidationMessage: Sendable, Hashable {
    case required
    case consentRequired
    case notAnOption
    case wholeNumber(min: Int, max: Int)
    case money(min: Decimal, max: Decimal)
    case moneyDecimals
    case tooLong(max: Int)
    case tooFewChoices(min: Int)
    case tooManyChoices(max: Int)
}

struct FieldError: Sendable, Hashable {
    let code: String
    let message: ValidationMessage
}
