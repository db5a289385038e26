import Foundation

/// Where and how to connect, read from a URL such as
/// `mariadb://user:password@host:3306/database?tls=verify-ca&ca=/etc/ssl/db-ca.pem&pool=16`.
public struct MariaDBConfiguration: Sendable {
    public enum TLS: Sendable, Hashable {
        /// Plain TCP (loopback, or a private network you trust).
        case disabled
        /// Encrypted, but the server's certificate is not checked.
        case required
        /// Encrypted, and the server's certificate must be signed by this CA (a PEM file).
        case verifyCA(caFile: String)
        /// As `verifyCA`, and the certificate must also name the host.
        case verifyIdentity(caFile: String)
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var database: String
    public var tls: TLS
    /// How many connections the pool may open.
    public var poolSize: Int
    /// How long `withConnection` waits for a free connection before throwing `.poolExhausted`.
    public var acquireTimeout: Duration
    public var connectTimeout: Duration
    /// Per network read/write; a statement waiting longer than this on the server is reported lost.
    public var ioTimeout: Duration
    /// A pooled connection idle for longer than this is checked (without a round trip) before use.
    public var idleCheckInterval: Duration
    /// Allows `LOAD DATA LOCAL INFILE` from this client.
    public var allowLocalInfile: Bool
    /// Threads that run the connections' I/O (libmariadb in non-blocking mode, over epoll); each
    /// serves `poolSize / ioThreads` connections.
    public var ioThreads: Int
    /// The isolation level of the connections' transactions; `nil` keeps the server's default
    /// (REPEATABLE READ in MariaDB).
    public var transactionIsolation: TransactionIsolation?

    public enum TransactionIsolation: String, Sendable {
        case readUncommitted = "READ UNCOMMITTED"
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    public init(
        host: String = "127.0.0.1", port: Int = 3306, user: String, password: String = "", database: String,
        tls: TLS = .disabled, poolSize: Int = 8, acquireTimeout: Duration = .seconds(5),
        connectTimeout: Duration = .seconds(5), ioTimeout: Duration = .seconds(60),
        idleCheckInterval: Duration = .milliseconds(200), allowLocalInfile: Bool = false, ioThreads: Int = 2
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
        self.acquireTimeout = acquireTimeout
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        self.idleCheckInterval = idleCheckInterval
        self.allowLocalInfile = allowLocalInfile
        self.ioThreads = ioThreads
    }

    /// Parses `mariadb://user:password@host:port/database` (also `mysql://`). Query options:
    /// `tls=disabled|required|verify-ca|verify-identity`, `ca=/path/ca.pem`, `pool=N`,
    /// `acquire_timeout_ms=N`, `connect_timeout_ms=N`, `io_timeout_ms=N`, `local_infile=1`, `io_threads=N`.
    public init(url string: String) throws {
        func invalid(_ why: String) -> MariaDBError {
            MariaDBError(kind: .configuration, message: "invalid database URL: \(why)")
        }
        guard let url = URLComponents(string: string) else { throw invalid("not a URL") }
        guard ["mariadb", "mysql"].contains(url.scheme?.lowercased() ?? "") else {
            throw invalid("the scheme must be mariadb://")
        }
        guard let host = url.host, !host.isEmpty else { throw invalid("no host") }
        guard let user = url.user, !user.isEmpty else { throw invalid("no user") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, SQLQuery.isValidIdentifier(database) else { throw invalid("no valid database name") }

        self.init(
            host: host, port: url.port ?? 3306,
            user: url.user?.removingPercentEncoding ?? user,
            password: url.password?.removingPercentEncoding ?? "",
            database: database)

        var options: [String: String] = [:]
        for item in url.queryItems ?? [] { options[item.name.lowercased()] = item.value ?? "" }
        func milliseconds(_ key: String) throws -> Duration? {
            guard let text = options[key] else { return nil }
            guard let ms = Int(text), ms > 0 else { throw invalid("\(key) must be a positive whole number") }
            return .milliseconds(ms)
        }
        let ca = options["ca"]
        switch options["tls"]?.lowercased() ?? "disabled" {
        case "disabled", "off", "false": tls = .disabled
        case "required", "on", "true": tls = .required
        case "verify-ca":
            guard let ca else { throw invalid("tls=verify-ca needs ca=/path/to/ca.pem") }
            tls = .verifyCA(caFile: ca)
        case "verify-identity", "verify-full":
            guard let ca else { throw invalid("tls=verify-identity needs ca=/path/to/ca.pem") }
            tls = .verifyIdentity(caFile: ca)
        default: throw invalid("tls must be disabled, required, verify-ca or verify-identity")
        }
        if let text = options["pool"] {
            guard let n = Int(text), (1...1000).contains(n) else { throw invalid("pool must be 1...1000") }
            poolSize = n
        }
        if let text = options["io_threads"] {
            guard let n = Int(text), (1...64).contains(n) else { throw invalid("io_threads must be 1...64") }
            ioThreads = n
        }
        acquireTimeout = try milliseconds("acquire_timeout_ms") ?? acquireTimeout
        connectTimeout = try milliseconds("connect_timeout_ms") ?? connectTimeout
        ioTimeout = try milliseconds("io_timeout_ms") ?? ioTimeout
        allowLocalInfile = ["1", "true", "yes"].contains(options["local_infile"]?.lowercased() ?? "")
    }
}

extension Duration {
    var wholeSecondsRoundedUp: UInt32 {
        let (seconds, attoseconds) = components
        return UInt32(clamping: seconds + (attoseconds > 0 ? 1 : 0))
    }

    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
