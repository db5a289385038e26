import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A pooled Redis client built on hiredis' blocking API.
///
/// Every hiredis call runs on a dedicated `NIOThreadPool` with one thread per connection, so
/// blocking I/O never occupies an event loop or Swift's cooperative pool. Run the client as a
/// ServiceLifecycle `Service` (or call ``shutdown()``) so its threads and sockets are released.
public final class RedisClient: Service, Sendable {
    /// The configuration this client was created with.
    public let configuration: RedisConfiguration
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let pool: RedisConnectionPool
    private let shutdownStarted = Mutex(false)

    /// Creates the client and starts its threads; no connection is made until the first command.
    /// - Precondition: `configuration.poolSize >= 1`.
    public init(configuration: RedisConfiguration, logger: Logger) {
        precondition(configuration.poolSize >= 1, "RedisConfiguration.poolSize must be at least 1")
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "redis.server"] = "\(configuration.host):\(configuration.port)"
        self.logger = logger
        // Not NIOThreadPool.singleton: its two threads are shared with the rest of the process,
        // and a slow Redis command would starve unrelated blocking work (and vice versa).
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.threadPool.start()
        self.pool = RedisConnectionPool(
            connections: (0..<configuration.poolSize).map { _ in RedisConnection(configuration: configuration) }
        )
    }

    deinit {
        // Safety net for a client dropped without run()/shutdown(): stop the threads instead of
        // leaking them (and tripping NIOThreadPool's debug assertion). Nothing can be awaited here.
        if !shutdownStarted.withLock({ $0 }) {
            pool.shutdown()
            threadPool.shutdownGracefully { _ in }
        }
    }

    /// Waits for graceful shutdown (or cancellation), then closes all connections and stops the
    /// thread pool.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes idle connections, fails waiting callers with ``RedisError/Kind/shutdown`` and stops
    /// the thread pool once commands already running have finished. Safe to call more than once.
    public func shutdown() async {
        let isFirstCall = shutdownStarted.withLock { started in
            defer { started = true }
            return !started
        }
        guard isFirstCall else { return }
        logger.debug("Shutting down Redis client")
        pool.shutdown()
        do {
            try await threadPool.shutdownGracefully()
        } catch {
            logger.warning("Redis thread pool did not shut down cleanly", metadata: ["error": "\(error)"])
        }
    }

    /// Sends one command, e.g. `send("SET", key, value, "PX", 500)`.
    ///
    /// - Returns: The reply; never ``RESPValue/error(_:)``.
    /// - Throws: ``RedisError`` of kind `.server` for an error reply, `.connection` if the
    ///   connection broke (the command may have run; it is not re-sent), `.timeout`,
    ///   `.poolExhausted`, `.shutdown`; or `CancellationError` if cancelled before it was sent.
    public func send(_ command: String, _ args: any RedisArgumentConvertible...) async throws -> RESPValue {
        try await send(command, arguments: args)
    }

    /// Sends one command whose arguments were assembled at run time.
    ///
    /// Labelled so that a single `[UInt8]` argument cannot be mistaken for an argument list.
    public func send(_ command: String, arguments: [any RedisArgumentConvertible]) async throws -> RESPValue {
        var argv: [[UInt8]] = [Array(command.utf8)]
        argv.reserveCapacity(arguments.count + 1)
        for argument in arguments {
            argv.append(argument.redisArgumentBytes)
        }
        let command = argv
        let reply = try await withConnection { connection throws(RedisError) in
            try connection.execute(command)
        }
        if case .error(let text) = reply {
            throw RedisError.server(text)
        }
        return reply
    }

    /// Sends all commands in one write and reads all replies: one round trip.
    ///
    /// Each inner array is one command, name first: `[["SET", "k", "v"], ["GET", "k"]]`.
    /// Error replies are returned in place as ``RESPValue/error(_:)`` rather than thrown, so
    /// the other results stay usable and `MULTI`/`EXEC` blocks work.
    /// - Throws: ``RedisError`` for transport failures, which lose every reply of the batch.
    public func pipeline(_ commands: [[any RedisArgumentConvertible]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let argvs = try commands.map { command throws(RedisError) in
            guard !command.isEmpty else {
                throw RedisError(kind: .protocol, message: "a pipeline command must not be empty")
            }
            return command.map(\.redisArgumentBytes)
        }
        return try await withConnection { connection throws(RedisError) in
            try connection.executePipeline(argvs)
        }
    }

    /// Leases a connection and runs `body` on the thread pool with it.
    private func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> (T, reconnected: Bool)
    ) async throws -> T {
        let connection = try await pool.acquire(timeout: configuration.acquireTimeout)
        defer { pool.release(connection) }
        do {
            let (value, reconnected) = try await threadPool.runIfActive { try body(connection) }
            if reconnected {
                logger.debug("Opened Redis connection")
            }
            return value
        } catch let error as RedisError {
            if error.kind != .server {
                logger.warning(
                    "Redis command failed; connection discarded",
                    metadata: ["redis.error.kind": "\(error.kind)", "redis.error": "\(error.message)"]
                )
            }
            throw error
        } catch is CancellationError where pool.isShutdown {
            // The thread pool cancels queued work when it stops.
            throw RedisConnectionPool.shutdownError
        }
    }
}
