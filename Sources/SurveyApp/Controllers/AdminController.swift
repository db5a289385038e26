import Foundation
import Hummingbird
import Logging

/// Admins: who may see the results (grant and revoke the researcher role) and the export log.
struct AdminController {
    let renderer: PageRenderer
    let users: any UserRepository
    let audit: ExportAudit

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/admin/users", use: listUsers)
        router.post("/admin/users/{id}/role", use: setRole)
        router.get("/admin/exports", use: exports)
    }

    @Sendable func listUsers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let search = request.uri.queryParameters["q"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let notice = request.uri.queryParameters["notice"].map(String.init).flatMap { ["granted": "admin.notice.granted", "revoked": "admin.notice.revoked"][$0] }
        return try await renderUsers(request, context, search: search, notice: notice.map { renderer.catalog.text($0, context.language) })
    }

    private func renderUsers(_ request: Request, _ context: AppRequestContext, search: String, notice: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let language = context.language
        let accounts = try await users.list(matching: search, limit: 100)
        let rows: [[String: Any]] = accounts.map { account in
            [
                "id": account.id, "email": account.email, "role": renderer.catalog.text("role.\(account.role.rawValue)", language),
                "created": MyDataController.day(account.createdAt), "isRespondent": account.role == .respondent,
                "isResearcher": account.role == .researcher, "isAdmin": account.role == .admin, "isSelf": account.id == context.currentUser?.id,
            ]
        }
        return try renderer.render("admin-users", titleKey: "admin.users.title", status: status, request: request, context: context, values: [
            "search": search, "accounts": rows, "hasAccounts": !rows.isEmpty, "notice": notice ?? false,
        ])
    }

    @Sendable func setRole(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context: context)
        guard CSRF.isValid(form, request) else { throw HTTPError(.forbidden) }
        guard let id = context.parameters.get("id").flatMap(Int64.init), let account = try await users.find(id: id) else { throw HTTPError(.notFound) }
        // Admins are made and unmade by operators (`SurveyApp user`), not from the web.
        guard account.role != .admin, let role = UserSession.Role(rawValue: form.first("role") ?? ""), role != .admin else {
            throw HTTPError(.badRequest)
        }
        try await users.updateRole(id: id, role: role)
        context.logger.notice("role changed", metadata: ["account": "\(id)", "role": "\(role.rawValue)", "by": "\(context.currentUser?.id ?? 0)"])
        let back = (form.first("q").map { "q=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&" } ?? "")
        return .redirect(to: "/admin/users?\(back)notice=\(role == .respondent ? "revoked" : "granted")", type: .normal)
    }

    @Sendable func exports(_ request: Request, context: AppRequestContext) async throws -> Response {
        let entries = try await audit.latest(limit: 200)
        let rows: [[String: Any]] = entries.map { entry in
            [
                "id": entry.id, "when": MyDataController.timestamp(entry.createdAt), "who": entry.userEmail, "kind": entry.kind,
                "preset": entry.preset, "filters": entry.filters.isEmpty ? "—" : entry.filters, "rows": entry.rowCount,
                "sha256": entry.sha256, "finished": entry.finished,
            ]
        }
        return try renderer.render("admin-exports", titleKey: "admin.exports.title", request: request, context: context, values: [
            "entries": rows, "hasEntries": !rows.isEmpty,
        ])
    }
}
