extension RedisError {
    /// The category of a ``RedisError``.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// Connecting failed, or the connection broke during a command (I/O error or EOF).
        /// A command that failed this way may or may not have run on the server.
        case connection
        /// The server did not answer within ``RedisConfiguration/commandTimeout``.
        case timeout
        /// No pooled connection became free within ``RedisConfiguration/acquireTimeout``.
        case poolExhausted
        /// The server answered with an error reply (for example `WRONGTYPE`).
        case server
        /// The reply could not be parsed or had an unexpected shape.
        case `protocol`
        /// ``RedisConfiguration/init(url:)`` could not parse the URL.
        case invalidURL
        /// The client has been shut down.
        case shutdown

        public var description: String {
            switch self {
            case .connection: "connection"
            case .timeout: "timeout"
            case .poolExhausted: "poolExhausted"
            case .server: "server"
            case .protocol: "protocol"
            case .invalidURL: "invalidURL"
            case .shutdown: "shutdown"
            }
        }
    }
}
