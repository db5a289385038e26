import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Redis
import Synchronization
import Testing

@testable import SurveyApp

/// One test per security rule: each fails if its rule is removed.
@Suite("Security rules")
struct SecurityTests {
    @Test func loginIssuesANewSessionIdAndForgetsTheOldOne() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let browser = Browser(client)
            let email = try await browser.signUp()
            let first = try #require(browser.cookies[SessionSettings.cookieName])
            // An attacker plants a known id (their own session) in the victim's browser.
            let victim = Browser(client)
            try await victim.get("/login")
            victim.cookies[SessionSettings.cookieName] = first
            let login = try await victim.post("/login", [("email", email), ("password", Browser.password)])
            #expect(login.status == .seeOther)
            let second = try #require(victim.cookies[SessionSettings.cookieName])
            #expect(second != first)
            // The planted id no longer works for anyone.
            let attacker = Browser(client)
            attacker.cookies[SessionSettings.cookieName] = first
            #expect(try await attacker.get("/survey").location?.hasPrefix("/login") == true)
            // Ids are 256 random bits.
            #expect(Data(base64Encoded: second)?.count == 32)
        }
    }

    @Test func logoutDeletesTheSessionFromRedis() async throws {
        try await AppTestSupport.withApp { client, configuration in
            let browser = Browser(client)
            try await browser.signUp()
            let id = try #require(browser.cookies[SessionSettings.cookieName])
            let redis = RedisClient(configuration: configuration.redis, logger: Logger(label: "check"))
            #expect(try await redis.exists(SessionSettings.keyPrefix + id))
            _ = try await browser.logOut()
            #expect(try await !redis.exists(SessionSettings.keyPrefix + id))
            await redis.shutdown()
        }
    }

    @Test func csrfFailureReRendersTheFormWithWhatWasTyped() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            try await browser.signUpAndOpen("household")
            // No token at all: refused, nothing saved, every typed value back on the page.
            let forged = try await browser.post("/survey/household", Answers.household + [("_csrf", "forged-token-forged-token-forged-token-1234")], csrf: false)
            #expect(forged.status == .forbidden)
            #expect(forged.body.contains(#"value="3""#))
            #expect(forged.body.contains(#"value="C" checked"#))
            #expect(try await browser.get("/survey").location == "/survey/household")
            // The re-rendered page carries a working token.
            #expect(try await browser.post("/survey/household", Answers.household).location == "/survey/shopping")
            // Signup and login forms are protected the same way.
            let anonymous = Browser(client)
            try await anonymous.get("/signup")
            let signup = try await anonymous.post("/signup", [("email", "x@example.com"), ("password", Browser.password)], csrf: false)
            #expect(signup.status == .forbidden)
            #expect(signup.body.contains(#"value="x@example.com""#))
        }
    }

    @Test func cookieFlagsAndSecureBehindAnHttpsBalancer() async throws {
        try await AppTestSupport.withApp { client, _ in
            let plain = Browser(client)
            try await plain.get("/signup")
            let signup = try await plain.post("/signup", [("email", "p\(UUID().uuidString.prefix(6))@example.com"), ("password", Browser.password)])
            let session = try #require(signup.setCookies.first { $0.hasPrefix(SessionSettings.cookieName + "=") })
            #expect(session.contains("HttpOnly"))
            #expect(session.contains("SameSite=Lax"))
            #expect(!session.contains("Secure"))
            let csrf = try #require(signup.setCookies.first { $0.hasPrefix(CSRF.cookieName + "=") })
            #expect(csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"))

            // The trusted balancer says the client used https: every cookie is Secure.
            let secure = Browser(client)
            secure.extraHeaders[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            try await secure.get("/signup")
            let page = try await secure.post("/signup", [("email", "s\(UUID().uuidString.prefix(6))@example.com"), ("password", Browser.password)])
            #expect(page.setCookies.count >= 2)
            #expect(page.setCookies.allSatisfy { $0.contains("; Secure") })
        }
    }

    @Test func forwardedHeadersFromAnUntrustedPeerAreIgnored() async throws {
        try await AppTestSupport.withApp(overrides: ["trusted.proxies": "192.0.2.1"]) { client, _ in
            let browser = Browser(client)
            browser.extraHeaders[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            let page = try await browser.get("/signup")
            #expect(page.headers[.strictTransportSecurity] == nil)
            #expect(page.setCookies.allSatisfy { !$0.contains("Secure") })
        }
    }

    @Test func securityHeadersOnPagesAndErrorPages() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            for path in ["/", "/login", "/no-such-page", "/static/app.css"] {
                let page = try await browser.get(path)
                let csp = try #require(page.headers[.contentSecurityPolicy], "no CSP on \(path)")
                #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
                #expect(page.headers[.strictTransportSecurity] == nil)
            }
            // No inline script anywhere in the pages.
            #expect(!(try await browser.get("/signup")).body.contains("<script"))
            browser.extraHeaders[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            #expect(try await browser.get("/").headers[.strictTransportSecurity]?.hasPrefix("max-age=") == true)
        }
    }

    @Test(arguments: ["maria@example.com", "joão.silva+pesquisa@exemplo.com.br", "a_b-c@sub.domínio.com", "o'neil@x.co"])
    func plausibleEmailsAreAccepted(_ email: String) {
        #expect(EmailAddress.isPlausible(email))
    }

    @Test(arguments: ["<script>@x.com", "a@b", "a@b.c", "a..b@x.com", ".a@x.com", "a.@x.com", "a@-x.com", "a@x-.com",
                      "a@x..com", "a@x.com.", "a b@x.com", "a@x.c0m", "\"a\"@x.com", "a(b)@x.com", "a@x_y.com", "@x.com", "a@"])
    func implausibleEmailsAreRefused(_ email: String) {
        #expect(!EmailAddress.isPlausible(email))
    }

    @Test func fiveFailedLoginsGiveA429WithRetryAfter() async throws {
        try await AppTestSupport.withApp { client, _ in
            let owner = Browser(client)
            let email = try await owner.signUp()
            let neighbourEmail = try await Browser(client).signUp()
            let address = Browser.randomAddress()
            let attacker = Browser(client, address: address)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 {
                statuses.append(try await attacker.logIn(email: email, password: "wrong password \(UUID())").status)
            }
            #expect(statuses.dropLast().allSatisfy { $0 == .unprocessableContent })
            #expect(statuses.last == .tooManyRequests)
            // Now even the right password is refused from there for a while, with a clear message and a wait.
            let blocked = try await attacker.logIn(email: email)
            #expect(blocked.status == .tooManyRequests)
            let retry = try #require(blocked.headers[.retryAfter].flatMap(Int.init))
            #expect(retry > 0 && retry <= 15 * 60)
            #expect(blocked.body.contains("Muitas tentativas"))
            // Someone else behind the same address (shared Wi-Fi) still gets in, and so does the
            // owner from their own address.
            #expect(try await Browser(client, address: address).logIn(email: neighbourEmail).status == .seeOther)
            #expect(try await Browser(client).logIn(email: email).status == .seeOther)
        }
    }

    @Test func ipv6AddressesAreCountedByTheirSlash64() {
        #expect(LoginThrottle.network("2001:db8:1:2:aaaa::1") == LoginThrottle.network("2001:db8:1:2:ffff:1:2:3"))
        #expect(LoginThrottle.network("2001:db8:1:2::1") == "20010db800010002::/64")
        #expect(LoginThrottle.network("2001:db8:1:3::1") != LoginThrottle.network("2001:db8:1:2::1"))
        #expect(LoginThrottle.network("203.0.113.7") == "203.0.113.7")
    }

    /// Emails are compared exactly: an accented twin is another mailbox, and neither finds the
    /// other's account (nor its failure counts).
    @Test func emailsAreComparedExactly() async throws {
        try await AppTestSupport.withApp { client, _ in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let plain = try await Browser(client).signUp(email: "jose\(tag)@example.com")
            let accented = try await Browser(client).signUp(email: "josé\(tag)@example.com")
            #expect(plain != accented)
            #expect(try await Browser(client).logIn(email: "JOSE\(tag)@example.com").status == .seeOther)  // case still folds
            #expect(try await Browser(client).logIn(email: "jôse\(tag)@example.com").status == .unprocessableContent)
        }
    }

    @Test func failuresSpreadOverAddressesLockTheAccountAtThirty() async throws {
        try await AppTestSupport.withApp { client, _ in
            let email = try await Browser(client).signUp()
            for _ in 0..<5 {
                let attacker = Browser(client)
                for _ in 0..<5 { _ = try await attacker.logIn(email: email, password: "guess guess guess") }
            }
            // 25 failures: the account still opens with its password from a new address…
            #expect(try await Browser(client).logIn(email: email).status == .seeOther)
            // …which clears the account's count; 30 more lock it everywhere.
            for _ in 0..<6 {
                let attacker = Browser(client)
                for _ in 0..<5 { _ = try await attacker.logIn(email: email, password: "guess guess guess") }
            }
            #expect(try await Browser(client).logIn(email: email).status == .tooManyRequests)
        }
    }

    @Test func failuresFromOneAddressAcrossAccountsAreLimited() async throws {
        try await AppTestSupport.withApp { client, _ in
            let address = Browser.randomAddress()
            let attacker = Browser(client, address: address)
            var statuses: [HTTPResponse.Status] = []
            for n in 0..<50 {
                statuses.append(try await attacker.logIn(email: "nobody\(n)-\(UUID().uuidString.prefix(4))@example.com", password: "guess guess guess").status)
            }
            #expect(statuses.dropLast().allSatisfy { $0 == .unprocessableContent })
            #expect(statuses.last == .tooManyRequests)
        }
    }

    @Test func unknownEmailAndWrongPasswordLookTheSame() async throws {
        try await AppTestSupport.withApp { client, _ in
            let owner = Browser(client)
            let email = try await owner.signUp()
            let wrongPassword = try await Browser(client).logIn(email: email, password: "not the password at all")
            let unknownEmail = try await Browser(client).logIn(email: "nobody-\(UUID().uuidString.prefix(6))@example.com", password: "not the password at all")
            #expect(wrongPassword.status == unknownEmail.status)
            let message = { (page: Browser.Page) in page.matches(of: #"class="notice" role="alert"><p>([^<]+)<"#) }
            #expect(message(wrongPassword) == ["E-mail ou senha incorretos."])
            #expect(message(wrongPassword) == message(unknownEmail))
        }
    }

    @Test func bodiesOver64KiBGetThe413Page() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            try await browser.get("/signup")
            let big = try await browser.post("/signup", [("email", "a@example.com"), ("password", String(repeating: "x", count: 70 * 1024))])
            #expect(big.status == .contentTooLarge)
            #expect(big.body.contains("<h1>Envio grande demais</h1>"))
            // Just under the limit is an ordinary form.
            let fits = try await browser.post("/signup", [("email", "a@example.com"), ("password", String(repeating: "x", count: 60 * 1024))])
            #expect(fits.status != .contentTooLarge)
        }
    }

    @Test func errorPagesShowNoInternals() async throws {
        try await AppTestSupport.withApp { client, _ in
            let browser = Browser(client)
            let page = try await browser.get("/nope")
            #expect(page.status == .notFound)
            #expect(page.body.contains("<h1>Página não encontrada</h1>"))
            // Invalid UTF-8 in a form is the user's problem (400), explained, without a trace.
            try await browser.get("/signup")
            let bad = try await browser.send("/signup", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: .init(bytes: [0x65, 0x3D, 0xFF, 0xFE]))
            #expect(bad.status == .badRequest)
            #expect(!bad.body.contains("Error") && !bad.body.contains("SELECT"))
        }
    }

    @Test func anUnreachableServerIsA503PageAndIsLogged() async throws {
        let lines = LogCapture()
        var logger = Logger(label: "SurveyApp") { _ in CapturingLogHandler(sink: lines) }
        logger.logLevel = .info
        // Redis is unreachable: the login throttle cannot be consulted, so the login cannot go on.
        try await AppTestSupport.withApp(overrides: ["redis.url": "redis://127.0.0.1:1/0"], logger: logger) { client, _ in
            let browser = Browser(client)
            try await browser.get("/login")
            // The login form comes back as typed, saying to try again.
            let form = try await browser.post("/login", [("email", "someone@example.com"), ("password", Browser.password)])
            #expect(form.status == .serviceUnavailable)
            #expect(form.headers[.retryAfter] == "5")
            #expect(form.body.contains("Tente de novo em instantes"))
            #expect(form.body.contains(#"value="someone@example.com""#))
            // A signed-in page (its session cannot be read): the 503 page, in the site's layout.
            browser.cookies[SessionSettings.cookieName] = String(repeating: "A", count: 43) + "="
            let page = try await browser.get("/survey")
            #expect(page.status == .serviceUnavailable)
            #expect(page.headers[.retryAfter] == "5")
            #expect(page.body.contains("<h1>Serviço indisponível</h1>"))
            #expect(page.body.contains(#"<link rel="stylesheet" href="/static/app.css">"#))
            for leak in ["Redis", "redis", "Error", "127.0.0.1", "refused", ".swift"] {
                #expect(!form.body.contains(leak), "the login form mentions \(leak)")
                #expect(!page.body.contains(leak), "the 503 page mentions \(leak)")
            }
        }
        #expect(lines.entries.contains { $0.level == .warning && $0.message == "login during an outage" })
        #expect(lines.entries.contains { $0.level == .error && $0.message == "request failed" })
    }

    /// The balancer's `X-Request-ID` (from a trusted proxy, well formed) becomes the request's id:
    /// in the app's log lines and in the `X-Request-Id` the client gets.
    @Test func aTrustedBalancersRequestIDIsTheRequestsID() async throws {
        let lines = LogCapture()
        var logger = Logger(label: "SurveyApp") { _ in CapturingLogHandler(sink: lines) }
        logger.logLevel = .info
        let id = "0123456789abcdef0123456789abcdef"
        try await AppTestSupport.withApp(logger: logger) { client, _ in
            let browser = Browser(client)
            let page = try await browser.get("/", headers: [.xRequestID: id])
            #expect(page.headers[.xRequestID] == id)
            // Anything that could forge a log line is not adopted.
            let odd = try await browser.get("/", headers: [.xRequestID: "short"])
            #expect(odd.headers[.xRequestID] != "short")
        }
        #expect(lines.entries.contains { $0.message == "request" && $0.metadata["hb.request.id"]?.description == id })
        // From an address that is not a trusted balancer, the header is ignored.
        try await AppTestSupport.withApp(overrides: ["trusted.proxies": "192.0.2.1"]) { client, _ in
            let page = try await Browser(client).get("/", headers: [.xRequestID: id])
            #expect(page.headers[.xRequestID] != id)
        }
    }

    @Test func infoLogsCarryRequestIdsAndNoPersonalData() async throws {
        let lines = LogCapture()
        var logger = Logger(label: "SurveyApp") { _ in CapturingLogHandler(sink: lines) }
        logger.logLevel = .info
        let email = "private.person\(UUID().uuidString.prefix(6))@example.com"
        let address = "203.0.113.77"
        let secretText = "Meu segredo de mercado 🌳"
        try await AppTestSupport.withApp(logger: logger) { client, _ in
            let browser = Browser(client, address: address)
            try await browser.signUp(email: email)
            try await browser.savePage("consent", Answers.consent)
            let saved = try await browser.savePage("household", Answers.household.filter { $0.0 != "district" } + [("district", "other"), ("district_other", secretText), ("_presented", "district_other")])
            #expect(saved.location == "/survey/shopping")
            _ = try await browser.logOut()
            _ = try await browser.logIn(email: email, password: "wrong password here")
            #expect(try await browser.get("/readyz").status == .ok)
        }
        let all = lines.entries
        let requests = all.filter { $0.message == "request" }
        #expect(requests.count >= 8)
        // Health checks come every few seconds: they are logged at debug, not info.
        #expect(!requests.contains { $0.metadata["route"]?.description == "/readyz" })
        #expect(requests.allSatisfy { $0.metadata["hb.request.id"] != nil })
        for entry in all {
            let text = "\(entry.message) \(entry.metadata)"
            #expect(!text.contains(email) && !text.contains("private.person"), "email in log: \(text)")
            #expect(!text.contains(address), "address in log: \(text)")
            #expect(!text.contains("segredo"), "free text in log: \(text)")
        }
    }
}

/// Collects log entries in memory, from every logger made with `handler()`.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])
    var entries: [Entry] { storage.withLock { $0 } }
    func append(_ entry: Entry) { storage.withLock { $0.append(entry) } }
}

/// A value-type handler (each logger copy has its own metadata, as Hummingbird expects) that
/// writes into a shared `LogCapture`.
struct CapturingLogHandler: LogHandler {
    let sink: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        sink.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
