import Foundation
import Hummingbird
import HummingbirdTesting
import MariaDB
import Testing

@testable import SurveyApp

@Suite("Respondent journey over real MariaDB and Redis")
struct JourneyTests {
    @Test func signupLoginEveryPageResumeSubmitAndSubmitAgain() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let browser = Browser(client)
            let email = try await browser.signUp()
            // Signing up signs in; log out and in again to exercise login too.
            #expect(try await browser.logOut().location == "/?notice=signed-out")
            let login = try await browser.logIn(email: email)
            #expect(login.status == .seeOther)
            #expect(login.location == "/survey")
            #expect(try await browser.get("/survey").location == "/survey/consent")

            // Page 1: refused, then accepted.
            let consentPage = try await browser.get("/survey/consent")
            #expect(consentPage.body.contains("Página 1 de 4"))
            let refused = try await browser.post("/survey/consent", [])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains(#"class="error-summary""#))
            #expect(refused.body.contains(##"href="#q-consent""##))
            #expect(try await browser.post("/survey/consent", Answers.consent).location == "/survey/household")

            // Page 2: every field wrong; the typed values come back with the errors.
            try await browser.get("/survey/household")
            let wrong = try await browser.post("/survey/household", [("age_band", "17-"), ("household_size", "três"), ("income_band", "Z")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.errorMessages.count == 4)  // age_band, district, household_size, income_band
            #expect(wrong.body.contains(#"value="três""#))
            #expect(wrong.body.contains(#"aria-describedby="q-household_size-error""#))
            #expect(try await browser.post("/survey/household", Answers.household).location == "/survey/shopping")

            // Log out halfway; after logging in again the survey resumes at page 3.
            _ = try await browser.logOut()
            #expect(try await browser.get("/survey/shopping").location?.hasPrefix("/login") == true)
            _ = try await browser.logIn(email: email)
            #expect(try await browser.get("/survey").location == "/survey/shopping")
            // Earlier answers are shown again, and later pages are not reachable yet.
            #expect(try await browser.get("/survey/household").body.contains(#"value="3""#))
            #expect(try await browser.get("/survey/new-store").location == "/survey/shopping")

            try await browser.get("/survey/shopping")
            let badMoney = try await browser.post("/survey/shopping", Answers.shopping.map { $0.0 == "monthly_grocery_spend" ? ($0.0, "12,345") : $0 })
            #expect(badMoney.status == .unprocessableContent)
            #expect(badMoney.body.contains(#"value="12,345""#))
            #expect(try await browser.post("/survey/shopping", Answers.shopping).location == "/survey/new-store")

            let last = try await browser.get("/survey/new-store")
            let nonce = try #require(last.hiddenValue("_nonce"))
            let submit = Answers.newStore + [("_nonce", nonce)]
            let done = try await browser.post("/survey/new-store", submit)
            #expect(done.location == "/survey/thanks")
            #expect(try await browser.get("/survey/thanks").status == .ok)

            // A double click or a resent POST: the thank-you page again, never an error, one response.
            let again = try await browser.post("/survey/new-store", submit)
            #expect(again.location == "/survey/thanks")
            #expect(try await browser.get("/survey").location == "/survey/thanks")
            #expect(try await browser.get("/survey/household").location == "/survey/thanks")

            try await AppTestSupport.withDatabase(configuration) { db in
                let rows = try await db.query("SELECT COUNT(*) AS n, COUNT(completed_at) AS done, MAX(submission_nonce) AS nonce, MAX(survey_version) AS version, MAX(consent_version) AS consent FROM responses")
                #expect(try rows[0].decode("n", as: Int.self) == 1)
                #expect(try rows[0].decode("done", as: Int.self) == 1)
                #expect(try rows[0].decode("nonce", as: String.self) == nonce)
                #expect(try rows[0].decode("version", as: Int.self) == 1)
                #expect(try rows[0].decode("consent", as: Int.self) == 1)
            }
        }
    }

    @Test func multiSelectKeepsEveryRepeatedValueAndMoneyIsExact() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let browser = Browser(client)
            try await browser.signUp()
            try await browser.savePages(before: "shopping")
            let fields = Answers.shopping.filter { $0.0 != "priorities" } + [("priorities", "price"), ("priorities", "quality"), ("priorities", "parking")]
            #expect(try await browser.savePage("shopping", fields).location == "/survey/new-store")
            // Four choices is one too many: refused, and all four stay ticked.
            let four = try await browser.savePage("shopping", fields + [("priorities", "delivery")])
            #expect(four.status == .unprocessableContent)
            #expect(four.matches(of: #"name="priorities" value="([^"]+)" checked"#) == ["price", "quality", "parking", "delivery"])
            try await AppTestSupport.withDatabase(configuration) { db in
                let row = try await db.query("SELECT priorities, monthly_grocery_spend, CAST(monthly_grocery_spend AS CHAR) AS spend_text FROM responses")[0]
                #expect(try row.decode("priorities", as: String.self) == "price,quality,parking")
                #expect(try row.decode("monthly_grocery_spend", as: Decimal.self) == Decimal(string: "1234.56")!)
                #expect(try row.decode("spend_text", as: String.self) == "1234.56")
            }
        }
    }

    @Test func reasonNotIsShownAndRequiredOnlyForLowLikelihood() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let browser = Browser(client)
            let page = try await browser.signUpAndOpen("new-store")
            #expect(!page.body.contains(#"name="reason_not""#))
            // Likelihood 3: the page comes back with the follow-up question, not an error.
            let followUp = try await browser.post("/survey/new-store", [("likelihood_new_store", "3"), ("_nonce", page.hiddenValue("_nonce")!)])
            #expect(followUp.status == .ok)
            #expect(followUp.body.contains(#"name="reason_not""#))
            #expect(followUp.errorMessages.isEmpty)
            #expect(followUp.hiddenValue("_presented") == "reason_not")
            // Shown and still empty: now it is required.
            let missing = try await browser.post("/survey/new-store", [("likelihood_new_store", "3"), ("_presented", "reason_not")])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.errorMessages.count == 1)
            // Likelihood 4: no follow-up, and a reason sent anyway is dropped.
            let high = try await browser.post("/survey/new-store", [("likelihood_new_store", "4"), ("reason_not", "prices")])
            #expect(high.location == "/survey/thanks")
            try await AppTestSupport.withDatabase(configuration) { db in
                let row = try await db.query("SELECT likelihood_new_store, reason_not FROM responses")[0]
                #expect(try row.decode("likelihood_new_store", as: Int.self) == 4)
                #expect(try row.decode("reason_not", as: String?.self) == nil)
            }
        }
    }

    @Test func underEighteenStoresNothing() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let browser = Browser(client)
            try await browser.signUp()
            try await browser.savePage("consent", Answers.consent)
            #expect(try await AppTestSupport.count("responses", configuration) == 1)
            let ended = try await browser.savePage("household", [("age_band", "under-18"), ("district", "centro"), ("household_size", "2"), ("income_band", "na")])
            #expect(ended.location == "/survey/ended")
            let page = try await browser.get("/survey/ended")
            #expect(page.status == .ok)
            #expect(page.body.contains("maiores de 18"))
            #expect(try await AppTestSupport.count("responses", configuration) == 0)
            // The survey stays ended: no way back in by answering another age.
            #expect(try await browser.get("/survey").location == "/survey/ended")
            #expect(try await browser.get("/survey/consent").location == "/survey/ended")
            let again = try await browser.post("/survey/household", [("age_band", "25-34"), ("district", "centro"), ("household_size", "2"), ("income_band", "na")])
            #expect(again.location == "/survey/ended")
            #expect(try await AppTestSupport.count("responses", configuration) == 0)
            #expect(try await browser.get("/my-data").body.contains("nenhuma resposta foi guardada"))
        }
    }

    @Test func myDataShowsExportsAndDeletesEverything() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let browser = Browser(client)
            let email = try await browser.signUp()
            try await browser.savePage("consent", Answers.consent)
            try await browser.savePage("household", Answers.household.filter { $0.0 != "district" } + [("district", "other"), ("district_other", "Vila <b>Nova</b> 🌳"), ("_presented", "district_other")])

            let page = try await browser.get("/my-data")
            #expect(page.body.contains(email))
            #expect(page.body.contains("Vila &lt;b&gt;Nova&lt;/b&gt; 🌳"))  // escaped, as typed
            let export = try await browser.get("/my-data/export.json")
            #expect(export.headers[.contentDisposition]?.contains("attachment") == true)
            let json = try JSONSerialization.jsonObject(with: Data(export.body.utf8)) as! [String: Any]
            let answers = (json["response"] as! [String: Any])["answers"] as! [String: Any]
            #expect(answers["district_other"] as? String == "Vila <b>Nova</b> 🌳")
            #expect(answers["household_size"] as? Int == 3)

            try await browser.get("/my-data/delete")
            let unconfirmed = try await browser.post("/my-data/delete", [])
            #expect(unconfirmed.status == .unprocessableContent)
            let deleted = try await browser.post("/my-data/delete", [("confirm", "yes")])
            #expect(deleted.location == "/?notice=deleted")
            #expect(browser.cookies[SessionSettings.cookieName] == nil)
            #expect(try await AppTestSupport.count("users", configuration) == 0)
            #expect(try await AppTestSupport.count("responses", configuration) == 0)
            #expect(try await browser.logIn(email: email).status == .unprocessableContent)
        }
    }

    /// A laptop signed in to an account that the phone then deletes; the laptop opened `page`
    /// before that, if given.
    static func laptopOfADeletedAccount(_ client: any TestClientProtocol, opened page: String? = nil) async throws -> Browser {
        let phone = Browser(client)
        let email = try await phone.signUp()
        let laptop = Browser(client)
        _ = try await laptop.logIn(email: email)
        if let page { try await laptop.get(page) }
        try await phone.get("/my-data/delete")
        #expect(try await phone.post("/my-data/delete", [("confirm", "yes")]).location == "/?notice=deleted")
        return laptop
    }

    @Test func aSessionOfADeletedAccountEndsWithoutAnError() async throws {
        try await AppTestSupport.withApp { client, _ in
            let laptop = try await Self.laptopOfADeletedAccount(client, opened: "/survey/consent")
            let save = try await laptop.post("/survey/consent", Answers.consent)
            #expect(save.status == .seeOther)
            #expect(save.location == "/?notice=deleted")
        }
    }

    /// Every other session of a deleted account ends at its next page, not only at a save: the
    /// survey, "my data" and its download say the account is gone and sign out.
    @Test(arguments: ["/survey", "/survey/consent", "/my-data", "/my-data/export.json"])
    func aDeletedAccountsOtherSessionsEndAtTheirNextPage(_ path: String) async throws {
        try await AppTestSupport.withApp { client, _ in
            let laptop = try await Self.laptopOfADeletedAccount(client)
            let page = try await laptop.get(path)
            #expect(page.status == .seeOther)
            #expect(page.location == "/?notice=deleted")
            let home = try await laptop.get("/?notice=deleted")
            #expect(home.body.contains("Sua conta e suas respostas foram apagadas."))
            #expect(home.body.contains(#"href="/login""#))  // signed out
        }
    }

    @Test func researcherAccountFromTheEnvironment() async throws {
        let email = "boss\(UUID().uuidString.prefix(6).lowercased())@example.com"
        try await AppTestSupport.withApp(overrides: ["researcher.email": email, "researcher.password": "research-password-1"]) { client, _ in
            let browser = Browser(client)
            let login = try await browser.logIn(email: email, password: "research-password-1")
            #expect(login.location == "/research")
            let research = try await browser.get("/research")
            #expect(research.status == .ok)
            #expect(try await browser.get("/survey").location == "/research")
            // A respondent may not see it.
            let respondent = Browser(client)
            try await respondent.signUp()
            #expect(try await respondent.get("/research").status == .forbidden)
        }
    }
}
