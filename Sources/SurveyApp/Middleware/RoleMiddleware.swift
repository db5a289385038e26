import Foundation
import Hummingbird
import HummingbirdAuth

/// Guards a group of routes by role. The role is read from the database on each request, not
/// trusted from the session, so a revoked researcher loses access at once. Anonymous visitors are
/// sent to the login page (and back afterwards); signed-in users without the role get a 403 page.
struct RoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let allowed: Set<UserSession.Role>
    let users: any UserRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let session = context.user else {
            return .redirect(to: "/login?next=\(PageRenderer.returnPath(request))", type: .normal)
        }
        guard let user = try await users.find(id: session.userID), allowed.contains(user.role) else {
            throw HTTPError(.forbidden)
        }
        var context = context
        context.currentUser = user
        return try await next(request, context)
    }
}
