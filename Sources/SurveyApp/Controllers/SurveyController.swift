import Foundation
import CoreMetrics
import Hummingbird
import HummingbirdAuth
import LibCrypto
import Logging
import MariaDB

/// The questionnaire, one page at a time, entirely on the server: each page is validated against
/// the survey definition and saved as a draft when the respondent moves on, so they can stop and
/// come back to the first page they have not finished. The last page completes the response once.
struct SurveyController {
    let renderer: PageRenderer
    let survey: SurveyDefinition
    let view: QuestionnaireView
    let responses: any ResponseRepository
    let users: any UserRepository
    let pending: PendingForms
    let metrics: AppMetrics

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/survey", use: resume)
        router.get("/survey/thanks", use: thanks)
        router.get("/survey/ended", use: ended)
        router.get("/survey/{page}", use: show)
        router.post("/survey/{page}", use: save)
    }

    /// Where the respondent should be: the first unsaved page, or the thank-you page.
    @Sendable func resume(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user else { return signIn(request) }
        if user.role != .respondent { return .redirect(to: "/research", type: .normal) }
        guard let stored = try await storedResponse(of: user) else { return AccountController.accountGone(context) }
        return .redirect(to: location(for: stored), type: .normal)
    }

    @Sendable func thanks(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user else { return signIn(request) }
        guard let stored = try await responses.load(userID: user.userID), stored.isCompleted else {
            return .redirect(to: "/survey", type: .normal)
        }
        return try renderer.render("thanks", titleKey: "thanks.title", request: request, context: context)
    }

    /// The survey ended early for this respondent (under 18), for good.
    @Sendable func ended(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user else { return signIn(request) }
        guard let stored = try await responses.load(userID: user.userID), stored.screenedOut else {
            return .redirect(to: "/survey", type: .normal)
        }
        return try renderer.render("ended", titleKey: "ended.title", request: request, context: context)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user else { return signIn(request) }
        if user.role != .respondent { return .redirect(to: "/research", type: .normal) }
        let index = try pageIndex(context)
        guard let stored = try await storedResponse(of: user) else { return AccountController.accountGone(context) }
        if let detour = detour(stored, index) { return detour }
        // Typed before the session ended, or before the respondent left the page, and never
        // saved: shown again, to check and save.
        if let kept = try await pending.take(request, page: survey.pages[index].id, userID: user.userID) {
            let notice = kept.sessionHadEnded ? "survey.restored" : "survey.kept"
            var response = try render(request, context, index: index, values: kept.values, stored: stored, errors: [], notice: notice)
            if kept.wasLast {
                response.headers.append(.init(name: .setCookie, value: PendingForms.expiredCookie(secure: context.isSecure).description))
            }
            return response
        }
        let values = QuestionnaireView.formValues(stored.answers, language: context.language)
        return try render(request, context, index: index, values: values, stored: stored, errors: [])
    }

    @Sendable func save(_ request: Request, context: AppRequestContext) async throws -> Response {
        let index = try pageIndex(context)
        let form = try await FormData.read(request, context: context)
        let page = survey.pages[index]
        let values = Dictionary(uniqueKeysWithValues: page.questions.map { ($0.code, form[$0.code]) })
        do {
            if context.sessionsUnavailable { throw DependencyUnavailable() }
            return try await save(form, values: values, page: index, request: request, context: context)
        } catch where DependencyUnavailable.isOutage(error) {
            // MariaDB or Redis out of reach: nothing was saved, and the page comes back as typed.
            context.logger.error("survey page not saved: a server is unavailable", metadata: ["error.type": "\(String(reflecting: type(of: error)))", "error": "\(error)"])
            var response = try render(request, context, index: index, values: values, stored: StoredResponse(), errors: [], notice: "survey.unavailable", status: .serviceUnavailable)
            response.headers[.retryAfter] = DependencyUnavailable.retryAfter
            return response
        }
    }

    private func save(
        _ form: FormData, values: [String: [String]], page index: Int, request: Request, context: AppRequestContext
    ) async throws -> Response {
        let page = survey.pages[index]
        let leave = form.first("_leave")
        guard let user = context.user else {
            // The session ended while the page was open: keep what was typed for after the login,
            // for the account the page was shown to (its id travels in the form), so that no one
            // else who signs in on this browser gets it.
            var response = leave == "logout" ? .redirect(to: "/?notice=signed-out", type: .normal) : signIn(request, expired: true)
            if CSRF.isValid(form, request), let owner = form.first("_owner").flatMap(Int64.init) {
                try await keep(values, of: page, for: owner, sessionEnded: true, in: &response, request: request, context: context)
            }
            return response
        }
        if user.role != .respondent { return .redirect(to: "/research", type: .normal) }
        if leave == "logout", CSRF.isValid(form, request) {
            // Signing out comes first: nothing about the response (completed meanwhile in another
            // tab, or out of reach) may keep the session open.
            var response = try AccountController.signedOut(context)
            try await keep(values, of: page, for: user.userID, sessionEnded: false, in: &response, request: request, context: context)
            return response
        }
        let stored = try await responses.load(userID: user.userID) ?? StoredResponse()
        if stored.isCompleted { return .redirect(to: "/survey/thanks", type: .normal) }  // a resent final POST
        if let detour = detour(stored, index) { return detour }
        guard CSRF.isValid(form, request) else {
            // Nothing typed is lost: the page comes back with its values and a new token.
            return try render(request, context, index: index, values: values, stored: stored, errors: [], notice: "form.expired", status: .forbidden, renewCSRF: true)
        }
        if let leave {
            return try await self.leave(leave, page: index, values: values, stored: stored, user: user, request: request, context: context)
        }
        let presented = Set((form.first("_presented") ?? "").split(separator: " ").map(String.init))
        var previous = stored.answers
        for question in page.questions { previous[question.code] = nil }

        switch PageValidator(survey: survey).validate(page: page, form: values, previous: previous, presented: presented) {
        case .invalid(let errors):
            return try render(request, context, index: index, values: values, stored: stored, errors: errors, status: .unprocessableContent)
        case .needsFollowUp(let followUps, _):
            return try render(request, context, index: index, values: values, stored: stored, errors: [], followUps: Set(followUps))
        case .endsSurvey:
            try await responses.screenOut(userID: user.userID)
            context.logger.info("survey ended early by an answer")
            return .redirect(to: "/survey/ended", type: .normal)
        case .valid(let answers):
            do {
                return try await store(answers, page: index, form: form, user: user, context: context)
            } catch let error as MariaDBError where error.code == 1452 {
                // The account was deleted (from another device) while this page was open.
                return AccountController.accountGone(context)
            }
        }
    }

    /// Saves a valid page: a draft, or the completed response on the last page.
    private func store(_ answers: [String: AnswerValue], page index: Int, form: FormData, user: UserSession, context: AppRequestContext) async throws -> Response {
        if index == survey.pages.count - 1 {
            let nonce = try form.first("_nonce").flatMap { $0.utf8.count == 43 ? $0 : nil } ?? SecureRandom.token()
            switch try await responses.complete(userID: user.userID, page: index, answers: answers, nonce: nonce) {
            case .completed:
                metrics.surveysCompleted.increment()
                context.logger.info("survey completed")
            case .alreadyCompleted:
                break
            case .missingPage(let missing):
                return .redirect(to: "/survey/\(survey.pages[missing].id)", type: .normal)
            case .screenedOut:
                return .redirect(to: "/survey/ended", type: .normal)
            }
            return .redirect(to: "/survey/thanks", type: .normal)
        }
        if try await responses.saveDraft(userID: user.userID, page: index, answers: answers) {
            metrics.surveysStarted.increment()
        }
        return .redirect(to: "/survey/\(survey.pages[index + 1].id)", type: .normal)
    }

    /// Leaves the page another way than saving it: going back, switching language, or following a
    /// link of the header (on survey pages these submit the form, so that what was typed travels
    /// with them; signing out is handled before the response is even loaded). Nothing is
    /// validated or saved; what was typed, if it differs from what is saved, is kept for when
    /// this page shows again.
    private func leave(
        _ destination: String, page index: Int, values: [String: [String]], stored: StoredResponse, user: UserSession,
        request: Request, context: AppRequestContext
    ) async throws -> Response {
        var response: Response
        switch destination {
        case "back":
            response = .redirect(to: "/survey/\(survey.pages[max(index - 1, 0)].id)", type: .normal)
        case "/survey", "/my-data":
            response = .redirect(to: destination, type: .normal)
        case let language where language.hasPrefix("language:") && renderer.catalog.languages.contains(String(language.dropFirst(9))):
            let here = "/survey/\(survey.pages[index].id)"
            response = .redirect(to: "/language/\(language.dropFirst(9))?next=" + (here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"), type: .normal)
        default:
            throw HTTPError(.badRequest, message: "Unknown destination.")
        }
        try await keep(values, of: survey.pages[index], for: user.userID, sessionEnded: false, unlessSaved: stored, in: &response, request: request, context: context)
        return response
    }

    /// Keeps what was typed on `page` for `owner` (see `PendingForms`) and sets the browser's
    /// cookie on `response`: not when nothing was typed, nor when it is what `unlessSaved` holds.
    private func keep(
        _ values: [String: [String]], of page: SurveyDefinition.Page, for owner: Int64, sessionEnded: Bool, unlessSaved stored: StoredResponse? = nil,
        in response: inout Response, request: Request, context: AppRequestContext
    ) async throws {
        let saved = stored.map { QuestionnaireView.formValues($0.answers, language: context.language) } ?? [:]
        let typed = page.questions.contains { question in
            let filled = { (values: [String]?) in (values ?? []).filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } }
            return filled(values[question.code]) != filled(saved[question.code])
        }
        guard typed, let cookie = try await pending.keep(
            request, page: page.id, values: values, userID: owner, sessionEnded: sessionEnded, secure: context.isSecure)
        else { return }
        response.headers.append(.init(name: .setCookie, value: cookie.description))
    }

    // MARK: -

    private func render(
        _ request: Request, _ context: AppRequestContext, index: Int, values: [String: [String]], stored: StoredResponse,
        errors: [FieldError], followUps: Set<String> = [], notice: String? = nil, status: HTTPResponse.Status = .ok, renewCSRF: Bool = false
    ) throws -> Response {
        var previous = stored.answers
        for question in survey.pages[index].questions { previous[question.code] = nil }
        var page = view.page(index: index, language: context.language, values: values, errors: errors, previous: previous, followUps: followUps)
        page["owner"] = context.user.map { String($0.userID) } ?? ""
        page["surveyTitle"] = survey.title[context.language]
        if index == survey.pages.count - 1 { page["nonce"] = try SecureRandom.token() }
        if let notice { page["notice"] = renderer.catalog.text(notice, context.language) }
        var headers = HTTPFields()
        if renewCSRF {
            let fresh = try CSRF.fresh(secure: context.isSecure)
            page["csrf"] = fresh.token
            headers.append(.init(name: .setCookie, value: fresh.cookie.description))
        }
        return try renderer.render("survey-page", titleKey: "survey.title", status: status, request: request, context: context, values: page, headers: headers)
    }

    private func pageIndex(_ context: AppRequestContext) throws -> Int {
        let id = context.parameters.get("page") ?? ""
        guard let index = survey.pages.firstIndex(where: { $0.id == id }) else { throw HTTPError(.notFound) }
        return index
    }

    /// Completed responses go to the thank-you page; pages beyond the first unsaved one wait.
    private func detour(_ stored: StoredResponse, _ index: Int) -> Response? {
        if stored.isCompleted { return .redirect(to: "/survey/thanks", type: .normal) }
        if stored.screenedOut { return .redirect(to: "/survey/ended", type: .normal) }
        if let first = stored.firstUnsavedPage(of: survey), index > first {
            return .redirect(to: "/survey/\(survey.pages[first].id)", type: .normal)
        }
        return nil
    }

    /// The respondent's response so far (empty before the first save), or nil if the account
    /// itself is gone: deleted on another device while this session lived on.
    private func storedResponse(of user: UserSession) async throws -> StoredResponse? {
        if let stored = try await responses.load(userID: user.userID) { return stored }
        return try await users.find(id: user.userID) == nil ? nil : StoredResponse()
    }

    private func location(for stored: StoredResponse) -> String {
        if stored.isCompleted { return "/survey/thanks" }
        if stored.screenedOut { return "/survey/ended" }
        return "/survey/\(survey.pages[stored.firstUnsavedPage(of: survey) ?? 0].id)"
    }

    private func signIn(_ request: Request, expired: Bool = false) -> Response {
        return .redirect(to: "/login?next=\(PageRenderer.returnPath(request))" + (expired ? "&notice=expired" : ""), type: .normal)
    }
}
