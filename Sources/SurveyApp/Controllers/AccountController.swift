import Foundation
import CoreMetrics
import Hummingbird
import HummingbirdAuth
import Logging

/// Signup, login and logout. Sessions begin only at login, with a new random id each time (no
/// fixation), and the CSRF token is renewed with them.
struct AccountController {
    let renderer: PageRenderer
    let users: any UserRepository
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    let sessions: any PersistDriver
    let sessionCookie: String
    let idleTimeout: Duration
    let metrics: AppMetrics

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/signup", use: showSignup)
        router.post("/signup", use: signup)
        router.get("/login", use: showLogin)
        router.post("/login", use: login)
        router.post("/logout", use: logout)
    }

    // MARK: Signup

    @Sendable func showSignup(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.user != nil { return .redirect(to: "/survey", type: .normal) }
        return try renderSignup(request, context, email: "", errors: [:])
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context: context)
        let email = (form.first("email") ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let password = form.first("password") ?? ""
        guard CSRF.isValid(form, request) else {
            return try renderSignup(request, context, email: email, errors: [:], notice: "form.expired", status: .forbidden, renewCSRF: true)
        }
        var errors: [String: String] = [:]
        if !EmailAddress.isPlausible(email) { errors["email"] = "account.error.email" }
        switch PasswordPolicy.problem(password: password, email: email) {
        case .tooShort?: errors["password"] = "account.error.passwordShort"
        case .tooCommon?: errors["password"] = "account.error.passwordCommon"
        case .sameAsEmail?: errors["password"] = "account.error.passwordEmail"
        case nil: break
        }
        if !errors.isEmpty { return try renderSignup(request, context, email: email, errors: errors, status: .unprocessableContent) }

        do {
            let hash = try await hasher.hash(password)
            // The session store is asked just before the account is made: an account made while
            // no session can start would be answered "try again", and the retry would then say
            // the address is taken. (The session itself is written after this handler; Redis
            // failing in those few milliseconds still gives the 503 page.)
            _ = try await sessions.get(key: SessionSettings.keyPrefix + "reachability-probe", as: UserSession.self)
            guard let id = try await users.create(email: email, passwordHash: hash, role: .respondent) else {
                return try renderSignup(request, context, email: email, errors: ["email": "account.error.emailTaken"], status: .unprocessableContent)
            }
            context.logger.info("account created")
            metrics.signups.increment()
            return try await startSession(request, context, user: User(id: id, email: email, passwordHash: hash, role: .respondent), next: "/survey")
        } catch where DependencyUnavailable.isOutage(error) {
            context.logger.warning("signup during an outage", metadata: ["error": "\(error)"])
            return try renderUnavailable("signup", titleKey: "signup.title", request, context, email: email)
        }
    }

    /// MariaDB or Redis out of reach: the form again with what was typed (the password aside),
    /// saying to try again in a moment.
    private func renderUnavailable(_ template: String, titleKey: String, _ request: Request, _ context: AppRequestContext, email: String, next: String? = nil) throws -> Response {
        try renderAccountForm(
            template, titleKey: titleKey, request, context, email: email, errors: [:], notice: "errors.503.message",
            status: .serviceUnavailable, next: next, headers: [.retryAfter: DependencyUnavailable.retryAfter])
    }

    private func renderSignup(
        _ request: Request, _ context: AppRequestContext, email: String, errors: [String: String], notice: String? = nil,
        status: HTTPResponse.Status = .ok, renewCSRF: Bool = false
    ) throws -> Response {
        try renderAccountForm("signup", titleKey: "signup.title", request, context, email: email, errors: errors, notice: notice, status: status, renewCSRF: renewCSRF)
    }

    // MARK: Login

    @Sendable func showLogin(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.user != nil { return .redirect(to: "/survey", type: .normal) }
        let notice = request.uri.queryParameters["notice"].map(String.init).flatMap { ["expired": "login.notice.expired"][$0] }
        return try renderLogin(request, context, email: "", errors: [:], notice: notice)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context: context)
        let email = (form.first("email") ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let password = form.first("password") ?? ""
        let next = Self.requestedPage(form.first("next"))
        guard CSRF.isValid(form, request) else {
            return try renderLogin(request, context, email: email, errors: [:], notice: "form.expired", status: .forbidden, next: next, renewCSRF: true)
        }
        do {
            return try await login(email: email, password: password, next: next, request, context)
        } catch where DependencyUnavailable.isOutage(error) {
            context.logger.warning("login during an outage", metadata: ["error": "\(error)"])
            return try renderUnavailable("login", titleKey: "login.title", request, context, email: email, next: next)
        }
    }

    private func login(email: String, password: String, next: String?, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        if case .blocked(let seconds) = try await throttle.check(email: email, address: context.clientAddress) {
            return try renderThrottled(request, context, email: email, retryAfter: seconds, next: next)
        }
        let user = try await users.find(email: email)
        let verdict: PasswordHasher.Verdict
        if let user {
            verdict = try await hasher.verify(password, against: user.passwordHash)
        } else {
            try await hasher.verifyNothing(password)
            verdict = .mismatch
        }
        guard let user, verdict != .mismatch else {
            context.logger.info("login refused")
            if case .blocked(let seconds) = try await throttle.recordFailure(email: email, address: context.clientAddress) {
                return try renderThrottled(request, context, email: email, retryAfter: seconds, next: next)
            }
            // One message whether the account exists or not.
            return try renderLogin(request, context, email: email, errors: [:], notice: "login.error.invalid", status: .unprocessableContent, next: next)
        }
        try await throttle.recordSuccess(email: email, address: context.clientAddress)
        if verdict == .matchNeedsRehash {
            try await users.updatePasswordHash(id: user.id, passwordHash: try await hasher.hash(password))
        }
        context.logger.info("login")
        let home = user.role == .respondent ? "/survey" : "/research"
        return try await startSession(request, context, user: user, next: next ?? home)
    }

    /// The page the login was asked from, if a usable one: none (empty, the home page, or a
    /// path refused by `localPath`) leads to the role's own home after login.
    static func requestedPage(_ next: String?) -> String? {
        guard let next, !next.isEmpty else { return nil }
        let path = PageRenderer.localPath(next)
        return path == "/" ? nil : path
    }

    private func renderThrottled(_ request: Request, _ context: AppRequestContext, email: String, retryAfter: Int, next: String?) throws -> Response {
        context.logger.notice("login throttled")
        let minutes = max(1, (retryAfter + 59) / 60)
        return try renderAccountForm(
            "login", titleKey: "login.title", request, context, email: email, errors: [:],
            notice: "login.error.throttled", noticeArguments: ["minutes": "\(minutes)"], status: .tooManyRequests, next: next,
            headers: [.retryAfter: "\(retryAfter)"])
    }

    private func renderLogin(
        _ request: Request, _ context: AppRequestContext, email: String, errors: [String: String], notice: String? = nil,
        status: HTTPResponse.Status = .ok, next: String? = nil, renewCSRF: Bool = false
    ) throws -> Response {
        let next = next ?? Self.requestedPage(request.uri.queryParameters["next"].map(String.init))
        return try renderAccountForm("login", titleKey: "login.title", request, context, email: email, errors: errors, notice: notice, status: status, next: next, renewCSRF: renewCSRF)
    }

    // MARK: Logout

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context: context)
        guard CSRF.isValid(form, request) else { throw HTTPError(.forbidden) }
        return try Self.signedOut(context)
    }

    /// The account behind a live session no longer exists (deleted on another device): the
    /// session ends, and the home page says the account was deleted.
    static func accountGone(_ context: AppRequestContext) -> Response {
        context.sessions.clearSession()
        context.logger.info("session of a deleted account ended")
        return .redirect(to: "/?notice=deleted", type: .normal)
    }

    /// Ends the session: the home page says so, and the browser gets a fresh CSRF token.
    static func signedOut(_ context: AppRequestContext) throws -> Response {
        context.sessions.clearSession()
        var response = Response.redirect(to: "/?notice=signed-out", type: .normal)
        response.headers.append(.init(name: .setCookie, value: try CSRF.fresh(secure: context.isSecure).cookie.description))
        return response
    }

    // MARK: Shared

    /// Signs `user` in under a brand-new session id; the id the browser had (if any) is deleted.
    private func startSession(_ request: Request, _ context: AppRequestContext, user: User, next: String) async throws -> Response {
        if let old = request.cookies[sessionCookie]?.value {
            try? await sessions.remove(key: SessionSettings.keyPrefix + old)
        }
        let session = UserSession(userID: user.id, role: user.role, signedInAt: Int64(Date().timeIntervalSince1970))
        context.sessions.createSession(session, expiresIn: idleTimeout)
        var response = Response.redirect(to: next, type: .normal)
        response.headers.append(.init(name: .setCookie, value: try CSRF.fresh(secure: context.isSecure).cookie.description))
        return response
    }

    private func renderAccountForm(
        _ template: String, titleKey: String, _ request: Request, _ context: AppRequestContext, email: String,
        errors: [String: String], notice: String?, noticeArguments: [String: String] = [:], status: HTTPResponse.Status,
        next: String? = nil, renewCSRF: Bool = false, headers: HTTPFields = [:]
    ) throws -> Response {
        let language = context.language
        let catalog = renderer.catalog
        var values: [String: Any] = ["email": email]
        // Only a real destination: the template would send an empty one too, and "" is not "none".
        if let next, !next.isEmpty { values["next"] = next }
        var summary: [[String: Any]] = []
        for field in ["email", "password"] {
            guard let key = errors[field] else { continue }
            let message = catalog.text(key, language, ["min": "\(PasswordPolicy.minimumLength)"])
            values["\(field)Error"] = message
            summary.append(["field": field, "label": catalog.text("account.\(field)", language), "message": message])
        }
        values["errors"] = summary
        values["hasErrors"] = !summary.isEmpty
        if let notice { values["notice"] = catalog.text(notice, language, noticeArguments) }
        var fields = headers
        if renewCSRF {
            // The cookie was missing or stale: issue a new token that this very page carries.
            let fresh = try CSRF.fresh(secure: context.isSecure)
            values["csrf"] = fresh.token
            fields.append(.init(name: .setCookie, value: fresh.cookie.description))
        }
        return try renderer.render(template, titleKey: titleKey, status: status, request: request, context: context, values: values, headers: fields)
    }
}

enum SessionSettings {
    static let cookieName = "survey_session"
    static let keyPrefix = "session:"
}

enum EmailAddress {
    /// Good enough to catch typos and junk (`<script>@x.com`); the only real check would be
    /// sending mail. The local part takes letters (any script), digits and the atom characters of
    /// RFC 5322, in dot-separated runs; the domain, labels of letters, digits and inner hyphens,
    /// at least two, the last of two letters or more.
    static func isPlausible(_ email: String) -> Bool {
        guard email.utf8.count <= 254, !email.contains(where: { $0.isWhitespace }) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return false }
        let atom = Set("!#$%&'*+/=?^_`{|}~-")
        let local = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard local.allSatisfy({ run in !run.isEmpty && run.allSatisfy { $0.isLetter || $0.isNumber || atom.contains($0) } }) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }) else { return false }
        return labels.last!.count >= 2 && labels.last!.allSatisfy(\.isLetter)
    }
}
