import Foundation
import Hummingbird

/// The home page and the language switch.
struct HomeController {
    let renderer: PageRenderer
    let survey: SurveyDefinition

    /// Notices a redirect may ask the home page to show, by key (never free text from the URL).
    static let notices = ["signed-out": "home.notice.signedOut", "deleted": "home.notice.deleted"]

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/", use: home)
        router.get("/language/{code}", use: language)
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
}
