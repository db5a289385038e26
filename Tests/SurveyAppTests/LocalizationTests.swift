import Foundation
import Testing

@testable import SurveyApp

@Suite("Messages, languages and money formats")
struct LocalizationTests {
    static let locales = AppTestSupport.resource("Locales")

    @Test func everyValidationMessageReadsWellInBothLanguages() throws {
        let catalog = try MessageCatalog.load(directory: Self.locales)
        #expect(catalog.languages == ["pt-BR", "en"])
        let messages: [ValidationMessage] = [
            .required, .consentRequired, .notAnOption, .wholeNumber(min: 1, max: 20), .money(min: 0, max: 50_000),
            .moneyDecimals, .tooLong(max: 2000), .tooFewChoices(min: 1), .tooManyChoices(max: 3),
        ]
        for language in ["pt-BR", "en"] {
            let texts = messages.map { catalog.text($0, language) }
            #expect(Set(texts).count == messages.count)
            #expect(texts.allSatisfy { !$0.contains("{") && !$0.hasPrefix("error.") }, "\(language): \(texts)")
        }
        #expect(catalog.text(.money(min: 0, max: 50_000), "pt-BR") == "Digite um valor em reais de R$ 0,00 a R$ 50.000,00, por exemplo 1.234,56.")
        #expect(catalog.text(.wholeNumber(min: 1, max: 20), "en") == "Enter a whole number from 1 to 20.")
    }

    @Test func aKeyMissingInOneLanguageStopsTheLoad() throws {
        let directory = NSTemporaryDirectory() + "locales-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try #"{"a": "um", "b": "dois"}"#.write(toFile: directory + "/pt-BR.json", atomically: true, encoding: .utf8)
        try #"{"a": "one"}"#.write(toFile: directory + "/en.json", atomically: true, encoding: .utf8)
        let error = #expect(throws: CatalogError.self) { try MessageCatalog.load(directory: directory) }
        #expect(error?.description.contains("b") == true)
    }

    @Test(arguments: [
        ("1234.56", "pt-BR", "R$ 1.234,56"), ("1234.56", "en", "R$1,234.56"), ("0", "pt-BR", "R$ 0,00"),
        ("3242", "pt-BR", "R$ 3.242,00"), ("32420", "en", "R$32,420.00"), ("1234567.891", "pt-BR", "R$ 1.234.567,89"),
        ("999.995", "pt-BR", "R$ 1.000,00"),
    ])
    func formatsReais(amount: String, language: String, expected: String) {
        #expect(BRL.format(Decimal(string: amount, locale: Locale(identifier: "en_US_POSIX"))!, language: language) == expected)
    }

    @Test(arguments: [
        (nil, "pt-BR"), ("en-US,en;q=0.9", "en"), ("pt-PT,pt;q=0.9,en;q=0.8", "pt-BR"), ("fr-FR, en;q=0.5", "en"),
        ("fr, de", "pt-BR"), ("en;q=0.2, pt-BR;q=0.8", "pt-BR"), ("*", "pt-BR"), ("en;q=0, pt", "pt-BR"), ("EN", "en"),
    ] as [(String?, String)])
    func negotiatesTheLanguage(header: String?, expected: String) {
        #expect(LanguageNegotiation.pick(acceptLanguage: header, supported: ["pt-BR", "en"]) == expected)
    }
}
