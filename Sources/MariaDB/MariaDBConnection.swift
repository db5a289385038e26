import NIOCore
import Synchronization

/// One MariaDB connection. Its executor is its own event loop thread, so every blocking C call
/// runs there: never on a SwiftNIO server loop, never on Swift's cooperative pool.
///
/// Lease it from ``MariaDBClient/withConnection(isolation:_:)``; do not keep it afterwards.
public actor MariaDBConnection {
    nonisolated let eventLoop: any EventLoop
    public nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }

    private let configuration: MariaDBConfiguration
    private var handle: MariaDBHandle?
    private var lastUsed = ContinuousClock.now
    private var reader: MariaDBResultReader? {
        didSet { needsCheckIn.store(reader != nil || inTransaction, ordering: .relaxed) }
    }
    /// True between `START TRANSACTION` and `COMMIT`/`ROLLBACK`: no statement may be retried then.
    public private(set) var inTransaction = false {
        didSet { needsCheckIn.store(reader != nil || inTransaction, ordering: .relaxed) }
    }
    /// Set by the pool when it hands the connection out: the first statement of the lease checks
    /// the connection first. Folding that check into the statement saves a thread hop per lease.
    private nonisolated let justLeased = Atomic<Bool>(false)
    /// Whether the lease left state behind (an open transaction or stream) that `checkIn` must undo.
    /// Readable without a hop, so a clean lease ends without one.
    nonisolated let needsCheckIn = Atomic<Bool>(false)

    init(configuration: MariaDBConfiguration, eventLoop: any EventLoop) {
        self.configuration = configuration
        self.eventLoop = eventLoop
    }

    // MARK: Lifecycle (called by the pool)

    nonisolated func markLeased() {
        justLeased.store(true, ordering: .relaxed)
    }

    /// Runs the lease's check before its first statement.
    private func checkOutIfJustLeased() throws {
        if justLeased.exchange(false, ordering: .relaxed) {
            try checkOut()
        }
        lastUsed = .now
    }

    /// Makes the connection usable: reconnects a closed one, and checks (without a round trip) that
    /// the server has not closed an idle one, as it does when it restarts.
    private func checkOut() throws {
        if let handle, ContinuousClock.now - lastUsed > configuration.idleCheckInterval, !handle.socketLooksAlive() {
            discardHandle()
        }
        _ = try openHandle()
    }

    /// Leaves the connection clean for the next lease.
    func checkIn() {
        lastUsed = .now
        if let reader {
            reader.finish()
            self.reader = nil
        }
        if inTransaction {
            // The lease ended inside a transaction (the caller forgot, or threw): undo it.
            do { try handle?.simpleQuery("ROLLBACK") } catch { discardHandle() }
            inTransaction = false
        }
    }

    func close() {
        reader = nil
        handle?.close()
        handle = nil
    }

    private func discardHandle() {
        reader = nil
        handle?.close()
        handle = nil
        inTransaction = false
    }

    private func openHandle() throws -> MariaDBHandle {
        if let handle { return handle }
        let fresh = try MariaDBHandle(configuration: configuration)
        handle = fresh
        return fresh
    }

    /// The TLS cipher in use, or nil when the session is plain text.
    public func tlsCipher() throws -> String? {
        try checkOutIfJustLeased()
        return try openHandle().tlsCipher
    }

    // MARK: Statements

    /// Runs `body` with the prepared statement for `query`. Preparing executes nothing, so when
    /// the connection turns out to be lost at that point (and no transaction is open) it is
    /// replaced and the prepare retried once. Failures after that are reported, never re-sent.
    private func withStatement<T>(_ query: SQLQuery, _ body: (MariaDBStatement) throws -> T) throws -> T {
        try checkOutIfJustLeased()
        guard reader == nil else {
            throw MariaDBError(kind: .usage, message: "the connection is streaming a result; finish it first")
        }
        var statement: MariaDBStatement
        do {
            statement = try openHandle().statement(for: query.sql)
        } catch let error as MariaDBError where error.isConnectionLost && !inTransaction {
            discardHandle()
            statement = try openHandle().statement(for: query.sql)
        } catch let error as MariaDBError where error.isConnectionLost {
            discardHandle()
            throw error
        }
        do {
            return try body(statement)
        } catch let error as MariaDBError where error.isConnectionLost {
            discardHandle()
            throw error
        }
    }

    /// Runs a statement that returns rows and collects them all. For large results use ``stream(_:batchSize:isolation:_:)``.
    public func query(_ query: SQLQuery) throws -> [MariaDBRow] {
        try withStatement(query) { statement in
            guard let reader = try statement.execute(query.binds) else { return [] }
            defer { reader.finish() }
            var rows: [MariaDBRow] = []
            while try reader.fetch(into: &rows, limit: 4096) {}
            return rows
        }
    }

    /// Runs a statement that returns no rows.
    @discardableResult
    public func execute(_ query: SQLQuery) throws -> MariaDBExecuteResult {
        try withStatement(query) { statement in
            if let reader = try statement.execute(query.binds) { reader.finish() }
            return MariaDBExecuteResult(affectedRows: statement.affectedRows, lastInsertID: statement.lastInsertID)
        }
    }

    /// Runs SQL without values over the text protocol (DDL, `SET`, …). Returns the affected rows.
    @discardableResult
    public func execute(unsafeSQL sql: String) throws -> UInt64 {
        try checkOutIfJustLeased()
        guard reader == nil else {
            throw MariaDBError(kind: .usage, message: "the connection is streaming a result; finish it first")
        }
        do {
            return try openHandle().simpleQuery(sql)
        } catch let error as MariaDBError where error.isConnectionLost {
            discardHandle()
            throw error
        }
    }

    func openStream(_ query: SQLQuery) throws {
        reader = try withStatement(query) { statement in
            guard let reader = try statement.execute(query.binds) else {
                throw MariaDBError(kind: .usage, message: "stream() needs a statement that returns rows")
            }
            return reader
        }
    }

    func nextBatch(limit: Int) throws -> [MariaDBRow]? {
        guard let reader else { return nil }
        var rows: [MariaDBRow] = []
        rows.reserveCapacity(limit)
        do {
            let more = try reader.fetch(into: &rows, limit: limit)
            if !more { self.reader = nil }
        } catch let error as MariaDBError {
            self.reader = nil
            if error.isConnectionLost { discardHandle() }
            throw error
        }
        return rows.isEmpty ? nil : rows
    }

    /// Encodes rows of the open stream on this thread until `minimumBytes` are written or the
    /// result ends; nil when no row was left.
    func nextEncoded(
        minimumBytes: Int, encode: @Sendable (MariaDBRowView, inout [UInt8]) throws -> Void
    ) throws -> (bytes: [UInt8], rows: Int)? {
        guard let reader else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(minimumBytes + minimumBytes / 2)
        var rows = 0
        do {
            var more = true
            while more && bytes.count < minimumBytes {
                more = try reader.visit(limit: 256) { row in
                    try encode(row, &bytes)
                    rows += 1
                }
            }
            if !more { self.reader = nil }
        } catch {
            self.reader = nil
            if let error = error as? MariaDBError, error.isConnectionLost { discardHandle() }
            throw error
        }
        return rows == 0 ? nil : (bytes, rows)
    }

    func closeStream() {
        reader?.finish()
        reader = nil
    }

    // MARK: Transactions

    func begin() throws {
        try checkOutIfJustLeased()
        guard !inTransaction else { throw MariaDBError(kind: .usage, message: "a transaction is already open") }
        do {
            try openHandle().simpleQuery("START TRANSACTION")
        } catch let error as MariaDBError where error.isConnectionLost {
            // Nothing has happened in this transaction yet: a fresh connection is safe.
            discardHandle()
            try openHandle().simpleQuery("START TRANSACTION")
        }
        inTransaction = true
    }

    func commit() throws {
        defer { inTransaction = false }
        try execute(unsafeSQL: "COMMIT")
    }

    func rollback() throws {
        defer { inTransaction = false }
        try execute(unsafeSQL: "ROLLBACK")
    }
}
