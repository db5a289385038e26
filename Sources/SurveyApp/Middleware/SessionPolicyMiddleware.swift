import Foundation
import Hummingbird
import HummingbirdAuth

/// Session lifetimes: idle sessions end after `idle` (each request slides that window, rewriting
/// the Redis TTL at most once a minute), and every session ends `absolute` after sign-in however
/// busy it is.
struct SessionPolicyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let idle: Duration
    let absolute: Duration

    /// Forms (besides the survey's pages) whose controllers answer an outage themselves.
    static let formsKeptInOutages: Set<String> = ["/login", "/signup"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if SessionStoreOutage.current?.happened == true {
            // Not signed out: the session could not be read. A survey page, login or signup form
            // being sent comes back with what was typed (its controller says why); everything
            // else gets the 503 page.
            guard request.method == .post, request.uri.path.hasPrefix("/survey/") || Self.formsKeptInOutages.contains(request.uri.path)
            else { throw DependencyUnavailable() }
            var context = context
            context.sessionsUnavailable = true
            return try await next(request, context)
        }
        if let session = context.sessions.session {
            let age = Int64(Date().timeIntervalSince1970) - session.signedInAt
            let remaining = absolute - .seconds(age)
            if remaining <= .zero {
                context.sessions.clearSession()
            } else {
                let wanted = min(idle, remaining)
                context.sessions.withLockedSession { data in
                    guard let ttl = data?.expiresIn else { return }
                    if wanted - ttl > .seconds(60) || ttl > wanted { data?.expiresIn = wanted }
                }
            }
        }
        return try await next(request, context)
    }
}
