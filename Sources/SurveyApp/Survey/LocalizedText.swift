/// A text in each language of the survey, keyed by BCP 47 tag (`pt-BR`, `en`).
struct LocalizedText: Sendable, Hashable, Decodable {
    static let defaultLanguage = "pt-BR"

    let translations: [String: String]

    init(_ translations: [String: String]) {
        self.translations = translations
    }

    init(from decoder: any Decoder) throws {
        translations = try decoder.singleValueContainer().decode([String: String].self)
    }

    /// The text in `language`, else in the default language.
    func text(_ language: String) -> String {
        translations[language] ?? translations[Self.defaultLanguage] ?? ""
    }

    subscript(language: String) -> String { text(language) }
}
