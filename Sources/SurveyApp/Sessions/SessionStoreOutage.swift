import Hummingbird
import Synchronization

/// Whether reading the request's session failed. Hummingbird's `SessionMiddleware` swallows a
/// storage error and carries on as if there were no session, which during a Redis outage would
/// send signed-in people to the login page (and lose a survey page they were sending). The
/// storage driver records the failure here, in a value bound for the request's task, and
/// `SessionPolicyMiddleware` answers 503 instead.
final class SessionStoreOutage: Sendable {
    @TaskLocal static var current: SessionStoreOutage?

    private let failed = Atomic<Bool>(false)

    func record() { failed.store(true, ordering: .relaxed) }
    var happened: Bool { failed.load(ordering: .relaxed) }

    /// Binds a fresh record for the rest of the request; goes before `ErrorPageMiddleware` (so
    /// that a 503 page knows) and `SessionMiddleware`.
    struct Middleware: RouterMiddleware {
        typealias Context = AppRequestContext

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            try await SessionStoreOutage.$current.withValue(SessionStoreOutage()) { try await next(request, context) }
        }
    }
}
