import Hummingbird
import MariaDB
import Redis

/// MariaDB or Redis cannot be reached (or has no free connection): the request cannot be served
/// now, through no fault of the user's, and may succeed in a moment. Answered with 503 and
/// `Retry-After`, never 500.
struct DependencyUnavailable: HTTPResponseError {
    static let retryAfter = "5"

    var status: HTTPResponse.Status { .serviceUnavailable }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.retryAfter: Self.retryAfter])
    }

    /// MariaDB errors that pass by themselves: too many connections (1040), shutting down (1053),
    /// a lock wait timeout (1205) or deadlock (1213) that a retry in a moment gets past.
    private static let transientServerCodes: Set<UInt32> = [1040, 1053, 1205, 1213]
    /// Redis replies of a server that is loading its data after a restart, busy with a script,
    /// or a replica that cannot take writes yet.
    private static let transientRedisReplies = ["LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN"]

    /// Whether `error` means a server is out of reach, or briefly unable to serve, rather than a
    /// bug or a refused statement.
    static func isOutage(_ error: any Error) -> Bool {
        switch error {
        case is DependencyUnavailable:
            return true
        case let error as MariaDBError:
            return error.isConnectionLost || error.kind == .poolExhausted || transientServerCodes.contains(error.code)
        case let error as RedisError:
            if error.kind == .server { return transientRedisReplies.contains { error.message.hasPrefix($0) } }
            return [.connection, .timeout, .poolExhausted].contains(error.kind)
        default:
            return false
        }
    }
}
