import Foundation
internal import CMariaDB

/// Owns one prepared `MYSQL_STMT*`. Used only on its connection's reactor thread.
final class MariaDBStatement {
    private var stmt: UnsafeMutablePointer<MYSQL_STMT>?
    let io: MariaDBIO
    /// The reader of the result being fetched, if any: closing the statement finishes it first.
    private weak var reader: MariaDBResultReader?
    let parameterCount: Int

    private init(stmt: UnsafeMutablePointer<MYSQL_STMT>, io: MariaDBIO) {
        self.stmt = stmt
        self.io = io
        self.parameterCount = Int(mysql_stmt_param_count(stmt))
    }

    static func prepare(
        mysql: UnsafeMutablePointer<MYSQL>, io: MariaDBIO, sql: String, isolation: isolated (any Actor)? = #isolation
    ) async throws -> MariaDBStatement {
        guard let stmt = mysql_stmt_init(mysql) else {
            throw MariaDBError(kind: .connection, message: "out of memory preparing a statement")
        }
        let query = MariaDBCString(sql)
        let failed = await io.call(
            Int32(0),
            start: { mysql_stmt_prepare_start(&$0, stmt, query.pointer, UInt(query.count)) },
            cont: { mysql_stmt_prepare_cont(&$0, stmt, $1) })
        withExtendedLifetime(query) {}
        if failed != 0 {
            let error = Self.error(stmt, io, stage: .prepare)
            mysql_stmt_close(stmt)
            throw error
        }
        return MariaDBStatement(stmt: stmt, io: io)
    }

    deinit { close() }

    /// The C handle while the statement is open; nil once closed.
    var handle: UnsafeMutablePointer<MYSQL_STMT>? { stmt }

    func close() {
        reader?.finishBlocking()
        reader = nil
        if let stmt { mysql_stmt_close(stmt) }
        stmt = nil
    }

    static func error(_ stmt: UnsafeMutablePointer<MYSQL_STMT>, _ io: MariaDBIO, stage: MariaDBHandle.Stage) -> MariaDBError {
        io.error(
            code: mysql_stmt_errno(stmt), sqlState: String(cString: mysql_stmt_sqlstate(stmt)),
            message: String(cString: mysql_stmt_error(stmt)), stage: stage)
    }

    /// Binds the values and executes. Returns a reader when the statement produced a result set;
    /// its rows stream from the server as they are fetched (nothing is buffered client-side).
    func execute(_ values: [MariaDBValue], isolation: isolated (any Actor)? = #isolation) async throws -> MariaDBResultReader? {
        guard let stmt else { throw MariaDBError(kind: .usage, message: "statement is closed") }
        // A result left unread (its reader still alive) is dropped before the statement runs again.
        await reader?.finish()
        reader = nil
        guard values.count == parameterCount else {
            throw MariaDBError(kind: .usage, message: "the statement has \(parameterCount) placeholders but \(values.count) values were bound")
        }
        let parameters = MariaDBParameters(values)
        if parameterCount > 0, mysql_stmt_bind_param(stmt, parameters.binds) != 0 {
            throw Self.error(stmt, io, stage: .prepare)
        }
        let failed = await io.call(Int32(0), start: { mysql_stmt_execute_start(&$0, stmt) }, cont: { mysql_stmt_execute_cont(&$0, stmt, $1) })
        withExtendedLifetime(parameters) {}
        guard failed == 0 else { throw Self.error(stmt, io, stage: .execute) }
        guard mysql_stmt_field_count(stmt) > 0 else { return nil }
        let reader = try MariaDBResultReader(statement: self, stmt: stmt)
        self.reader = reader
        return reader
    }

    var affectedRows: UInt64 { stmt.map { mysql_stmt_affected_rows($0) } ?? 0 }
    var lastInsertID: UInt64 { stmt.map { mysql_stmt_insert_id($0) } ?? 0 }
}

/// The C bind array for a statement's parameters and the memory it points into, alive for one execute.
private final class MariaDBParameters {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private var allocations: [UnsafeMutableRawPointer] = []
    private let count: Int

    init(_ values: [MariaDBValue]) {
        count = values.count
        binds = .allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(count, 1))
        for (i, value) in values.enumerated() {
            bind(value, at: i)
        }
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

    private func bind(_ value: MariaDBValue, at i: Int) {
        switch value {
        case .null:
            binds[i].buffer_type = MYSQL_TYPE_NULL
        case .int(let v):
            store(v, type: MYSQL_TYPE_LONGLONG, at: i)
        case .uint(let v):
            store(v, type: MYSQL_TYPE_LONGLONG, at: i)
            binds[i].is_unsigned = 1
        case .double(let v):
            store(v, type: MYSQL_TYPE_DOUBLE, at: i)
        case .bool(let v):
            store(Int8(v ? 1 : 0), type: MYSQL_TYPE_TINY, at: i)
        case .decimal(let v):
            // The decimal's text is exact; the server parses it into the DECIMAL column.
            store(bytes: Array(v.description.utf8), type: MYSQL_TYPE_NEWDECIMAL, at: i)
        case .string(let v):
            store(bytes: Array(v.utf8), type: MYSQL_TYPE_STRING, at: i)
        case .bytes(let v):
            store(bytes: v, type: MYSQL_TYPE_BLOB, at: i)
        case .date(let v):
            let c = MariaDBTime.components(from: v)
            var time = MYSQL_TIME()
            time.year = UInt32(c.year)
            time.month = UInt32(c.month)
            time.day = UInt32(c.day)
            time.hour = UInt32(c.hour)
            time.minute = UInt32(c.minute)
            time.second = UInt32(c.second)
            time.second_part = UInt(c.microsecond)
            time.time_type = MYSQL_TIMESTAMP_DATETIME
            store(time, type: MYSQL_TYPE_DATETIME, at: i)
        }
    }
}
