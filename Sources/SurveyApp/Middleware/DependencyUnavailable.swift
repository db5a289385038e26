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

    /// Whether `error` means a server is out of reach rather than a bug or a refused statement.
    static func isOutage(_ error: any Error) -> Bool {
        switch error {
        case is DependencyUnavailable:
            return true
        case let error as MariaDBError:
            return error.isConnectionLost || error.kind == .poolExhausted
        case let error as RedisError:
            return [.connection, .timeout, .poolExhausted].contains(error.kind)
        default:
            return false
        }
    }
}
