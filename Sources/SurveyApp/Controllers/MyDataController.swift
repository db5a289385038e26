import Foundation
import Hummingbird
import HummingbirdAuth
import Logging

/// "My data" (LGPD): what we keep about the respondent, a JSON download of it, and deletion of the
/// account with its answers after a confirmation.
struct MyDataController {
    let renderer: PageRenderer
    let survey: SurveyDefinition
    let users: any UserRepository
    let responses: any ResponseRepository

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/my-data", use: show)
        router.get("/my-data/export.json", use: export)
        router.get("/my-data/delete", use: confirmDeletion)
        router.post("/my-data/delete", use: delete)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let session = context.user else { return .redirect(to: "/login?next=%2Fmy-data", type: .normal) }
        guard let user = try await users.find(id: session.userID) else { return AccountController.accountGone(context) }
        let stored = try await responses.load(userID: session.userID)
        let language = context.language
        let catalog = renderer.catalog
        var answers: [[String: Any]] = []
        for question in survey.questions {
            guard let answer = stored?.answers[question.code] else { continue }
            answers.append(["label": question.label[language], "answer": display(answer, question, language)])
        }
        var values: [String: Any] = ["email": user.email, "answers": answers, "hasAnswers": !answers.isEmpty]
        if let stored {
            let status = stored.screenedOut ? "myData.status.screenedOut" : stored.isCompleted ? "myData.status.completed" : "myData.status.draft"
            values["status"] = catalog.text(status, language)
            if let version = stored.consentVersion, let at = stored.consentedAt {
                values["consent"] = catalog.text("myData.consent", language, ["version": "\(version)", "date": Self.day(at)])
            }
        }
        return try renderer.render("my-data", titleKey: "myData.title", request: request, context: context, values: values)
    }

    /// Everything kept about the account, as JSON, for the respondent to take away.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let session = context.user else { return .redirect(to: "/login?next=%2Fmy-data", type: .normal) }
        guard let user = try await users.find(id: session.userID) else { return AccountController.accountGone(context) }
        let stored = try await responses.load(userID: session.userID)
        var document: [String: Any] = ["account": ["email": user.email, "role": user.role.rawValue]]
        if let stored {
            var answers: [String: Any] = [:]
            for (code, answer) in stored.answers {
                switch answer {
                case .consent: answers[code] = true
                case .choice(let value): answers[code] = value
                case .choices(let values): answers[code] = values
                case .integer(let n): answers[code] = n
                case .money(let amount): answers[code] = "\(amount)"
                case .text(let text): answers[code] = text
                }
            }
            var response: [String: Any] = [
                "survey": survey.id, "surveyVersion": stored.surveyVersion ?? survey.version,
                "status": stored.screenedOut ? "screened-out" : stored.isCompleted ? "completed" : "draft", "answers": answers,
            ]
            if let version = stored.consentVersion { response["consentVersion"] = version }
            if let at = stored.consentedAt { response["consentedAt"] = Self.timestamp(at) }
            if let at = stored.startedAt { response["startedAt"] = Self.timestamp(at) }
            if let at = stored.completedAt { response["completedAt"] = Self.timestamp(at) }
            document["response"] = response
        }
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8", .contentDisposition: "attachment; filename=\"my-data.json\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: .init(bytes: data)))
    }

    @Sendable func confirmDeletion(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard context.user != nil else { return .redirect(to: "/login?next=%2Fmy-data", type: .normal) }
        return try renderer.render("delete-account", titleKey: "delete.title", request: request, context: context)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let session = context.user else { return .redirect(to: "/login?next=%2Fmy-data", type: .normal) }
        let form = try await FormData.read(request, context: context)
        guard CSRF.isValid(form, request) else {
            let fresh = try CSRF.fresh(secure: context.isSecure)
            return try renderer.render(
                "delete-account", titleKey: "delete.title", status: .forbidden, request: request, context: context,
                values: ["csrf": fresh.token, "notice": renderer.catalog.text("form.expired", context.language)],
                headers: [.setCookie: fresh.cookie.description])
        }
        guard form.first("confirm") == "yes" else {
            let message = renderer.catalog.text("delete.error.confirm", context.language)
            return try renderer.render(
                "delete-account", titleKey: "delete.title", status: .unprocessableContent, request: request, context: context,
                values: ["confirmError": message, "hasErrors": true, "errors": [["field": "confirm", "message": message]]])
        }
        try await responses.deleteAccount(userID: session.userID)
        context.sessions.clearSession()
        context.logger.info("account deleted")
        return .redirect(to: "/?notice=deleted", type: .normal)
    }

    private func display(_ answer: AnswerValue, _ question: SurveyDefinition.Question, _ language: String) -> String {
        let label = { (code: String) in question.options?.first { $0.code == code }?.label[language] ?? code }
        switch answer {
        case .consent: return renderer.catalog.text("myData.consentGiven", language)
        case .choice(let code): return label(code)
        case .choices(let codes): return codes.map(label).joined(separator: "; ")
        case .integer(let n): return "\(n)"
        case .money(let amount): return BRL.format(amount, language: language).replacingOccurrences(of: "R$ ", with: "R$\u{00A0}")
        case .text(let text): return text
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func day(_ date: Date) -> String { String(timestamp(date).prefix(10)) }
}
