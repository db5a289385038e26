#if canImport(Glibc)
import Glibc
#endif
internal import CMariaDB

/// `mysql_library_init` is a macro; its function form must run once before any other call.
private let libraryInitialised: Bool = mysql_server_init(0, nil, nil) == 0

/// Owns one `MYSQL*` in non-blocking mode and its prepared statements. Not thread-safe: only the
/// connection actor that holds it calls it, always on that actor's reactor thread.
final class MariaDBHandle {
    private var mysql: UnsafeMutablePointer<MYSQL>?
    let io: MariaDBIO
    private var statements: [String: MariaDBStatement] = [:]
    private static let statementCacheLimit = 128
    /// The coroutine stack libmariadb runs a non-blocking call on: TLS handshakes need more than
    /// its 60 KiB default.
    private static let coroutineStackSize = 256 * 1024

    private init(mysql: UnsafeMutablePointer<MYSQL>, reactor: MariaDBReactor, stallLimit: Duration) {
        self.mysql = mysql
        self.io = MariaDBIO(mysql: mysql, reactor: reactor, stallLimit: stallLimit)
    }

    static func connect(
        configuration c: MariaDBConfiguration, reactor: MariaDBReactor, isolation: isolated (any Actor)? = #isolation
    ) async throws -> MariaDBHandle {
        guard libraryInitialised, let mysql = mysql_init(nil) else {
            throw MariaDBError(kind: .connection, message: "could not initialise the MariaDB client library")
        }
        let handle = MariaDBHandle(mysql: mysql, reactor: reactor, stallLimit: c.connectTimeout)
        var stackSize = Self.coroutineStackSize
        var connectTimeout = c.connectTimeout.wholeSecondsRoundedUp
        var ioTimeout = c.ioTimeout.wholeSecondsRoundedUp
        var yes: my_bool = 1
        var no: my_bool = 0
        var localInfile: UInt32 = c.allowLocalInfile ? 1 : 0
        mysql_options(mysql, MYSQL_OPT_NONBLOCK, &stackSize)
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &ioTimeout)
        mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &ioTimeout)
        mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        mysql_options(mysql, MYSQL_REPORT_DATA_TRUNCATION, &yes)
        mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &localInfile)
        // Dates travel as UTC; also after an automatic reconnect, which we never enable anyway.
        mysql_options(mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'")
        if let level = c.transactionIsolation {
            mysql_options(mysql, MYSQL_INIT_COMMAND, "SET SESSION TRANSACTION ISOLATION LEVEL \(level.rawValue)")
        }
        switch c.tls {
        case .disabled:
            mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &no)
        case .required:
            mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &yes)
            mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no)
        case .verifyCA(let ca), .verifyIdentity(let ca):
            mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &yes)
            mysql_options(mysql, MYSQL_OPT_SSL_CA, ca)
            if case .verifyIdentity = c.tls {
                mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes)
            } else {
                // Connector/C checks the chain whenever a CA is given; the name check is the extra step.
                mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no)
            }
        }
        // libmariadb keeps using these strings through every `_cont` call, beyond the lifetime of
        // the temporary C strings Swift would pass.
        let host = MariaDBCString(c.host), user = MariaDBCString(c.user)
        let password = MariaDBCString(c.password), database = MariaDBCString(c.database)
        let connected = await handle.io.call(
            UnsafeMutablePointer<MYSQL>?.none,
            start: { mysql_real_connect_start(&$0, mysql, host.pointer, user.pointer, password.pointer, database.pointer, UInt32(c.port), nil, 0) },
            cont: { mysql_real_connect_cont(&$0, mysql, $1) })
        withExtendedLifetime((host, user, password, database)) {}
        if connected == nil {
            let error = handle.makeError(stage: .connect)
            handle.close()
            throw error
        }
        handle.io.stallLimit = c.ioTimeout
        // Connector/C 3.3 falls back to plain text when the server offers no TLS, even with
        // SSL_ENFORCE set: check that the session is really encrypted before trusting it.
        if c.tls != .disabled, mysql_get_ssl_cipher(mysql) == nil {
            handle.close()
            throw MariaDBError(kind: .connection, code: 2026, message: "TLS is required but the server did not offer it")
        }
        return handle
    }

    deinit { close() }

    /// Closes the statements and the connection. Nothing here waits for the server (COM_QUIT and
    /// COM_STMT_CLOSE have no reply), so the blocking calls are fine on the reactor.
    func close() {
        for statement in statements.values { statement.close() }
        statements.removeAll()
        io.close()
        if let mysql { mysql_close(mysql) }
        mysql = nil
    }

    /// Shuts the socket down before a lost or abandoned connection is closed, so that closing it
    /// (which reads any rows still in flight) fails at once instead of waiting for them.
    func shutDownSocket() {
        guard let mysql else { return }
        let fd = Int32(mysql_get_socket(mysql))
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// The TLS cipher of the session, or nil for plain text.
    var tlsCipher: String? { mysql.flatMap { mysql_get_ssl_cipher($0) }.map { String(cString: $0) } }

    /// Whether the server has closed the socket (restart, idle timeout), without a round trip:
    /// a peek that reads 0 bytes means the peer sent FIN.
    func socketLooksAlive() -> Bool {
        guard let mysql else { return false }
        let fd = Int32(mysql_get_socket(mysql))
        guard fd >= 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n == 0 { return false }
        if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        // Unsolicited bytes on an idle connection are an error packet (e.g. a shutdown notice).
        return false
    }

    enum Stage { case connect, prepare, execute, fetch }

    func makeError(stage: Stage) -> MariaDBError {
        guard let mysql else {
            return MariaDBError(kind: .connection, code: 2006, message: "the connection is closed", mayHaveRun: false)
        }
        return io.error(
            code: mysql_errno(mysql), sqlState: String(cString: mysql_sqlstate(mysql)),
            message: String(cString: mysql_error(mysql)), stage: stage)
    }

    static func error(code: UInt32, sqlState: String, message: String, stage: Stage) -> MariaDBError {
        // Client-side errors while connecting (refused, unreachable, TLS) are connection errors;
        // the server's refusals (1045 access denied, 1049 unknown database) are not: retrying
        // them cannot help.
        let lost = MariaDBError.connectionLostCodes.contains(code) || (stage == .connect && code >= 2000)
        return MariaDBError(
            kind: lost ? .connection : .server, code: code, sqlState: sqlState, message: message,
            mayHaveRun: lost && (stage == .execute || stage == .fetch))
    }

    /// A prepared statement for `sql`, from the cache when this connection has prepared it before,
    /// so a repeated statement costs one round trip.
    func statement(for sql: String, isolation: isolated (any Actor)? = #isolation) async throws -> MariaDBStatement {
        if let cached = statements[sql] { return cached }
        guard let mysql else { throw makeError(stage: .prepare) }
        let statement = try await MariaDBStatement.prepare(mysql: mysql, io: io, sql: sql)
        if statements.count >= Self.statementCacheLimit, let victim = statements.first {
            victim.value.close()
            statements.removeValue(forKey: victim.key)
        }
        statements[sql] = statement
        return statement
    }

    /// Runs SQL over the text protocol (for statements that take no values: DDL in migrations,
    /// `SET`, transaction control). Any result set is read and dropped.
    @discardableResult
    func simpleQuery(_ sql: String, isolation: isolated (any Actor)? = #isolation) async throws -> UInt64 {
        guard let mysql else { throw makeError(stage: .execute) }
        let query = MariaDBCString(sql)
        let failed = await io.call(
            Int32(0),
            start: { mysql_real_query_start(&$0, mysql, query.pointer, UInt(query.count)) },
            cont: { mysql_real_query_cont(&$0, mysql, $1) })
        withExtendedLifetime(query) {}
        guard failed == 0 else { throw makeError(stage: .execute) }
        let result = await io.call(
            UnsafeMutablePointer<MYSQL_RES>?.none,
            start: { mysql_store_result_start(&$0, mysql) },
            cont: { mysql_store_result_cont(&$0, mysql, $1) })
        if let result {
            mysql_free_result(result)
        } else if mysql_field_count(mysql) != 0 {
            throw makeError(stage: .fetch)
        }
        return mysql_affected_rows(mysql)
    }
}

/// Waits for a connection's socket on its reactor, for the `_start`/`_cont` calls of libmariadb's
/// non-blocking API. Shared by the handle and its statements and readers.
final class MariaDBIO {
    private var mysql: UnsafeMutablePointer<MYSQL>?
    let reactor: MariaDBReactor
    private var socket: Int32 = -1
    /// How long a wait that libmariadb gives no timeout of its own may last before the socket is
    /// shut down: the connect timeout while connecting, then the I/O timeout. Over TLS no read or
    /// write asks for one, and a statement the server never answers would otherwise wait forever.
    var stallLimit: Duration {
        didSet { stallMS = Self.milliseconds(stallLimit) }
    }
    /// `stallLimit` as the reactor takes it, worked out once rather than at every wait.
    private var stallMS: UInt32
    /// Set once a wait ran into `stallLimit`: the connection is lost.
    private(set) var stalled = false

    init(mysql: UnsafeMutablePointer<MYSQL>, reactor: MariaDBReactor, stallLimit: Duration) {
        self.mysql = mysql
        self.reactor = reactor
        self.stallLimit = stallLimit
        self.stallMS = Self.milliseconds(stallLimit)
    }

    private static func milliseconds(_ duration: Duration) -> UInt32 {
        UInt32(clamping: duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Suspends until the reactor finds the socket ready for what `status` asks (or its timeout
    /// passes), and returns the bits for the `_cont` call.
    private func wait(_ status: Int32, isolation: isolated (any Actor)? = #isolation) async -> Int32 {
        guard let mysql else { return MYSQL_WAIT_TIMEOUT }
        let current = Int32(mysql_get_socket(mysql))
        if current != socket {
            // A new socket (connecting): the old number may be reused by then.
            if socket >= 0 { reactor.forget(socket: socket) }
            socket = current
        }
        let timeout = status & MYSQL_WAIT_TIMEOUT != 0 ? mysql_get_timeout_value_ms(mysql) : 0
        let ready = await withUnsafeContinuation { continuation in
            reactor.wait(socket: current, status: status, timeoutMS: timeout, stallMS: stallMS, continuation: continuation)
        }
        if ready & MariaDBReactor.stalled != 0 { stalled = true }
        return ready & ~MariaDBReactor.stalled
    }

    /// Runs one libmariadb call in its non-blocking form: `start` once, then `cont` each time the
    /// socket is ready, until the library reports the call done. Returns the call's result, which
    /// both write through their first argument.
    func call<Result>(
        _ initial: Result, start: (inout Result) -> Int32, cont: (inout Result, Int32) -> Int32,
        isolation: isolated (any Actor)? = #isolation
    ) async -> Result {
        var result = initial
        var status = start(&result)
        while status != 0 {
            let ready = await wait(status)
            status = cont(&result, ready)
        }
        return result
    }

    /// The error for a failed call: libmariadb's, unless a wait ran into `stallLimit`. The socket
    /// was shut down then, and the library reports only the lost connection (or a TLS error).
    func error(code: UInt32, sqlState: String, message: String, stage: MariaDBHandle.Stage) -> MariaDBError {
        guard stalled else { return MariaDBHandle.error(code: code, sqlState: sqlState, message: message, stage: stage) }
        let connecting = stage == .connect
        return MariaDBError(
            kind: .connection, code: connecting ? 2002 : 2013,
            message: "the server did not answer within \(stallLimit.wholeSecondsRoundedUp) s (\(connecting ? "connect" : "I/O") timeout)",
            mayHaveRun: stage == .execute || stage == .fetch)
    }

    /// Before the connection's socket is closed.
    func close() {
        if socket >= 0 { reactor.forget(socket: socket) }
        socket = -1
        mysql = nil
    }
}

/// A NUL-terminated copy of a string that stays put while libmariadb's coroutine reads it.
final class MariaDBCString {
    let pointer: UnsafeMutablePointer<CChar>
    let count: Int

    init(_ string: String) {
        let utf8 = string.utf8
        count = utf8.count
        pointer = .allocate(capacity: count + 1)
        pointer.withMemoryRebound(to: UInt8.self, capacity: count + 1) { bytes in
            _ = UnsafeMutableBufferPointer(start: bytes, count: count).initialize(from: utf8)
            bytes[count] = 0
        }
    }

    deinit { pointer.deallocate() }
}
