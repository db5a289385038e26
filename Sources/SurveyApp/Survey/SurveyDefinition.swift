import Foundation

/// The questionnaire, read from a versioned JSON file (`Surveys/market-research.json`). Pages,
/// questions, answer codes and wording all come from it: no question is written in Swift or in a
/// template. Codes are the contract with researchers (form field names, database, exports), so
/// changing wording or options means a new `version`.
struct SurveyDefinition: Sendable, Decodable {
    let id: String
    let version: Int
    /// The version of the consent text; stored with each respondent's consent.
    let consentVersion: Int
    let languages: [String]
    let settings: Settings
    let title: LocalizedText
    let pages: [Page]

    struct Settings: Sendable, Decodable {
        let organisation: String
        let contactEmail: String
        let retentionMonths: Int
        /// The minimum wage in force, in reais, as exact decimal text ("1621.00").
        let minimumWageBRL: String
    }

    struct Page: Sendable, Decodable {
        let id: String
        let title: LocalizedText
        let questions: [Question]
    }

    struct Question: Sendable, Decodable {
        enum Kind: String, Sendable, Decodable {
            case consent, single, multi, integer, money, text, longText, scale, income
        }

        let code: String
        let type: Kind
        let required: Bool
        let label: LocalizedText
        let text: LocalizedText?
        let hint: LocalizedText?
        let options: [Option]?
        /// Server-side skip logic: the question is shown (and validated) only when this holds.
        let showWhen: Condition?
        let min: Bound?
        let max: Bound?
        let maxLength: Int?
        let minChoices: Int?
        let maxChoices: Int?
        let minLabel: LocalizedText?
        let maxLabel: LocalizedText?

        var isChoice: Bool { [.single, .multi, .income].contains(type) }

        /// Whether a later question of `page` shows or hides depending on this one.
        func isCondition(of page: Page) -> Bool {
            page.questions.contains { $0.showWhen?.question == code }
        }
    }

    struct Option: Sendable, Decodable {
        let code: String
        let label: LocalizedText
        /// Choosing it ends the survey politely and keeps no answers (`under-18`).
        let endsSurvey: Bool?
        /// For income bands: the band's limits in minimum wages.
        let minWages: Int?
        let maxWages: Int?
    }

    struct Condition: Sendable, Decodable {
        let question: String
        let equals: String?
        let atMost: Int?
        let atLeast: Int?
    }

    /// A numeric limit, written as a JSON number (integers, scales) or a string (exact money).
    struct Bound: Sendable, Decodable, Hashable {
        let decimal: Decimal

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                decimal = Decimal(int)
            } else if let text = try? container.decode(String.self), let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) {
                decimal = value
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "a bound is a whole number or a decimal string")
            }
        }

        var int: Int { NSDecimalNumber(decimal: decimal).intValue }
    }

    var questions: [Question] { pages.flatMap(\.questions) }

    func question(_ code: String) -> Question? { questions.first { $0.code == code } }

    /// `text` with the settings it may name filled in: `{organisation}`, `{contactEmail}`,
    /// `{retentionMonths}` (the consent text names who collects, whom to write to, how long).
    func fillingSettings(_ text: String) -> String {
        text.replacingOccurrences(of: "{organisation}", with: settings.organisation)
            .replacingOccurrences(of: "{contactEmail}", with: settings.contactEmail)
            .replacingOccurrences(of: "{retentionMonths}", with: String(settings.retentionMonths))
    }

    var minimumWage: Decimal { Decimal(string: settings.minimumWageBRL, locale: Locale(identifier: "en_US_POSIX")) ?? 0 }

    /// Reads and checks a definition file; every problem is reported with the code it concerns.
    static func load(path: String) throws -> SurveyDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyDefinitionError(problems: ["cannot read the survey definition at \(path)"])
        }
        let definition: SurveyDefinition
        do {
            definition = try JSONDecoder().decode(SurveyDefinition.self, from: data)
        } catch {
            throw SurveyDefinitionError(problems: ["\(path) is not a valid survey definition: \(error)"])
        }
        let problems = definition.problems()
        guard problems.isEmpty else { throw SurveyDefinitionError(problems: problems) }
        return definition
    }
}

struct SurveyDefinitionError: Error, CustomStringConvertible {
    let problems: [String]
    var description: String { "invalid survey definition:\n- " + problems.joined(separator: "\n- ") }
}
