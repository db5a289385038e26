#if canImport(Glibc)
import Glibc
#endif
import CMariaDB

/// `mysql_library_init` is a macro; its function form must run once before any other call.
private let libraryInitialised: Bool = mysql_server_init(0, nil, nil) == 0

public struct NBConfiguration: Sendable {
    public var host = "127.0.0.1", port = 3306, user = "", password = "", database = ""
    public var ioTimeoutSeconds: UInt32 = 30
    public init() {}

    /// mariadb://user:password@host:port/database
    public init?(url: String) {
        guard url.hasPrefix("mariadb://") else { return nil }
        let rest = url.dropFirst("mariadb://".count)
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let cred = rest[..<at].split(separator: ":", maxSplits: 1)
        user = String(cred[0]); password = cred.count > 1 ? String(cred[1]) : ""
        let hostPart = rest[rest.index(after: at)...].split(separator: "/", maxSplits: 1)
        database = hostPart.count > 1 ? String(hostPart[1]) : ""
        let hp = hostPart[0].split(separator: ":")
        host = String(hp[0]); port = hp.count > 1 ? Int(hp[1])! : 3306
    }
}

public struct NBError: Error, CustomStringConvertible {
    public let code: UInt32
    public let message: String
    public init(code: UInt32, message: String) { self.code = code; self.message = message }
    public var description: String { "MariaDB error \(code): \(message)" }
}

public enum NBValue: Sendable {
    case null, int(Int), string(String)
}

/// One connection in non-blocking mode. Its executor is the reactor: every libmariadb call runs on the
/// reactor thread, and every wait for the socket is a continuation resumed by the reactor's epoll loop.
public actor NBConnection {
    public nonisolated let reactor: Reactor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { reactor.asUnownedSerialExecutor() }
    private var mysql: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: NBStatement] = [:]
    private var socket: Int32 = -1

    public init(reactor: Reactor) { self.reactor = reactor }

    public var socketFD: Int32 { mysql.map { Int32(mysql_get_socket($0)) } ?? -1 }

    /// Suspends until the reactor reports the socket ready (or the timeout), returns the bits for `_cont`.
    private func wait(_ status: Int32) async -> Int32 {
        let mysql = mysql!
        let fd = Int32(mysql_get_socket(mysql))
        if fd != socket {
            // A new socket (connect, reconnect): drop the old one from epoll before it can be reused.
            if socket >= 0 { reactor.forget(socket: socket) }
            socket = fd
        }
        let timeout = status & MYSQL_WAIT_TIMEOUT != 0 ? mysql_get_timeout_value_ms(mysql) : 0
        return await withUnsafeContinuation { c in
            reactor.wait(socket: fd, status: status, timeoutMS: timeout, continuation: c)
        }
    }

    public func connect(_ c: NBConfiguration) async throws {
        guard libraryInitialised, let mysql = mysql_init(nil) else {
            throw NBError(code: 0, message: "could not initialise the client library")
        }
        self.mysql = mysql
        var connectTimeout: UInt32 = 10
        var ioTimeout = c.ioTimeoutSeconds
        var no: my_bool = 0
        var tcp = MYSQL_PROTOCOL_TCP.rawValue
        mysql_options(mysql, MYSQL_OPT_NONBLOCK, nil)
        mysql_options(mysql, MYSQL_OPT_PROTOCOL, &tcp)
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &ioTimeout)
        mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &ioTimeout)
        mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &no)
        mysql_options(mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'")
        var ret: UnsafeMutablePointer<MYSQL>?
        // Gotcha: libmariadb keeps using these pointers inside its coroutine during the _cont calls, so
        // Swift's temporary C strings (valid only for the _start call) are not enough.
        let host = strdup(c.host), user = strdup(c.user), password = strdup(c.password), db = strdup(c.database)
        defer { free(host); free(user); free(password); free(db) }
        var status = mysql_real_connect_start(&ret, mysql, host, user, password, db, UInt32(c.port), nil, 0)
        while status != 0 {
            status = mysql_real_connect_cont(&ret, mysql, await wait(status))
        }
        if ret == nil {
            let error = NBError(code: mysql_errno(mysql), message: String(cString: mysql_error(mysql)))
            await close()
            throw error
        }
    }

    public func close() async {
        for statement in statements.values { await statement.close(self) }
        statements.removeAll()
        guard let mysql else { return }
        var status = mysql_close_start(mysql)
        while status != 0 {
            status = mysql_close_cont(mysql, await wait(status))
        }
        if socket >= 0 { reactor.forget(socket: socket) }
        socket = -1
        self.mysql = nil
    }

    /// Runs one libmariadb `_start`/`_cont` pair to completion on this connection.
    func drive(_ start: () -> Int32, _ cont: (Int32) -> Int32) async -> Void {
        var status = start()
        while status != 0 {
            status = cont(await wait(status))
        }
    }

    private func statement(_ sql: String) async throws -> NBStatement {
        if let s = statements[sql] { return s }
        guard let mysql else { throw NBError(code: 0, message: "not connected") }
        let s = try await NBStatement.prepare(mysql: mysql, sql: sql, on: self)
        statements[sql] = s
        return s
    }

    /// Executes with bound parameters; returns affected rows.
    @discardableResult
    public func execute(_ sql: String, _ values: [NBValue] = []) async throws -> UInt64 {
        try await onReactor {
            let s = try await statement(sql)
            try await s.execute(values, on: self)
            if mysql_stmt_field_count(s.stmt) > 0 { _ = try await s.fetchAll(on: self) }
            return mysql_stmt_affected_rows(s.stmt)
        }
    }

    /// Gotcha: a continuation resumed by the reactor enqueues the task on its *generic* executor (the
    /// global pool, unless the task prefers a task executor) and only then hops back to this actor: two
    /// extra thread switches per wait. Preferring the reactor as task executor for the duration of
    /// the call makes the resumption stay on the reactor thread.
    @inline(__always)
    private func onReactor<T>(_ body: () async throws -> T) async throws -> T {
        let preferred = withUnsafeCurrentTask { $0?.unownedTaskExecutor }
        if preferred == reactor.asUnownedTaskExecutor() { return try await body() }
        return try await withTaskExecutorPreference(reactor, operation: body)
    }

    /// First column of every row, as Int (for checks like COUNT(*)).
    public func queryInts(_ sql: String, _ values: [NBValue] = []) async throws -> [Int] {
        try await onReactor {
            let s = try await statement(sql)
            try await s.execute(values, on: self)
            return try await s.fetchAll(on: self)
        }
    }
}

/// One prepared `MYSQL_STMT*`, used only by its connection (on the reactor thread).
final class NBStatement {
    let stmt: UnsafeMutablePointer<MYSQL_STMT>
    let parameterCount: Int

    private init(stmt: UnsafeMutablePointer<MYSQL_STMT>) {
        self.stmt = stmt
        parameterCount = Int(mysql_stmt_param_count(stmt))
    }

    static func prepare(mysql: UnsafeMutablePointer<MYSQL>, sql: String, on c: isolated NBConnection) async throws -> NBStatement {
        guard let stmt = mysql_stmt_init(mysql) else { throw NBError(code: 0, message: "out of memory") }
        // libmariadb runs the call in a coroutine that keeps using the query across _cont calls:
        // the buffer must outlive the whole start/cont sequence.
        let utf8 = Array(sql.utf8)
        let query = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        defer { query.deallocate() }
        for (i, b) in utf8.enumerated() { query[i] = CChar(bitPattern: b) }
        query[utf8.count] = 0
        var ret: Int32 = 0
        await c.drive({ mysql_stmt_prepare_start(&ret, stmt, query, UInt(utf8.count)) },
                      { mysql_stmt_prepare_cont(&ret, stmt, $0) })
        if ret != 0 {
            let error = Self.error(stmt)
            var closed: my_bool = 0
            await c.drive({ mysql_stmt_close_start(&closed, stmt) }, { mysql_stmt_close_cont(&closed, stmt, $0) })
            throw error
        }
        return NBStatement(stmt: stmt)
    }

    func execute(_ values: [NBValue], on c: isolated NBConnection) async throws {
        guard values.count == parameterCount else {
            throw NBError(code: 0, message: "\(parameterCount) placeholders but \(values.count) values")
        }
        let parameters = NBParameters(values)  // alive until the execute completes
        if parameterCount > 0, mysql_stmt_bind_param(stmt, parameters.binds) != 0 { throw Self.error(stmt) }
        var ret: Int32 = 0
        await c.drive({ mysql_stmt_execute_start(&ret, stmt) }, { mysql_stmt_execute_cont(&ret, stmt, $0) })
        withExtendedLifetime(parameters) {}
        if ret != 0 { throw Self.error(stmt) }
    }

    /// Fetches every row, binding the first column as a LONGLONG; then frees the result.
    func fetchAll(on c: isolated NBConnection) async throws -> [Int] {
        let columns = Int(mysql_stmt_field_count(stmt))
        let binds = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: columns)
        binds.initialize(repeating: MYSQL_BIND(), count: columns)
        let value = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        let isNull = UnsafeMutablePointer<my_bool>.allocate(capacity: 1)
        defer { binds.deallocate(); value.deallocate(); isNull.deallocate() }
        binds[0].buffer_type = MYSQL_TYPE_LONGLONG
        binds[0].buffer = UnsafeMutableRawPointer(value)
        binds[0].is_null = isNull
        for i in 1..<max(columns, 1) { binds[i].buffer_type = MYSQL_TYPE_NULL }
        guard mysql_stmt_bind_result(stmt, binds) == 0 else { throw Self.error(stmt) }
        var rows: [Int] = []
        while true {
            var ret: Int32 = 0
            await c.drive({ mysql_stmt_fetch_start(&ret, stmt) }, { mysql_stmt_fetch_cont(&ret, stmt, $0) })
            if ret == MYSQL_NO_DATA { break }
            if ret == 1 { throw Self.error(stmt) }
            rows.append(isNull.pointee != 0 ? 0 : Int(value.pointee))
        }
        var freed: my_bool = 0
        await c.drive({ mysql_stmt_free_result_start(&freed, stmt) }, { mysql_stmt_free_result_cont(&freed, stmt, $0) })
        return rows
    }

    func close(_ c: isolated NBConnection) async {
        var ret: my_bool = 0
        await c.drive({ mysql_stmt_close_start(&ret, stmt) }, { mysql_stmt_close_cont(&ret, stmt, $0) })
    }

    static func error(_ stmt: UnsafeMutablePointer<MYSQL_STMT>) -> NBError {
        NBError(code: mysql_stmt_errno(stmt), message: String(cString: mysql_stmt_error(stmt)))
    }
}

/// The C bind array for a statement's parameters and the memory it points into, alive for one execute.
/// (Adapted from /work/main/Sources/MariaDB/MariaDBStatement.swift.)
final class NBParameters {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private var allocations: [UnsafeMutableRawPointer] = []
    private let count: Int

    init(_ values: [NBValue]) {
        count = values.count
        binds = .allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(count, 1))
        for (i, value) in values.enumerated() { bind(value, at: i) }
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
        binds.deinitialize(count: max(count, 1))
        binds.deallocate()
    }

    private func store<T>(_ value: T, type: enum_field_types, at i: Int) {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        pointer.storeBytes(of: value, as: T.self)
        allocations.append(pointer)
        binds[i].buffer = pointer
        binds[i].buffer_type = type
        binds[i].buffer_length = UInt(MemoryLayout<T>.size)
    }

    private func store(bytes: some Collection<UInt8>, type: enum_field_types, at i: Int) {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        _ = UnsafeMutableRawBufferPointer(start: pointer, count: bytes.count).initializeMemory(as: UInt8.self, from: bytes)
        allocations.append(pointer)
        binds[i].buffer = pointer
        binds[i].buffer_type = type
        binds[i].buffer_length = UInt(bytes.count)
    }

    private func bind(_ value: NBValue, at i: Int) {
        switch value {
        case .null: binds[i].buffer_type = MYSQL_TYPE_NULL
        case .int(let v): store(v, type: MYSQL_TYPE_LONGLONG, at: i)
        case .string(let v): store(bytes: Array(v.utf8), type: MYSQL_TYPE_STRING, at: i)
        }
    }
}
