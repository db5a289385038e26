import Foundation
import LibCrypto
import Testing

@testable import SurveyApp

@Suite("The survey definition file")
struct SurveyDefinitionTests {
    static let path = AppTestSupport.resource("Surveys/market-research.json")

    @Test func theShippedDefinitionHasTheContractedCodes() throws {
        let survey = try SurveyDefinition.load(path: Self.path)
        #expect(survey.pages.map(\.id) == ["consent", "household", "shopping", "new-store"])
        #expect(survey.pages.map { $0.questions.map(\.code) } == [
            ["consent"],
            ["age_band", "district", "district_other", "household_size", "income_band"],
            ["supermarket_frequency", "monthly_grocery_spend", "current_store", "transport_mode", "priorities"],
            ["likelihood_new_store", "reason_not", "preferred_hours", "comment"],
        ])
        func codes(_ question: String) -> [String] { survey.question(question)?.options?.map(\.code) ?? [] }
        #expect(codes("age_band") == ["18-24", "25-34", "35-44", "45-54", "55-64", "65+", "under-18"])
        #expect(codes("income_band") == ["E", "D", "C", "B", "A", "na"])
        #expect(codes("supermarket_frequency") == ["daily", "several-weekly", "weekly", "biweekly", "monthly", "rarely"])
        #expect(codes("transport_mode") == ["walk", "car", "bus", "bike", "delivery-app", "other"])
        #expect(codes("priorities") == ["price", "quality", "proximity", "variety", "service", "opening-hours", "parking", "delivery"])
        #expect(codes("reason_not") == ["too-far", "happy-with-current", "prices", "other"])
        #expect(codes("preferred_hours") == ["morning", "afternoon", "evening", "late-night", "weekends"])
        #expect(survey.question("age_band")?.options?.last?.endsSurvey == true)
        #expect(survey.question("reason_not")?.showWhen?.atMost == 3)
        #expect(survey.question("district_other")?.showWhen?.equals == "other")
        #expect(survey.question("household_size")?.min?.int == 1)
        #expect(survey.question("household_size")?.max?.int == 20)
        #expect(survey.question("monthly_grocery_spend")?.max?.decimal == 50_000)
        #expect(survey.question("priorities")?.maxChoices == 3)
        #expect(survey.question("comment")?.maxLength == 2000)
        #expect(survey.minimumWage == Decimal(string: "1621"))
    }

    @Test func everyTextExistsInBothLanguages() throws {
        let survey = try SurveyDefinition.load(path: Self.path)
        #expect(survey.languages == ["pt-BR", "en"])
        for question in survey.questions {
            #expect(!question.label.text("pt-BR").isEmpty && !question.label.text("en").isEmpty, "\(question.code)")
            #expect(question.label.text("pt-BR") != question.label.text("en"), "\(question.code) is untranslated")
        }
    }

    @Test func aReleasedVersionIsNeverEditedInPlace() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.path))
        let survey = try SurveyDefinition.load(path: Self.path)
        let lock = try String(contentsOfFile: AppTestSupport.resource("Surveys/versions.lock"), encoding: .utf8)
        let entry = lock.split(separator: "\n").first { $0.hasPrefix("\(survey.id) \(survey.version) ") }
        let recorded = try #require(entry, "Surveys/versions.lock has no line for \(survey.id) version \(survey.version)")
        #expect(recorded.split(separator: " ").last.map(String.init) == SHA256.hash([UInt8](data)).hexString,
                "the definition changed but its version did not: bump \"version\" and add a line to versions.lock")
    }

    @Test func validationReportsEveryProblem() throws {
        var json = try JSONSerialization.jsonObject(with: try #require(FileManager.default.contents(atPath: Self.path))) as! [String: Any]
        var pages = json["pages"] as! [[String: Any]]
        var household = pages[1]["questions"] as! [[String: Any]]
        household[1]["code"] = "age_band"  // a duplicate code
        household[2]["showWhen"] = ["question": "likelihood_new_store", "atMost": 3]  // a later question
        var label = household[3]["label"] as! [String: String]
        label["en"] = nil
        household[3]["label"] = label  // a missing translation
        pages[1]["questions"] = household
        json["pages"] = pages
        let file = NSTemporaryDirectory() + "survey-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }

        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyDefinition.load(path: file) }
        let problems = error?.problems.joined(separator: "\n") ?? ""
        #expect(problems.contains("question code age_band is used twice"))
        #expect(problems.contains("showWhen refers to likelihood_new_store, which is not an earlier question"))
        #expect(problems.contains("question household_size label has no en text"))
    }
}

@Suite("libcrypto wrappers")
struct LibCryptoTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hash([UInt8]()).hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash(Array("abc".utf8)).hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var incremental = SHA256()
        incremental.update(Array("a".utf8))
        incremental.update(Array("bc".utf8))
        #expect(incremental.finalize() == SHA256.hash(Array("abc".utf8)))
    }

    @Test func tokensAreLongAndDistinct() throws {
        let tokens = try (0..<1000).map { _ in try SecureRandom.token(bits: 256) }
        #expect(Set(tokens).count == 1000)
        #expect(tokens.allSatisfy { $0.count == 43 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
    }
}
