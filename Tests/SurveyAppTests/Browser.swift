import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

@testable import SurveyApp

/// A small browser for tests: keeps cookies, finds the CSRF token of the last page, submits
/// forms the way a browser without JavaScript does, and follows nothing by itself (tests look at
/// each redirect).
final class Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    /// Sent on every request, e.g. `X-Forwarded-For` to act as a given client behind the balancer.
    var extraHeaders: HTTPFields = [:]
    private(set) var lastPage = ""

    init(_ client: any TestClientProtocol, address: String = Browser.randomAddress()) {
        self.client = client
        extraHeaders[HTTPField.Name("X-Forwarded-For")!] = address
    }

    static func randomAddress() -> String { "10.\(Int.random(in: 0...255)).\(Int.random(in: 0...255)).\(Int.random(in: 1...254))" }

    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        var location: String? { headers[.location] }
        var setCookies: [String] { headers[values: .setCookie] }

        /// The text of every `class="error-message"` element.
        var errorMessages: [String] { matches(of: #"class="error-message"[^>]*>([^<]+)<"#) }

        func matches(of pattern: String) -> [String] {
            let regex = try! NSRegularExpression(pattern: pattern)
            return regex.matches(in: body, range: NSRange(body.startIndex..., in: body)).map {
                String(body[Range($0.range(at: 1), in: body)!])
            }
        }

        func hiddenValue(_ name: String) -> String? {
            matches(of: #"name="\#(name)" value="([^"]*)""#).first
        }
    }

    var csrf: String { Page(status: .ok, headers: [:], body: lastPage).hiddenValue("_csrf") ?? "" }

    @discardableResult
    func get(_ path: String, headers: HTTPFields = [:]) async throws -> Page {
        try await send(path, method: .get, headers: headers, body: nil)
    }

    /// Posts `fields` (repeated names allowed) as a browser form. `csrf: true` adds the token of
    /// the last page seen.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf: Bool = true, headers: HTTPFields = [:]) async throws -> Page {
        var all = fields
        if csrf { all.append(("_csrf", self.csrf)) }
        let body = all.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        var fields = headers
        fields[.contentType] = "application/x-www-form-urlencoded"
        return try await send(path, method: .post, headers: fields, body: ByteBuffer(string: body))
    }

    func send(_ path: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> Page {
        var fields = extraHeaders
        for field in headers { fields[field.name] = field.value }
        if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let response = try await client.execute(uri: path, method: method, headers: fields, body: body)
        let page = Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        for cookie in page.setCookies {
            let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let expired = cookie.contains("Max-Age=0") || cookie.range(of: #"Expires=[^;]*1970"#, options: .regularExpression) != nil
                || Self.isPast(cookie)
            if expired { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
        }
        if page.headers[.contentType]?.hasPrefix("text/html") == true { lastPage = page.body }
        return page
    }

    private static func isPast(_ cookie: String) -> Bool {
        guard let range = cookie.range(of: #"Expires=([^;]+)"#, options: .regularExpression) else { return false }
        let text = cookie[range].dropFirst("Expires=".count)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: String(text)).map { $0 <= Date() } ?? false
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }

    // MARK: Journeys

    static let password = "correct horse battery staple"

    /// Signs up a new respondent and returns their email.
    @discardableResult
    func signUp(email: String = "r\(UUID().uuidString.prefix(8).lowercased())@example.com", password: String = Browser.password) async throws -> String {
        try await get("/signup")
        let page = try await post("/signup", [("email", email), ("password", password)])
        guard page.status == .seeOther else { throw TestSetupError("signup answered \(page.status): \(page.errorMessages)") }
        return email
    }

    func logIn(email: String, password: String = Browser.password) async throws -> Page {
        try await get("/login")
        return try await post("/login", [("email", email), ("password", password)])
    }

    func logOut() async throws -> Page {
        try await get("/")  // the token was renewed at login: take it from a fresh page
        return try await post("/logout", [])
    }

    /// Saves every page before `pageID` with the usual answers, in order (consent, household,
    /// shopping), as a respondent who got that far.
    func savePages(before pageID: String) async throws {
        for (id, fields) in Answers.byPage {
            if id == pageID { return }
            let saved = try await savePage(id, fields)
            guard saved.status == .seeOther else { throw TestSetupError("saving \(id) answered \(saved.status): \(saved.errorMessages)") }
        }
    }

    /// A new respondent who saved every page before `pageID` (see `savePages(before:)`) and now
    /// has it open.
    @discardableResult
    func signUpAndOpen(_ pageID: String) async throws -> Page {
        try await signUp()
        try await savePages(before: pageID)
        return try await get("/survey/\(pageID)")
    }

    /// A new respondent gets as far as `pageID`, and the session ends while that page is open.
    /// Returns the account's email and the account id the page's form carries.
    func signUpThenLoseSession(on pageID: String) async throws -> (email: String, owner: String) {
        let email = try await signUp()
        try await savePages(before: pageID)
        let form = try await get("/survey/\(pageID)")
        guard let owner = form.hiddenValue("_owner") else { throw TestSetupError("/survey/\(pageID) has no _owner field") }
        cookies[SessionSettings.cookieName] = nil
        return (email, owner)
    }

    /// Saves a survey page (after loading it, for its token and nonce).
    @discardableResult
    func savePage(_ id: String, _ fields: [(String, String)]) async throws -> Page {
        let form = try await get("/survey/\(id)")
        var all = fields
        if let nonce = form.hiddenValue("_nonce") { all.append(("_nonce", nonce)) }
        return try await post("/survey/\(id)", all)
    }
}

/// Valid answers for every page, as browser form fields.
enum Answers {
    static let consent = [("consent", "yes")]
    static let household = [("age_band", "25-34"), ("district", "centro"), ("household_size", "3"), ("income_band", "C")]
    static let shopping = [
        ("supermarket_frequency", "weekly"), ("monthly_grocery_spend", "1.234,56"), ("current_store", "Mercado Bom Preço"),
        ("transport_mode", "car"), ("priorities", "price"), ("priorities", "proximity"),
    ]
    static let newStore = [("likelihood_new_store", "8"), ("preferred_hours", "evening"), ("comment", "Boa ideia 🙂")]
    /// Every page's answers, in the survey's order.
    static let byPage = [("consent", consent), ("household", household), ("shopping", shopping), ("new-store", newStore)]
}
