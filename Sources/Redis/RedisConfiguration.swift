/// Where and how ``RedisClient`` connects.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Sent with `AUTH` on every (re)connect when set.
    public var password: String?
    /// ACL user name (Redis 6+); only used together with ``password``.
    public var username: String?
    /// Logical database chosen with `SELECT` on every (re)connect.
    public var database: Int
    /// Number of connections, and of threads running blocking hiredis calls.
    public var poolSize: Int
    /// Upper bound for establishing the TCP connection.
    public var connectTimeout: Duration
    /// Upper bound for sending one command (or pipeline) and reading its reply. Blocking commands
    /// such as `BLPOP` must use a server-side timeout below this. Zero disables the timeout.
    public var commandTimeout: Duration
    /// How long a caller waits for a free pooled connection before ``RedisError/Kind/poolExhausted``.
    public var acquireTimeout: Duration

    /// Creates a configuration from explicit values.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        password: String? = nil,
        username: String? = nil,
        database: Int = 0,
        poolSize: Int = 8,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2),
        acquireTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.username = username
        self.database = database
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.acquireTimeout = acquireTimeout
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    ///
    /// User and password are percent-decoded; the port defaults to 6379 and the database to 0.
    /// An IPv6 host is written in brackets (`redis://[::1]:6379`). Timeouts and the pool size
    /// keep their defaults and can be changed on the result.
    /// - Throws: ``RedisError`` of kind ``RedisError/Kind/invalidURL``; its message never
    ///   contains the URL because the URL may carry a password.
    public init(url: String) throws {
        let parsed = try RedisURLParser.parse(url)
        self.init(
            host: parsed.host,
            port: parsed.port,
            password: parsed.password,
            username: parsed.username,
            database: parsed.database
        )
    }
}

extension RedisConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// Redacts the password so configurations can be logged.
    public var description: String {
        let auth = password == nil ? "" : "\(username ?? ""):***@"
        return "redis://\(auth)\(host):\(port)/\(database) (poolSize: \(poolSize))"
    }

    public var debugDescription: String { description }
}
