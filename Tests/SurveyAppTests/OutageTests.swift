import Foundation
import HTTPTypes
import MariaDB
import Testing

@testable import SurveyApp

/// MariaDB or Redis out of reach (each behind a relay the test cuts): pages answer 503 with
/// `Retry-After`, never 500 and never "signed out"; a survey page being sent comes back with what
/// was typed; and everything works again, sessions included, once the server is back.
@Suite("Outages of MariaDB and Redis")
struct OutageTests {
    enum Server: CaseIterable { case mariadb, redis }

    @Test(arguments: Server.allCases)
    func anOutageIsA503ThatLosesNothing(_ server: Server) async throws {
        let target = try URLComponents(string: AppTestSupport.environment(server == .mariadb ? "TEST_DATABASE_URL" : "TEST_REDIS_URL"))!
        let proxy = try CuttableProxy(toPort: try #require(target.port))
        defer { proxy.stop() }
        try await AppTestSupport.withApp(
            databasePort: server == .mariadb ? proxy.port : nil, redisPort: server == .redis ? proxy.port : nil
        ) { client, _ in
            let browser = Browser(client)
            try await browser.signUpAndOpen("household")

            proxy.cut()
            let sent = try await browser.post("/survey/household", Answers.household)
            #expect(sent.status == .serviceUnavailable)
            #expect(sent.headers[.retryAfter] == "5")
            #expect(sent.body.contains("Não foi possível salvar as respostas desta página agora"))
            #expect(sent.body.contains(#"value="3""#))
            #expect(sent.body.contains(#"value="C" checked"#))
            // A signed-in page: unavailable, not a trip to the login page.
            let page = try await browser.get("/survey/household")
            #expect(page.status == .serviceUnavailable)
            #expect(page.location == nil)
            #expect(page.headers[.retryAfter] == "5")
            #expect(page.body.contains("Serviço indisponível"))
            #expect(!page.body.contains("MariaDB") && !page.body.contains("Redis"))
            if server == .redis {
                // The session could not be read: the header offers neither "sign in" nor the
                // signed-in menu (a respondent told to sign in would only fail again).
                #expect(!page.body.contains(#"href="/login""#))
            }

            proxy.restore()
            // The pools reconnect on their own; the session was never lost.
            let deadline = ContinuousClock.now + .seconds(10)
            var back = try await browser.get("/survey/household")
            while back.status != .ok, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                back = try await browser.get("/survey/household")
            }
            #expect(back.status == .ok)
            #expect(try await browser.savePage("household", Answers.household).location == "/survey/shopping")
        }
    }

    /// Signing up or in while Redis is out: the form comes back with the email typed, saying to
    /// try again, and no account is made that the retry would then call taken.
    @Test func aSignupOrLoginDuringARedisOutageKeepsTheFormAndMakesNoAccount() async throws {
        let target = try URLComponents(string: AppTestSupport.environment("TEST_REDIS_URL"))!
        let proxy = try CuttableProxy(toPort: try #require(target.port))
        defer { proxy.stop() }
        try await AppTestSupport.withApp(redisPort: proxy.port) { client, configuration in
            let existing = Browser(client)
            let registered = try await existing.signUp()
            _ = try await existing.logOut()

            let visitor = Browser(client)
            try await visitor.get("/signup")
            proxy.cut()
            let email = "outage-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let signup = try await visitor.post("/signup", [("email", email), ("password", Browser.password)])
            #expect(signup.status == .serviceUnavailable)
            #expect(signup.headers[.retryAfter] == "5")
            #expect(signup.body.contains(#"value="\#(email)""#))
            #expect(signup.body.contains("Tente de novo em instantes"))
            let made = try await AppTestSupport.withDatabase(configuration) { db in
                try await db.query("SELECT COUNT(*) AS n FROM users WHERE email = \(email)")[0].decode("n", as: Int64.self)
            }
            #expect(made == 0)

            try await existing.get("/login")
            let login = try await existing.post("/login", [("email", registered), ("password", Browser.password)])
            #expect(login.status == .serviceUnavailable)
            #expect(login.body.contains(#"value="\#(registered)""#))

            proxy.restore()
            let deadline = ContinuousClock.now + .seconds(10)
            var again = try await visitor.post("/signup", [("email", email), ("password", Browser.password)])
            while again.status == .serviceUnavailable, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                try await visitor.get("/signup")
                again = try await visitor.post("/signup", [("email", email), ("password", Browser.password)])
            }
            #expect(again.location == "/survey")
        }
    }
}
