import Foundation
import HTTPTypes
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
            try await browser.signUp()
            try await browser.savePage("consent", Answers.consent)
            try await browser.get("/survey/household")

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
}
