import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The MariaDB client: a bounded pool of connections, run as a ServiceLifecycle `Service`.
///
/// ```swift
/// let rows = try await db.query("SELECT id, email FROM users WHERE id = \(id)")
/// try await db.withTransaction { conn in
///     try await conn.execute("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(from)")
///     try await conn.execute("UPDATE accounts SET balance = balance + \(amount) WHERE id = \(to)")
/// }
/// ```
public final class MariaDBClient: Service, Sendable {
    public let configuration: MariaDBConfiguration
    private let logger: Logger
    /// The I/O threads: each runs libmariadb in non-blocking mode for its share of the connections.
    private let reactors: [MariaDBReactor]
    /// One thread for the pool's timers.
    private let timers: MultiThreadedEventLoopGroup
    private let pool: MariaDBConnectionPool

    public init(configuration: MariaDBConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let size = max(1, configuration.poolSize)
        let reactors = (0..<max(1, min(configuration.ioThreads, size))).map { MariaDBReactor(name: "mariadb-io-\($0)") }
        self.reactors = reactors
        timers = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = (0..<size).map {
            MariaDBConnection(configuration: configuration, reactor: reactors[$0 % reactors.count])
        }
        pool = MariaDBConnectionPool(connections: connections, timerLoop: timers.next())
    }

    /// An executor for tasks that mostly talk to the database: one of the client's I/O threads.
    /// A task that prefers it (`withTaskExecutorPreference(db.taskExecutor) { … }`) runs its own
    /// code there too, so a statement's reply resumes it without a thread switch, and a lease
    /// goes to a connection of that thread when one is free. Handy for batch jobs and workers;
    /// keep CPU-heavy work off it, as it delays the replies of the thread's other connections.
    /// Successive calls hand out the threads in turn.
    public var taskExecutor: any TaskExecutor {
        reactors[nextReactor.add(1, ordering: .relaxed).oldValue % reactors.count]
    }
    private let nextReactor = Atomic<Int>(0)

    /// Connections leased right now, callers waiting for one, and the pool's size.
    public var usage: (leased: Int, waiting: Int, size: Int) {
        let (leased, waiting) = pool.usage
        return (leased, waiting, pool.size)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes the idle connections and stops the pool's threads. Leases still running finish first
    /// only if the caller waits for them; new leases fail.
    public func shutdown() async {
        for connection in pool.shutDown() {
            await connection.close()
        }
        for reactor in reactors { reactor.stop() }
        try? await timers.shutdownGracefully()
    }

    /// Leases a connection for the duration of `body`.
    @discardableResult
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (MariaDBConnection) async throws -> T
    ) async throws -> T {
        let connection = try await pool.acquire(timeout: configuration.acquireTimeout)
        connection.markLeased()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(connection))
        } catch {
            result = .failure(error)
        }
        if connection.needsCheckIn.load(ordering: .relaxed) {
            await connection.checkIn()
        }
        if !pool.release(connection) {
            await connection.close()
        }
        return try result.get()
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    @discardableResult
    public func withTransaction<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (MariaDBConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.begin()
            let result: T
            do {
                result = try await body(connection)
            } catch {
                do { try await connection.rollback() } catch { logger.debug("rollback failed: \(error)") }
                throw error
            }
            try await connection.commit()
            return result
        }
    }

    /// Runs a statement that returns rows, on a leased connection.
    public func query(_ query: SQLQuery) async throws -> [MariaDBRow] {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs a statement that returns no rows, on a leased connection.
    @discardableResult
    public func execute(_ query: SQLQuery) async throws -> MariaDBExecuteResult {
        try await withConnection { try await $0.execute(query) }
    }

    /// Streams a result in batches of `batchSize` rows on a leased connection: the server sends
    /// rows as they are read and only one batch is held in memory, so a million rows cost no
    /// more than a thousand. `body` runs in the caller's isolation. Returns the number of rows.
    @discardableResult
    public func stream(
        _ query: SQLQuery, batchSize: Int = 1024, isolation: isolated (any Actor)? = #isolation,
        _ body: ([MariaDBRow]) async throws -> Void
    ) async throws -> Int {
        try await pipelined(query, next: { try await $0.nextBatch(limit: batchSize) }, rows: \.count, body)
    }

    /// Streams a result as encoded bytes: `encode` turns each row, seen in place in the client
    /// library's buffers (no Swift values are made), into bytes on the connection's thread, and
    /// `body` gets chunks of at least `chunkBytes` (the last may be smaller) with their row
    /// counts, in the caller's isolation, while the next chunk is being encoded. For exports of
    /// any size at the cost of one chunk of memory. Returns the number of rows.
    @discardableResult
    public func streamEncoded(
        _ query: SQLQuery, chunkBytes: Int = 64 * 1024, isolation: isolated (any Actor)? = #isolation,
        encode: @escaping @Sendable (MariaDBRowView, inout [UInt8]) throws -> Void,
        _ body: (_ bytes: [UInt8], _ rows: Int) async throws -> Void
    ) async throws -> Int {
        try await pipelined(
            query, next: { try await $0.nextEncoded(minimumBytes: chunkBytes, encode: encode) }, rows: \.rows,
            { try await body($0.bytes, $0.rows) })
    }

    /// Opens a stream for `query` and hands its chunks to `body` in the caller's isolation, the
    /// connection fetching the next chunk meanwhile. Returns the number of rows.
    private func pipelined<Chunk: Sendable>(
        _ query: SQLQuery, isolation: isolated (any Actor)? = #isolation,
        next: @escaping @Sendable (MariaDBConnection) async throws -> Chunk?, rows: (Chunk) -> Int,
        _ body: (Chunk) async throws -> Void
    ) async throws -> Int {
        try await withConnection { connection in
            try await connection.openStream(query)
            var total = 0
            do {
                var pending = try await next(connection)
                while let chunk = pending {
                    async let following = next(connection)
                    total += rows(chunk)
                    try await body(chunk)
                    pending = try await following
                }
            } catch {
                await connection.closeStream()
                throw error
            }
            return total
        }
    }
}
