import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore

/// The per-request context: the session, plus what `ClientMiddleware` learned about the client.
struct AppRequestContext: RequestContext, SessionRequestContext {
    var coreContext: CoreRequestContextStorage
    let sessions: SessionContext<UserSession>
    /// The page language: `pt-BR` unless the visitor chose or asked for another.
    var language: String = MessageCatalog.defaultLanguage
    /// The request reached the balancer over https (a trusted `X-Forwarded-Proto: https`).
    var isSecure = false
    /// The client's address, from a trusted balancer's `X-Forwarded-For` or the socket.
    var clientAddress: String?
    let remoteAddress: SocketAddress?
    /// The account as the database has it now, on routes guarded by `RoleMiddleware`.
    var currentUser: User?
    /// The session store could not be read (Redis down): `user` is nil without meaning signed
    /// out. Only survey page saves get this far (see `SessionPolicyMiddleware`).
    var sessionsUnavailable = false

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        sessions = .init()
        remoteAddress = source.channel.remoteAddress
    }

    /// Forms are small: anything larger than this is refused with a 413 page before it is read.
    var maxUploadSize: Int { 64 * 1024 }

    /// The signed-in user, if any.
    var user: UserSession? { sessions.session }
}
