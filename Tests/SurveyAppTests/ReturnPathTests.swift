import Foundation
import HTTPTypes
import Testing

@testable import SurveyApp

/// Where a login leads, what a redirect may point at, and how typed numbers and dates are read:
/// each test fails if its rule is removed.
@Suite("Return paths and typed numbers")
struct ReturnPathTests {
    @Test(arguments: ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/ /evil.example", "/\u{0000}x", "/\u{00A0}/evil.example"])
    func aReturnPathWithWhitespaceOrControlCharactersIsHome(_ path: String) {
        #expect(PageRenderer.localPath(path) == "/")
    }

    @Test func aRefusedOrEmptyNextLeadsToTheRolesHome() {
        #expect(AccountController.requestedPage(nil) == nil)
        #expect(AccountController.requestedPage("") == nil)
        #expect(AccountController.requestedPage("/") == nil)
        #expect(AccountController.requestedPage("//evil.example") == nil)
        #expect(AccountController.requestedPage("/research?district=centro") == "/research?district=centro")
    }

    @Test func wholeNumbersAreDigitsOrGroupsOfThree() {
        #expect(NumberText.wholeNumber("20000") == 20000)
        #expect(NumberText.wholeNumber("20.000") == 20000)
        #expect(NumberText.wholeNumber("20,000") == 20000)
        #expect(NumberText.wholeNumber("1 234 567") == 1_234_567)
        for refused in ["20000.5", "20000.00", "1.5", "2.00.0", "20.000,5", "1e6", "-5", "+5", "0x10", "", "1.2345", "1.234,567"] {
            #expect(NumberText.wholeNumber(refused) == nil, "\(refused)")
        }
    }

    @Test func decimalNumbersHaveOneCommaOrPointAndNothingElse() {
        #expect(NumberText.decimalNumber("12,5") == 12.5)
        #expect(NumberText.decimalNumber("12.5") == 12.5)
        #expect(NumberText.decimalNumber("30") == 30)
        for refused in ["1e1", "0x10", "-5", "+5", "1,2,3", "inf", "nan", ",5", "5,", ""] {
            #expect(NumberText.decimalNumber(refused) == nil, "\(refused)")
        }
    }

    @Test func formFieldsAreDecodedWhateverTheirBytes() {
        #expect(FormData.decode("A%C3%A7ougue+S%C3%A3o+Jo%C3%A3o") == "Açougue São João")
        // Not UTF-8: replacement characters, not the field left percent-encoded.
        #expect(FormData.decode("A%C3%A7ougue%FF%FEbad") == "Açougue\u{FFFD}\u{FFFD}bad")
        #expect(FormData.decode("100%25+sure%ZZ") == "100% sure%ZZ")
    }

    @Test func daysAreExactlyYearMonthDay() {
        #expect(ResearchFilters.isDay("2026-11-01"))
        for refused in ["2026--11-01", "-2026-11-01", "2026-11-+1", "2026-+1-01", "2026-11-01-", "2026-02-30"] {
            #expect(!ResearchFilters.isDay(refused), "\(refused)")
        }
    }

    @Test func theLoginPageLeadsEachRoleHomeUnlessAskedFromElsewhere() async throws {
        try await FixedResponses.withResearcherApp { researcher, client, _ in
            // The form as a browser sends it from the plain login page: an empty `next`.
            _ = try await researcher.logOut()
            try await researcher.get("/login")
            #expect(!researcher.lastPageHasEmptyNext)
            let home = try await researcher.post("/login", [("email", FixedResponses.researcher.email), ("password", FixedResponses.researcher.password), ("next", "")])
            #expect(home.location == "/research")

            let respondent = Browser(client)
            let email = try await respondent.signUp()
            _ = try await respondent.logOut()
            try await respondent.get("/login")
            #expect(!respondent.lastPageHasEmptyNext)
            let back = try await respondent.post("/login", [("email", email), ("password", Browser.password), ("next", "")])
            #expect(back.location == "/survey")
        }
    }

    @Test func signingInAgainReturnsToThePageWithItsQuery() async throws {
        try await FixedResponses.withResearcherApp { researcher, _, _ in
            _ = try await researcher.logOut()
            let asked = "/research/export.csv?preset=analysis&district=centro&values=labels"
            let toLogin = try await researcher.get(asked)
            let location = try #require(toLogin.location)
            #expect(location.hasPrefix("/login?next="))
            let next = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "next" }?.value)
            #expect(next == asked)
            let form = try await researcher.get(location)
            #expect(form.hiddenValue("next")?.replacingOccurrences(of: "&amp;", with: "&") == asked)
            let login = try await researcher.post("/login", [("email", FixedResponses.researcher.email), ("password", FixedResponses.researcher.password), ("next", asked)])
            #expect(login.location == asked)
        }
    }

    @Test func theLanguageSwitchRefusesAHiddenSecondSlash() async throws {
        try await AppTestSupport.withApp { client, _ in
            let visitor = Browser(client)
            let hidden = try await visitor.get("/language/en?next=/%09/evil.example/login")
            #expect(hidden.location == "/")
            let withQuery = try await visitor.get("/language/en?next=%2Fresearch%3Fdistrict%3Dcentro")
            #expect(withQuery.location == "/research?district=centro")
        }
    }

    @Test func viabilityRefusesAHouseholdCountWithADecimalPoint() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            let page = try await browser.get("/research/viability?households=20000.5")
            #expect(page.status == .ok)
            #expect(page.body.contains("Domicílios na cidade: informe um número inteiro"))
            #expect(page.body.contains(#"value="20000.5""#))
            let exponent = try await browser.get("/research/viability?households=1000&pessimistic=1e1")
            #expect(exponent.body.contains("informe uma porcentagem de 0 a 100"))
            let grouped = try await browser.get("/research/viability?households=20.000")
            #expect(!grouped.body.contains("informe um número inteiro"))
            // "20 000" as a browser sends it from the form.
            let spaced = try await browser.get("/research/viability?households=20+000")
            #expect(!spaced.body.contains("informe um número inteiro"))
        }
    }

    @Test func anExportWithAFilterItCannotUseGoesToTheDashboardThatNamesIt() async throws {
        try await FixedResponses.withResearcherApp { browser, _, _ in
            let export = try await browser.get("/research/export.csv?preset=analysis&from=2026--11-01")
            #expect(export.status == .seeOther)
            #expect(export.location == "/research?preset=analysis&from=2026--11-01")
            let dashboard = try await browser.get(try #require(export.location))
            #expect(dashboard.body.contains("Filtros ignorados"))
        }
    }

    @Test func metricsAreNotServedThroughABalancer() async throws {
        try await AppTestSupport.withApp { client, _ in
            let scraper = Browser(client)
            scraper.extraHeaders = [:]
            #expect(try await scraper.get("/metrics").status == .ok)
            let outside = try await scraper.get("/metrics", headers: [.init("X-Forwarded-For")!: "203.0.113.9"])
            #expect(outside.status == .notFound)
            #expect(!outside.body.contains("http_requests"))
        }
    }
}

extension Browser {
    /// The last page's login form sends an empty `next` (which would lead home, not to the role's page).
    var lastPageHasEmptyNext: Bool { lastPage.contains(#"name="next" value="""#) }
}
