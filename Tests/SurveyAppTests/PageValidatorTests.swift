import Foundation
import Testing

@testable import SurveyApp

@Suite("Money as people type it")
struct MoneyParserTests {
    @Test(arguments: [
        ("1.234,56", "1234.56"), ("1234,56", "1234.56"), ("1234.56", "1234.56"), ("R$ 1.234,56", "1234.56"),
        ("1.234", "1234"), ("1 234,5", "1234.5"), ("1,234.56", "1234.56"), ("0", "0"), ("0,99", "0.99"),
        ("50000", "50000"), ("1.234.567,89", "1234567.89"), (" 12 ", "12"), ("R$12,00", "12"),
    ])
    func parses(input: String, expected: String) throws {
        let value = try MoneyParser.parse(input)
        #expect(value == Decimal(string: expected, locale: Locale(identifier: "en_US_POSIX")))
    }

    @Test func storesExactlyWithoutFloatingPoint() throws {
        let value = try MoneyParser.parse("1.234,56")
        #expect(value.description == "1234.56")
        #expect(value * 100 == Decimal(123_456))
    }

    @Test(arguments: ["", "abc", "-5", "1.23.4", "12,3,4", "1,2.3,4", "1e5", "٣", "1.2345,6", "01.234.567", "0.500,00"])
    func refusesWhatIsNotAnAmount(input: String) {
        #expect(throws: MoneyParser.Failure.notANumber) { try MoneyParser.parse(input) }
    }

    @Test(arguments: ["12,345", "1.234,567", "0,001", "0.500", "00.500"])
    func refusesMoreThanTwoDecimals(input: String) {
        #expect(throws: MoneyParser.Failure.tooManyDecimals) { try MoneyParser.parse(input) }
    }
}

@Suite("Page validation on the server")
struct PageValidatorTests {
    let survey: SurveyDefinition
    let validator: PageValidator

    init() throws {
        survey = try SurveyDefinition.load(path: AppTestSupport.resource("Surveys/market-research.json"))
        validator = PageValidator(survey: survey)
    }

    func page(_ id: String) -> SurveyDefinition.Page { survey.pages.first { $0.id == id }! }

    func errors(_ outcome: PageValidator.Outcome) -> [String: ValidationMessage] {
        guard case .invalid(let errors) = outcome else { return [:] }
        return Dictionary(uniqueKeysWithValues: errors.map { ($0.code, $0.message) })
    }

    @Test func consentIsRequired() {
        #expect(errors(validator.validate(page: page("consent"), form: [:])) == ["consent": .consentRequired])
        guard case .valid(let answers) = validator.validate(page: page("consent"), form: ["consent": ["yes"]]) else {
            Issue.record("consent given should be valid")
            return
        }
        #expect(answers["consent"] == .consent)
    }

    @Test func everyHouseholdFieldIsChecked() {
        let outcome = validator.validate(page: page("household"), form: [
            "age_band": ["17-ish"], "household_size": ["0"], "district": ["centro"], "income_band": [""],
        ])
        #expect(errors(outcome) == [
            "age_band": .notAnOption, "household_size": .wholeNumber(min: 1, max: 20), "income_band": .required,
        ])
        for size in ["21", "2.5", "abc", "99999999999"] {
            let e = errors(validator.validate(page: page("household"), form: ["household_size": [size]]))
            #expect(e["household_size"] == .wholeNumber(min: 1, max: 20), "\(size)")
        }
    }

    @Test func underEighteenEndsTheSurvey() {
        let outcome = validator.validate(page: page("household"), form: [
            "age_band": ["under-18"], "district": ["centro"], "household_size": ["3"], "income_band": ["C"],
        ])
        guard case .endsSurvey = outcome else {
            Issue.record("under-18 must end the survey, got \(outcome)")
            return
        }
        // Even with other fields wrong or missing, under-18 ends it: nothing is kept either way.
        guard case .endsSurvey = validator.validate(page: page("household"), form: ["age_band": ["under-18"]]) else {
            Issue.record("under-18 must end the survey even when the rest is empty")
            return
        }
    }

    @Test func moneyIsStoredExactly() {
        let outcome = validator.validate(page: page("shopping"), form: [
            "supermarket_frequency": ["weekly"], "monthly_grocery_spend": ["1.234,56"], "current_store": ["Mercado São Jorge 🛒"],
            "transport_mode": ["bus"], "priorities": ["price", "proximity"],
        ])
        guard case .valid(let answers) = outcome else {
            Issue.record("expected valid, got \(outcome)")
            return
        }
        #expect(answers["monthly_grocery_spend"] == .money(Decimal(string: "1234.56", locale: Locale(identifier: "en_US_POSIX"))!))
        #expect(answers["current_store"] == .text("Mercado São Jorge 🛒"))
        let tooMuch = errors(validator.validate(page: page("shopping"), form: ["monthly_grocery_spend": ["50.000,01"]]))
        #expect(tooMuch["monthly_grocery_spend"] == .money(min: 0, max: 50_000))
        let decimals = errors(validator.validate(page: page("shopping"), form: ["monthly_grocery_spend": ["10,555"]]))
        #expect(decimals["monthly_grocery_spend"] == .moneyDecimals)
    }

    @Test func multiSelectKeepsEveryRepeatedValueWithinItsLimits() {
        let base = ["supermarket_frequency": ["weekly"], "monthly_grocery_spend": ["100"], "current_store": ["X"], "transport_mode": ["car"]]
        var form = base
        form["priorities"] = ["parking", "price", "quality", "price"]
        guard case .valid(let answers) = validator.validate(page: page("shopping"), form: form) else {
            Issue.record("three distinct priorities are valid")
            return
        }
        #expect(answers["priorities"] == .choices(["price", "quality", "parking"]))
        form["priorities"] = ["price", "quality", "parking", "delivery"]
        #expect(errors(validator.validate(page: page("shopping"), form: form))["priorities"] == .tooManyChoices(max: 3))
        form["priorities"] = []
        #expect(errors(validator.validate(page: page("shopping"), form: form))["priorities"] == .required)
        form["priorities"] = ["price", "free-beer"]
        #expect(errors(validator.validate(page: page("shopping"), form: form))["priorities"] == .notAnOption)
    }

    @Test func reasonNotIsAskedAndRequiredOnlyWhenLikelihoodIsThreeOrLess() {
        let newStore = page("new-store")
        // Low likelihood, reason not yet shown: the page comes back with the follow-up question.
        guard case .needsFollowUp(let questions, _) = validator.validate(page: newStore, form: ["likelihood_new_store": ["2"]]) else {
            Issue.record("a low likelihood must bring up reason_not")
            return
        }
        #expect(questions == ["reason_not"])
        // Shown and left empty: now it is a required field.
        let shownEmpty = validator.validate(page: newStore, form: ["likelihood_new_store": ["3"]], presented: ["reason_not"])
        #expect(errors(shownEmpty) == ["reason_not": .required])
        // Answered: valid.
        guard case .valid(let low) = validator.validate(page: newStore, form: ["likelihood_new_store": ["3"], "reason_not": ["prices"]]) else {
            Issue.record("low likelihood with a reason is valid")
            return
        }
        #expect(low["reason_not"] == .choice("prices"))
        // High likelihood: reason_not is neither asked nor kept, even if a value was sent.
        guard case .valid(let high) = validator.validate(page: newStore, form: ["likelihood_new_store": ["4"], "reason_not": ["prices"]]) else {
            Issue.record("high likelihood is valid without a reason")
            return
        }
        #expect(high["reason_not"] == nil)
        #expect(high["likelihood_new_store"] == .integer(4))
    }

    @Test func commentsAreKeptAsTypedUpToTheLimit() {
        let newStore = page("new-store")
        let typed = "  <script>alert('oi')</script> ação 😀\nlinha 2  "
        guard case .valid(let answers) = validator.validate(page: newStore, form: ["likelihood_new_store": ["9"], "comment": [typed]]) else {
            Issue.record("a comment is valid")
            return
        }
        #expect(answers["comment"] == .text(typed))
        let long = String(repeating: "😀", count: 2001)
        #expect(errors(validator.validate(page: newStore, form: ["likelihood_new_store": ["9"], "comment": [long]])) == ["comment": .tooLong(max: 2000)])
    }

    /// Control characters nobody sees (NUL, escape, bell, DEL, C1) are dropped before storing, so
    /// they never reach an export; a tab becomes a space; line breaks stay in a multi-line answer
    /// (CRLF as LF) and become spaces in a one-line one.
    @Test func controlCharactersAreDropped() {
        let newStore = page("new-store")
        guard case .valid(let answers) = validator.validate(
            page: newStore, form: ["likelihood_new_store": ["9"], "comment": ["Açougue\u{0}NUL\u{1B}[31m\ttab\u{7}\u{7F}\u{85} 😀\r\nfim"]])
        else {
            Issue.record("a comment with control characters is still valid")
            return
        }
        #expect(answers["comment"] == .text("AçougueNUL[31m tab 😀\nfim"))
        #expect(PageValidator.withoutControlCharacters("a\r\nb\tc", keepingLineBreaks: false) == "a b c")
        // Nothing but control characters is nothing.
        guard case .valid(let empty) = validator.validate(page: newStore, form: ["likelihood_new_store": ["9"], "comment": ["\u{0}\u{1B}"]]) else {
            Issue.record("an optional comment of control characters is left empty")
            return
        }
        #expect(empty["comment"] == nil)
    }
}
