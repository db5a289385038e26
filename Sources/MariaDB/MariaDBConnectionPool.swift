import NIOCore
import Synchronization

/// A fixed set of connections handed out one lease at a time. Connections are created lazily
/// (they connect on first lease), waiters are served first come, first served, and a waiter that
/// waits past the timeout gets `.poolExhausted` instead of hanging.
final class MariaDBConnectionPool: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<MariaDBConnection, any Error>
        let timeout: Scheduled<Void>?
    }

    private struct State {
        var idle: [MariaDBConnection]
        var waiters = CircularBuffer<Waiter>()
        var nextID: UInt64 = 0
        var isShutDown = false
        var leased = 0

        /// The most recently used idle connection, preferring one whose reactor is the calling
        /// thread (a task running there then needs no thread switch for its statements).
        mutating func takeIdle() -> MariaDBConnection? {
            if let index = idle.lastIndex(where: { $0.reactor.isCurrent }) {
                return idle.remove(at: index)
            }
            return idle.popLast()
        }
    }

    private let state: Mutex<State>
    private let timerLoop: any EventLoop
    let size: Int

    init(connections: [MariaDBConnection], timerLoop: any EventLoop) {
        self.size = connections.count
        self.state = Mutex(State(idle: connections.reversed()))
        self.timerLoop = timerLoop
    }

    /// Connections in use, and callers waiting for one (for metrics).
    var usage: (leased: Int, waiting: Int) { state.withLock { ($0.leased, $0.waiters.count) } }

    func acquire(timeout: Duration) async throws -> MariaDBConnection {
        // A cancelled task gets no connection, even when one is free.
        try Task.checkCancellation()
        let fast: Result<MariaDBConnection, any Error>? = state.withLock { s in
            if s.isShutDown { return .failure(Self.shutDownError) }
            guard let connection = s.takeIdle() else { return nil }
            s.leased += 1
            return .success(connection)
        }
        if let fast { return try fast.get() }

        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<MariaDBConnection, any Error>) in
                let immediate: Result<MariaDBConnection, any Error>? = state.withLock { s in
                    if s.isShutDown { return .failure(Self.shutDownError) }
                    // The cancellation handler may have run already and found no waiter; the
                    // flag is set before it runs, so this check closes that gap.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = s.takeIdle() {
                        s.leased += 1
                        return .success(connection)
                    }
                    // Scheduled under the lock, so the timer always finds its waiter queued.
                    let timer = timerLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { [weak self] in
                        guard let self else { return }
                        fail(id, with: MariaDBError(kind: .poolExhausted, message: "no database connection became free within \(timeout) (pool of \(size))"))
                    }
                    s.waiters.append(Waiter(id: id, continuation: continuation, timeout: timer))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            fail(id, with: CancellationError())
        }
    }

    /// Takes a connection back. Returns false once the pool is shut down: the caller then
    /// closes the connection, which no one else will.
    func release(_ connection: MariaDBConnection) -> Bool {
        let (waiter, kept): (Waiter?, Bool) = state.withLock { s in
            if !s.waiters.isEmpty { return (s.waiters.removeFirst(), true) }
            s.leased -= 1
            if s.isShutDown { return (nil, false) }
            s.idle.append(connection)
            return (nil, true)
        }
        if let waiter {
            waiter.timeout?.cancel()
            waiter.continuation.resume(returning: connection)
        }
        return kept
    }

    private func fail(_ id: UInt64, with error: any Error) {
        let waiter: Waiter? = state.withLock { s in
            if let index = s.waiters.firstIndex(where: { $0.id == id }) {
                return s.waiters.remove(at: index)
            }
            return nil  // served already, or not queued yet (see `acquire`)
        }
        if let waiter {
            waiter.timeout?.cancel()
            waiter.continuation.resume(throwing: error)
        }
    }

    /// Fails every waiter and returns the idle connections so they can be closed.
    func shutDown() -> [MariaDBConnection] {
        let (waiters, idle) = state.withLock { s in
            s.isShutDown = true
            let waiters = Array(s.waiters)
            s.waiters.removeAll()
            let idle = s.idle
            s.idle.removeAll()
            return (waiters, idle)
        }
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.continuation.resume(throwing: Self.shutDownError)
        }
        return idle
    }

    static let shutDownError = MariaDBError(kind: .usage, message: "the database client is shut down")
}
