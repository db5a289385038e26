import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Redis
import Testing

@testable import SurveyApp

@Suite("Session lifetimes and metrics")
struct SessionAndMetricsTests {
    @Test func idleSessionsExpireAndActivitySlidesTheWindow() async throws {
        try await AppTestSupport.withApp(overrides: ["session.idle.seconds": "3"]) { client, configuration in
            let browser = Browser(client)
            try await browser.signUp()
            let id = try #require(browser.cookies[SessionSettings.cookieName])
            let redis = RedisClient(configuration: configuration.redis, logger: Logger(label: "check"))
            defer { Task { await redis.shutdown() } }
            let ttl = try await redis.send("PTTL", SessionSettings.keyPrefix + id).int ?? -1
            #expect(ttl > 0 && ttl <= 3000)
            try await Task.sleep(for: .seconds(3.5))
            #expect(try await browser.get("/survey").location?.hasPrefix("/login") == true)
            #expect(try await !redis.exists(SessionSettings.keyPrefix + id))
        }
    }

    @Test func everySessionEndsAtTheAbsoluteLimit() async throws {
        try await AppTestSupport.withApp(overrides: ["session.absolute.seconds": "5"]) { client, _ in
            let browser = Browser(client)
            let clock = ContinuousClock()
            // The session starts somewhere between these two instants (hashing the password on a
            // loaded machine can take seconds).
            let beforeSignUp = clock.now
            try await browser.signUp()
            let afterSignUp = clock.now
            let inside = try await browser.get("/survey")
            // Checked only while surely inside the limit.
            if clock.now - beforeSignUp < .seconds(4) {
                #expect(inside.location == "/survey/consent")
            }
            // Surely past the limit, whenever in sign-up the session began.
            try await Task.sleep(until: afterSignUp + .seconds(6))
            // Still well inside the idle window, but past the absolute one: the Redis entry was
            // given no more time than the absolute limit left.
            #expect(try await browser.get("/survey").location?.hasPrefix("/login") == true)
        }
    }

    @Test func whatWasTypedWhenTheSessionEndedComesBackAfterLogin() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            let (email, owner) = try await browser.signUpThenLoseSession(on: "household")
            let page = try await browser.post("/survey/household", Answers.household + [("_owner", owner)])
            #expect(page.location == "/login?next=%2Fsurvey%2Fhousehold&notice=expired")
            #expect(browser.cookies[PendingForms.cookieName] != nil)
            let login = try await browser.get(page.location!)
            #expect(login.body.contains("Sua sessão expirou"))
            let back = try await browser.post("/login", [("email", email), ("password", Browser.password), ("next", "/survey/household")])
            #expect(back.location == "/survey/household")
            let restored = try await browser.get("/survey/household")
            #expect(restored.body.contains(#"value="3""#))
            #expect(restored.body.contains(#"value="C" checked"#))
            #expect(browser.cookies[PendingForms.cookieName] == nil)
            // Handed back once: the next visit shows what is saved (nothing yet on this page).
            #expect(!(try await browser.get("/survey/household")).body.contains(#"value="3""#))
        }
    }

    /// On a survey page, signing out, going back, switching language and the header's links
    /// submit the page's form: nothing is saved or checked, and what was typed comes back when
    /// the page shows again.
    @Test func whatWasTypedBeforeSigningOutComesBackAfterLogin() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            let email = try await browser.signUp()
            try await browser.savePage("consent", Answers.consent)
            let open = try await browser.get("/survey/household")
            #expect(open.body.contains(#"<form id="survey" method="post" action="/survey/household""#))
            #expect(open.body.contains(#"form="survey" name="_leave" value="logout""#))
            let out = try await browser.post("/survey/household", Answers.household + [("_leave", "logout")])
            #expect(out.location == "/?notice=signed-out")
            #expect(browser.cookies[PendingForms.cookieName] != nil)
            #expect(try await browser.get("/survey").location?.hasPrefix("/login") == true)
            _ = try await browser.logIn(email: email)
            // Nothing was saved: the survey resumes on the same page, with what was typed.
            #expect(try await browser.get("/survey").location == "/survey/household")
            let back = try await browser.get("/survey/household")
            #expect(back.body.contains(#"value="3""#))
            #expect(back.body.contains(#"value="C" checked"#))
            #expect(back.body.contains("Ainda não está salvo"))
            #expect(!(try await browser.get("/survey/household")).body.contains(#"value="3""#))
        }
    }

    @Test func whatWasTypedSurvivesGoingBackAndSwitchingLanguage() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            try await browser.signUpAndOpen("shopping")
            let back = try await browser.post("/survey/shopping", Answers.shopping + [("_leave", "back")])
            #expect(back.location == "/survey/household")
            // Saving the previous page again leads forward to the page left, filled in.
            #expect(try await browser.savePage("household", Answers.household).location == "/survey/shopping")
            let shopping = try await browser.get("/survey/shopping")
            #expect(shopping.body.contains(#"value="1.234,56""#))
            #expect(shopping.body.contains(#"value="proximity" checked"#))

            let switched = try await browser.post("/survey/shopping", Answers.shopping + [("_leave", "language:en")])
            #expect(switched.location == "/language/en?next=%2Fsurvey%2Fshopping")
            #expect(try await browser.get(switched.location!).location == "/survey/shopping")
            let english = try await browser.get("/survey/shopping")
            #expect(english.body.contains("It is not saved yet"))
            #expect(english.body.contains(#"value="1.234,56""#))

            // Leaving without typing anything keeps nothing; an unknown destination is refused.
            try await browser.get("/survey/shopping")
            #expect(try await browser.post("/survey/shopping", [("_leave", "/my-data")]).location == "/my-data")
            #expect(browser.cookies[PendingForms.cookieName] == nil)
            try await browser.get("/survey/shopping")
            #expect(try await browser.post("/survey/shopping", [("_leave", "https://evil.example/")]).status == .badRequest)
        }
    }

    /// The session ended while the page was open, and the respondent signs out from it: they are
    /// told they are signed out, and what they typed waits for them only.
    @Test func signingOutOfAnEndedSessionKeepsTypedValuesForTheirOwnerOnly() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            let (email, owner) = try await browser.signUpThenLoseSession(on: "household")
            let out = try await browser.post("/survey/household", Answers.household + [("_owner", owner), ("_leave", "logout")])
            #expect(out.location == "/?notice=signed-out")
            #expect(browser.cookies[PendingForms.cookieName] != nil)
            // Someone else signs in on this browser: nothing of it.
            let cookie = browser.cookies[PendingForms.cookieName]
            try await browser.signUp()
            try await browser.savePage("consent", Answers.consent)
            #expect(!(try await browser.get("/survey/household")).body.contains(#"value="3""#))
            // It is still there for its owner.
            try await browser.logOut()
            #expect(browser.cookies[PendingForms.cookieName] == cookie)
            _ = try await browser.logIn(email: email)
            let back = try await browser.get("/survey/household")
            #expect(back.body.contains(#"value="3""#))
            #expect(back.body.contains("Sua sessão tinha expirado"))
        }
    }

    /// Signing out from a survey page works whatever the response's state: completed meanwhile
    /// in another tab, the page is still a sign-out.
    @Test func signingOutFromAStaleSurveyPageSignsOut() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            let stale = try await browser.signUpAndOpen("new-store")
            #expect(stale.status == .ok)
            #expect(try await browser.savePage("new-store", Answers.newStore).location == "/survey/thanks")
            try await browser.get("/survey/thanks")
            let out = try await browser.post("/survey/new-store", Answers.newStore + [("_leave", "logout")])
            #expect(out.location == "/?notice=signed-out")
            #expect(try await browser.get("/survey").location?.hasPrefix("/login") == true)
        }
    }

    @Test func goingBackTwoPagesKeepsWhatWasTypedOnBoth() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            try await browser.signUpAndOpen("new-store")
            #expect(try await browser.post("/survey/new-store", [("comment", "Volto já 🙂"), ("_leave", "back")]).location == "/survey/shopping")
            try await browser.get("/survey/shopping")
            let typedSpend = Answers.shopping.map { $0.0 == "monthly_grocery_spend" ? ($0.0, "987,65") : $0 }
            #expect(try await browser.post("/survey/shopping", typedSpend + [("_leave", "back")]).location == "/survey/household")
            // Forward again: each page comes back as it was typed.
            #expect(try await browser.savePage("household", Answers.household).location == "/survey/shopping")
            let shopping = try await browser.get("/survey/shopping")
            #expect(shopping.body.contains(#"value="987,65""#))
            #expect(browser.cookies[PendingForms.cookieName] != nil)  // the other page's still waits
            #expect(try await browser.savePage("shopping", typedSpend).location == "/survey/new-store")
            let newStore = try await browser.get("/survey/new-store")
            #expect(newStore.body.contains("Volto já 🙂"))
            #expect(browser.cookies[PendingForms.cookieName] == nil)
        }
    }

    @Test func whatOneAccountTypedIsNotShownToTheNextOnTheSameBrowser() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            try await browser.signUpAndOpen("household")
            try await browser.post("/survey/household", Answers.household + [("_leave", "logout")])
            #expect(browser.cookies[PendingForms.cookieName] != nil)
            try await browser.signUp()  // someone else, on the same computer
            try await browser.savePage("consent", Answers.consent)
            let page = try await browser.get("/survey/household")
            #expect(!page.body.contains(#"value="3""#))
            #expect(!page.body.contains("Ainda não está salvo"))
        }
    }

    @Test func metricsCountRequestsByRouteAndSurveys() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            try await browser.signUp()
            try await browser.savePage("consent", Answers.consent)
            // The scraper asks the replica itself, not through a balancer (no X-Forwarded-For).
            let scraper = Browser(client)
            scraper.extraHeaders = [:]
            let metrics = try await scraper.get("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = metrics.body
            #expect(text.contains(#"http_route="/survey/{page}""#))
            #expect(text.contains("http_server_request_duration_bucket"))
            #expect(text.contains("survey_responses_started_total"))
            #expect(text.contains("survey_signups_total"))
            #expect(text.contains(#"mariadb_pool_connections{state="size"}"#))
        }
    }
}
