import Synchronization

/// A fixed set of connections handed out one caller at a time, with FIFO waiting.
///
/// The connection objects exist from the start and connect lazily, so the pool only tracks who
/// holds which slot; (re)connecting happens inside the holder's work item on the thread pool.
final class RedisConnectionPool: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<RedisConnection, any Error>
        var timer: Task<Void, Never>
    }

    private struct State {
        var idle: [RedisConnection]
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isShutdown = false
    }

    private let state: Mutex<State>

    init(connections: [RedisConnection]) {
        state = Mutex(State(idle: connections))
    }

    /// Takes a free connection, waiting at most `timeout` behind earlier callers.
    /// - Throws: `.poolExhausted` after `timeout`, `.shutdown`, or `CancellationError`.
    func acquire(timeout: Duration) async throws -> RedisConnection {
        let id: UInt64
        do {
            let fastPath: RedisConnection? = try state.withLock { state throws(RedisError) in
                if state.isShutdown { throw Self.shutdownError }
                return state.idle.popLast()
            }
            if let fastPath { return fastPath }
            id = state.withLock { state in
                state.nextWaiterID += 1
                return state.nextWaiterID
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<RedisConnection, any Error>? = state.withLock { state in
                    if state.isShutdown { return .failure(Self.shutdownError) }
                    // The cancellation handler may already have run and found nothing to
                    // remove; the flag is set before it runs, so checking here closes that gap.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() { return .success(connection) }
                    guard timeout > .zero else { return .failure(Self.exhaustedError(timeout)) }
                    let timer = Task { [weak self] in
                        try? await Task.sleep(for: timeout)
                        guard !Task.isCancelled else { return }
                        self?.removeWaiter(id, failingWith: Self.exhaustedError(timeout))
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            removeWaiter(id, failingWith: CancellationError())
        }
    }

    /// Returns a connection: to the longest waiter if any, else to the idle set.
    func release(_ connection: RedisConnection) {
        enum Action {
            case handOff(Waiter)
            case close
            case keep
        }
        let action: Action = state.withLock { state in
            // Shutdown ran while this connection was leased, so nobody else will close it.
            if state.isShutdown { return .close }
            if !state.waiters.isEmpty { return .handOff(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .keep
        }
        switch action {
        case .handOff(let waiter):
            waiter.timer.cancel()
            waiter.continuation.resume(returning: connection)
        case .close:
            connection.close()
        case .keep:
            break
        }
    }

    /// Fails all waiters, refuses new callers and closes idle connections. Leased connections
    /// are closed when they come back.
    func shutdown() {
        let (waiters, idle) = state.withLock { state in
            state.isShutdown = true
            defer {
                state.waiters = []
                state.idle = []
            }
            return (state.waiters, state.idle)
        }
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.continuation.resume(throwing: Self.shutdownError)
        }
        for connection in idle {
            connection.close()
        }
    }

    var isShutdown: Bool {
        state.withLock { $0.isShutdown }
    }

    private func removeWaiter(_ id: UInt64, failingWith error: any Error) {
        let removed: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        guard let removed else { return }
        removed.timer.cancel()
        removed.continuation.resume(throwing: error)
    }

    static let shutdownError = RedisError(kind: .shutdown, message: "the Redis client has been shut down")

    private static func exhaustedError(_ timeout: Duration) -> RedisError {
        RedisError(kind: .poolExhausted, message: "no Redis connection became free within \(timeout)")
    }
}
