import Foundation

/// Every interface string, per language, from `Locales/<language>.json` (flat keys, `{name}`
/// placeholders). The survey's own wording lives in the survey definition instead.
struct MessageCatalog: Sendable {
    static let defaultLanguage = "pt-BR"

    let languages: [String]
    private let messages: [String: [String: String]]

    init(messages: [String: [String: String]]) {
        self.messages = messages
        self.languages = [Self.defaultLanguage] + messages.keys.filter { $0 != Self.defaultLanguage }.sorted()
    }

    /// Loads every `*.json` file of `directory`. A key missing from any language is an error, so a
    /// half-translated page cannot ship.
    static func load(directory: String) throws -> MessageCatalog {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var messages: [String: [String: String]] = [:]
        for file in files where file.hasSuffix(".json") {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path),
                  let table = try? JSONDecoder().decode([String: String].self, from: data)
            else { throw CatalogError("\(path) is not a JSON object of strings") }
            messages[String(file.dropLast(5))] = table
        }
        guard let reference = messages[defaultLanguage] else { throw CatalogError("no \(defaultLanguage).json in \(directory)") }
        for (language, table) in messages {
            let missing = Set(reference.keys).symmetricDifference(table.keys)
            if !missing.isEmpty { throw CatalogError("\(language).json and \(defaultLanguage).json differ in: \(missing.sorted().joined(separator: ", "))") }
        }
        return MessageCatalog(messages: messages)
    }

    /// Every key, as in the default language's file.
    var keys: [String] { messages[Self.defaultLanguage].map { Array($0.keys) } ?? [] }

    /// The message for `key` in `language` (else the default language), placeholders filled.
    func text(_ key: String, _ language: String, _ arguments: [String: String] = [:]) -> String {
        var text = messages[language]?[key] ?? messages[Self.defaultLanguage]?[key] ?? key
        for (name, value) in arguments {
            text = text.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return text
    }

    /// A validation message in the respondent's language.
    func text(_ message: ValidationMessage, _ language: String) -> String {
        let money = { (value: Decimal) in BRL.format(value, language: language) }
        switch message {
        case .required: return text("error.required", language)
        case .consentRequired: return text("error.consentRequired", language)
        case .notAnOption: return text("error.notAnOption", language)
        case .wholeNumber(let min, let max): return text("error.wholeNumber", language, ["min": "\(min)", "max": "\(max)"])
        case .money(let min, let max): return text("error.money", language, ["min": money(min), "max": money(max)])
        case .moneyDecimals: return text("error.moneyDecimals", language)
        case .tooLong(let max): return text("error.tooLong", language, ["max": "\(max)"])
        case .tooFewChoices(let min): return text("error.tooFewChoices", language, ["min": "\(min)"])
        case .tooManyChoices(let max): return text("error.tooManyChoices", language, ["max": "\(max)"])
        }
    }
}

struct CatalogError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
