#if canImport(Glibc)
import Glibc
#endif
internal import CMariaDB

/// `mysql_library_init` is a macro; its function form must run once before any other call.
private let libraryInitialised: Bool = mysql_server_init(0, nil, nil) == 0

/// Owns one `MYSQL*` and its prepared statements. Not thread-safe: only the connection actor that
/// holds it calls it, always on that actor's own thread.
final class MariaDBHandle {
    private var mysql: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: MariaDBStatement] = [:]
    private static let statementCacheLimit = 128

    init(configuration c: MariaDBConfiguration) throws {
        guard libraryInitialised, let mysql = mysql_init(nil) else {
            throw MariaDBError(kind: .connection, message: "could not initialise the MariaDB client library")
        }
        self.mysql = mysql
        var connectTimeout = c.connectTimeout.wholeSecondsRoundedUp
        var ioTimeout = c.ioTimeout.wholeSecondsRoundedUp
        var yes: my_bool = 1
        var no: my_bool = 0
        var localInfile: UInt32 = c.allowLocalInfile ? 1 : 0
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &ioTimeout)
        mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &ioTimeout)
        mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        mysql_options(mysql, MYSQL_REPORT_DATA_TRUNCATION, &yes)
        mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &localInfile)
        // Dates travel as UTC; also after an automatic reconnect, which we never enable anyway.
        mysql_options(mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'")
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
        let connected = mysql_real_connect(mysql, c.host, c.user, c.password, c.database, UInt32(c.port), nil, 0)
        if connected == nil {
            let error = makeError(stage: .connect)
            close()
            throw error
        }
        // Connector/C 3.3 falls back to plain text when the server offers no TLS, even with
        // SSL_ENFORCE set: check that the session is really encrypted before trusting it.
        if c.tls != .disabled, mysql_get_ssl_cipher(mysql) == nil {
            close()
            throw MariaDBError(kind: .connection, code: 2026, message: "TLS is required but the server did not offer it")
        }
    }

    deinit { close() }

    func close() {
        for statement in statements.values { statement.close() }
        statements.removeAll()
        if let mysql { mysql_close(mysql) }
        mysql = nil
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
        return Self.error(
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
    func statement(for sql: String) throws -> MariaDBStatement {
        if let cached = statements[sql] { return cached }
        guard let mysql else { throw makeError(stage: .prepare) }
        let statement = try MariaDBStatement(mysql: mysql, sql: sql)
        if statements.count >= Self.statementCacheLimit, let victim = statements.first {
            victim.value.close()
            statements.removeValue(forKey: victim.key)
        }
        statements[sql] = statement
        return statement
    }

    /// Drops a statement whose state is unknown after an error.
    func evict(_ sql: String) {
        statements.removeValue(forKey: sql)?.close()
    }

    /// Runs SQL over the text protocol (for statements that take no values: DDL in migrations,
    /// `SET`, transaction control). Any result set is read and dropped.
    @discardableResult
    func simpleQuery(_ sql: String) throws -> UInt64 {
        guard let mysql else { throw makeError(stage: .execute) }
        let status = sql.utf8CString.withUnsafeBufferPointer { buffer in
            mysql_real_query(mysql, buffer.baseAddress, UInt(buffer.count - 1))
        }
        guard status == 0 else { throw makeError(stage: .execute) }
        if let result = mysql_store_result(mysql) {
            mysql_free_result(result)
        } else if mysql_field_count(mysql) != 0 {
            throw makeError(stage: .fetch)
        }
        return mysql_affected_rows(mysql)
    }
}
