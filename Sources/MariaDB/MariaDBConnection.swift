import Synchronization

/// One MariaDB connection. Its executor is the reactor thread that owns its socket, so every C
/// call runs there: never on a SwiftNIO server loop, never on Swift's cooperative pool. A call
/// that waits for the server suspends; the reactor serves its other connections meanwhile.
///
/// Lease it from ``MariaDBClient/withConnection(isolation:_:)``; do not keep it afterwards. Its
/// calls must not overlap (each waits for the previous one): an overlapping call is refused.
public actor MariaDBConnection {
    nonisolated let reactor: MariaDBReactor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { reactor.asUnownedSerialExecutor() }

    private let configuration: MariaDBConfiguration
    private var handle: MariaDBHandle?
    private var lastUsed = ContinuousClock.now
    private var reader: MariaDBResultReader? {
        didSet { updateNeedsCheckIn() }
    }
    /// True between `START TRANSACTION` and `COMMIT`/`ROLLBACK`: no statement may be retried then.
    public private(set) var inTransaction = false {
        didSet { updateNeedsCheckIn() }
    }
    /// Set by the pool when it hands the connection out: the first statement of the lease checks
    /// the connection first. Folding that check into the statement saves a thread hop per lease.
    private nonisolated let justLeased = Atomic<Bool>(false)
    /// Whether the lease left state behind (an open transaction or stream, or a call still
    /// running) that `checkIn` must undo. Readable without a hop, so a clean lease ends without one.
    nonisolated let needsCheckIn = Atomic<Bool>(false)

    private func updateNeedsCheckIn() {
        needsCheckIn.store(reader != nil || inTransaction || busy, ordering: .relaxed)
    }

    /// True while a call is talking to the server (it may be suspended, waiting for the socket).
    private var busy = false {
        didSet { updateNeedsCheckIn() }
    }
    /// Set when the lease ended (or the pool closed the connection) while a call was still
    /// suspended: the socket is shut down so that the call fails at once, and the handle is
    /// discarded when the call returns, never under it (its C objects are in use until then).
    private var discardWhenIdle = false

    init(configuration: MariaDBConfiguration, reactor: MariaDBReactor) {
        self.configuration = configuration
        self.reactor = reactor
    }

    /// Runs one call: refuses an overlapping one (libmariadb allows one command in flight), and
    /// makes the task prefer the reactor meanwhile, so a reply resumes it right on the reactor
    /// thread. Without the preference, each resumption would go through the task's own executor
    /// and back: two thread switches per wait.
    private func exclusive<T>(_ body: nonisolated(nonsending) () async throws -> T) async throws -> T {
        guard !busy else {
            throw MariaDBError(kind: .usage, message: "a call on this connection is still running; await it before the next")
        }
        busy = true
        defer { callEnded() }
        if withUnsafeCurrentTask(body: { $0?.unownedTaskExecutor }) == reactor.asUnownedTaskExecutor() {
            return try await body()
        }
        return try await withTaskExecutorPreference(reactor, operation: body)
    }

    private func callEnded() {
        busy = false
        if discardWhenIdle {
            discardWhenIdle = false
            discardHandle()
        }
    }

    // MARK: Lifecycle (called by the pool)

    nonisolated func markLeased() {
        justLeased.store(true, ordering: .relaxed)
    }

    /// Runs the lease's check before its first statement.
    private func checkOutIfJustLeased() async throws {
        if justLeased.exchange(false, ordering: .relaxed) {
            try await checkOut()
        }
        lastUsed = .now
    }

    /// Makes the connection usable: reconnects a closed one, and checks (without a round trip) that
    /// the server has not closed an idle one, as it does when it restarts.
    private func checkOut() async throws {
        if let handle, ContinuousClock.now - lastUsed > configuration.idleCheckInterval, !handle.socketLooksAlive() {
            discardHandle()
        }
        _ = try await openHandle()
    }

    /// Leaves the connection clean for the next lease.
    func checkIn() async {
        lastUsed = .now
        // A call still running here was abandoned by its lease (only possible with unstructured
        // tasks): the connection's state is unknown, so it is dropped once that call returns.
        if busy {
            abandonRunningCall()
            return
        }
        busy = true
        defer { callEnded() }
        // A result left half read: dropping the connection is cheaper than reading the rest.
        await dropReader()
        if inTransaction {
            // The lease ended inside a transaction (the caller forgot, or threw): undo it.
            do { try await handle?.simpleQuery("ROLLBACK") } catch { discardHandle() }
            inTransaction = false
        }
    }

    func close() {
        if busy {
            abandonRunningCall()
            return
        }
        if reader != nil { handle?.shutDownSocket() }  // nothing left to read then
        reader = nil
        handle?.close()
        handle = nil
    }

    private func abandonRunningCall() {
        handle?.shutDownSocket()
        discardWhenIdle = true
    }

    /// Forgets the open stream. One not read to its end is dropped with the connection (closing
    /// its statement would otherwise read every remaining row, blocking the I/O thread), except
    /// inside a transaction, which must not be lost: there the rest is read without blocking.
    private func dropReader() async {
        guard let reader else { return }
        if !reader.finished && inTransaction {
            await reader.finish()
        }
        if reader.finished {
            self.reader = nil
        } else {
            discardHandle()
        }
    }

    private func discardHandle() {
        handle?.shutDownSocket()
        reader = nil
        handle?.close()
        handle = nil
        inTransaction = false
    }

    private func openHandle() async throws -> MariaDBHandle {
        if let handle { return handle }
        let fresh = try await MariaDBHandle.connect(configuration: configuration, reactor: reactor)
        handle = fresh
        return fresh
    }

    /// The TLS cipher in use, or nil when the session is plain text.
    public func tlsCipher() async throws -> String? {
        try await exclusive {
            try await checkOutIfJustLeased()
            return try await openHandle().tlsCipher
        }
    }

    // MARK: Statements

    /// Runs `body` with the prepared statement for `query`. Preparing executes nothing, so when
    /// the connection turns out to be lost at that point (and no transaction is open) it is
    /// replaced and the prepare retried once. Failures after that are reported, never re-sent.
    private func withStatement<T>(_ query: SQLQuery, _ body: nonisolated(nonsending) (MariaDBStatement) async throws -> T) async throws -> T {
        try await checkOutIfJustLeased()
        guard reader == nil else {
            throw MariaDBError(kind: .usage, message: "the connection is streaming a result; finish it first")
        }
        var statement: MariaDBStatement
        do {
            statement = try await openHandle().statement(for: query.sql)
        } catch let error as MariaDBError where error.isConnectionLost && !inTransaction {
            discardHandle()
            statement = try await openHandle().statement(for: query.sql)
        } catch let error as MariaDBError where error.isConnectionLost {
            discardHandle()
            throw error
        }
        do {
            return try await body(statement)
        } catch let error as MariaDBError where error.isConnectionLost {
            discardHandle()
            throw error
        }
    }

    /// Runs a statement that returns rows and collects them all. For large results use ``stream(_:batchSize:isolation:_:)``.
    public func query(_ query: SQLQuery) async throws -> [MariaDBRow] {
        try await exclusive {
            try await withStatement(query) { statement in
                guard let reader = try await statement.execute(query.binds) else { return [] }
                var rows: [MariaDBRow] = []
                do {
                    while try await reader.fetch(into: &rows, limit: 4096) {}
                } catch {
                    // A row that did not decode: the rest is read and dropped, without blocking.
                    await reader.finish()
                    throw error
                }
                return rows
            }
        }
    }

    /// Runs a statement that returns no rows.
    @discardableResult
    public func execute(_ query: SQLQuery) async throws -> MariaDBExecuteResult {
        try await exclusive {
            try await withStatement(query) { statement in
                if let reader = try await statement.execute(query.binds) { await reader.finish() }
                return MariaDBExecuteResult(affectedRows: statement.affectedRows, lastInsertID: statement.lastInsertID)
            }
        }
    }

    /// Runs SQL without values over the text protocol (DDL, `SET`, …). Returns the affected rows.
    @discardableResult
    public func execute(unsafeSQL sql: String) async throws -> UInt64 {
        try await exclusive { try await simpleQuery(sql) }
    }

    private func simpleQuery(_ sql: String) async throws -> UInt64 {
        try await checkOutIfJustLeased()
        guard reader == nil else {
            throw MariaDBError(kind: .usage, message: "the connection is streaming a result; finish it first")
        }
        do {
            return try await openHandle().simpleQuery(sql)
        } catch let error as MariaDBError where error.isConnectionLost {
            discardHandle()
            throw error
        }
    }

    func openStream(_ query: SQLQuery) async throws {
        try await exclusive {
            reader = try await withStatement(query) { statement in
                guard let reader = try await statement.execute(query.binds) else {
                    throw MariaDBError(kind: .usage, message: "stream() needs a statement that returns rows")
                }
                return reader
            }
        }
    }

    func nextBatch(limit: Int) async throws -> [MariaDBRow]? {
        try await exclusive {
            guard let reader else { return nil }
            var rows: [MariaDBRow] = []
            rows.reserveCapacity(limit)
            do {
                let more = try await reader.fetch(into: &rows, limit: limit)
                if !more { self.reader = nil }
            } catch {
                if let error = error as? MariaDBError, error.isConnectionLost { discardHandle() }
                await dropReader()
                throw error
            }
            return rows.isEmpty ? nil : rows
        }
    }

    /// Encodes rows of the open stream on this thread until `minimumBytes` are written or the
    /// result ends; nil when no row was left.
    func nextEncoded(
        minimumBytes: Int, encode: @Sendable (MariaDBRowView, inout [UInt8]) throws -> Void
    ) async throws -> (bytes: [UInt8], rows: Int)? {
        try await exclusive {
            guard let reader else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(minimumBytes + minimumBytes / 2)
            var rows = 0
            do {
                var more = true
                while more && bytes.count < minimumBytes {
                    more = try await reader.visit(limit: 256) { row in
                        try encode(row, &bytes)
                        rows += 1
                    }
                }
                if !more { self.reader = nil }
            } catch {
                if let error = error as? MariaDBError, error.isConnectionLost { discardHandle() }
                await dropReader()
                throw error
            }
            return rows == 0 ? nil : (bytes, rows)
        }
    }

    func closeStream() async {
        _ = try? await exclusive { await dropReader() }
    }

    // MARK: Transactions

    func begin() async throws {
        try await exclusive {
            try await checkOutIfJustLeased()
            guard !inTransaction else { throw MariaDBError(kind: .usage, message: "a transaction is already open") }
            do {
                try await openHandle().simpleQuery("START TRANSACTION")
            } catch let error as MariaDBError where error.isConnectionLost {
                // Nothing has happened in this transaction yet: a fresh connection is safe.
                discardHandle()
                try await openHandle().simpleQuery("START TRANSACTION")
            }
            inTransaction = true
        }
    }

    func commit() async throws {
        try await exclusive {
            defer { inTransaction = false }
            try await simpleQuery("COMMIT")
        }
    }

    func rollback() async throws {
        try await exclusive {
            defer { inTransaction = false }
            try await simpleQuery("ROLLBACK")
        }
    }
}
