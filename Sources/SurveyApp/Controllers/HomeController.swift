import Foundation
import Hummingbird

/// The home page, the language switch and the researchers' landing page.
struct HomeController {
    let renderer: PageRenderer
    let survey: SurveyDefinition
    let database: any ResearchSummary

    /// Notices a redirect may ask the home page to show, by key (never free text from the URL).
    static let notices = ["signed-out": "home.notice.signedOut", "deleted": "home.notice.deleted"]

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/", use: home)
        router.get("/language/{code}", use: language)
        router.get("/research", use: research)
    }

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        var values: [String: Any] = [
            "surveyTitle": survey.title[context.language],
            "privacy": renderer.catalog.text("home.privacy", context.language, [
                "organisation": survey.settings.organisation, "months": "\(survey.settings.retentionMonths)",
            ]),
        ]
        if let key = request.uri.queryParameters["notice"].flatMap({ Self.notices[String($0)] }) {
            values["notice"] = renderer.catalog.text(key, context.language)
        }
        return try renderer.render("home", titleKey: "home.title", request: request, context: context, values: values)
    }

    /// Remembers the visitor's choice of language for a year, then goes back where they were.
    @Sendable func language(_ request: Request, context: AppRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        guard renderer.catalog.languages.contains(code) else { throw HTTPError(.notFound) }
        let next = PageRenderer.localPath(request.uri.queryParameters["next"].map(String.init) ?? "/")
        var response = Response.redirect(to: next, type: .normal)
        let cookie = Cookie(name: ClientMiddleware.languageCookie, value: code, maxAge: 365 * 24 * 3600, path: "/", secure: context.isSecure, httpOnly: true, sameSite: .lax)
        response.headers.append(.init(name: .setCookie, value: cookie.description))
        return response
    }

    /// Researchers land here. The dashboard, cross-tabs and export come with their own issue; for
    /// now, the live counts.
    @Sendable func research(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user else { return .redirect(to: "/login?next=%2Fresearch", type: .normal) }
        guard user.role != .respondent else { throw HTTPError(.forbidden) }
        let counts = try await database.counts()
        return try renderer.render("research", titleKey: "research.title", request: request, context: context, values: [
            "started": counts.started, "completed": counts.completed,
        ])
    }
}

/// Live totals for the researchers' page.
protocol ResearchSummary: Sendable {
    func counts() async throws -> (started: Int, completed: Int)
}
