/// An error raised by ``RedisClient`` or ``RedisConfiguration``.
///
/// Messages are built only from hiredis/OS error texts, server error replies and fixed wording,
/// never from command arguments or URLs: arguments and passwords may be secrets or personal data,
/// and errors tend to end up in logs.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for callers that branch on the failure (retry, fall back, report).
    public var kind: Kind
    /// A human-readable explanation; for ``Kind/server`` it is the server's error reply.
    public var message: String

    /// Creates an error. Never put command arguments into `message`.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Wraps a server error reply such as `WRONGTYPE ...`.
    ///
    /// Redis 7 quotes the first arguments of an unknown command in its reply
    /// ("... with args beginning with: 'secret'"); that tail is cut so the error stays safe to log.
    static func server(_ reply: String) -> RedisError {
        RedisError(kind: .server, message: redactServerReply(reply))
    }

    public var description: String {
        "RedisError.\(kind): \(message)"
    }

    static func redactServerReply(_ reply: String) -> String {
        guard let range = reply.firstRange(of: ", with args beginning with:") else { return reply }
        return String(reply[..<range.lowerBound])
    }
}
