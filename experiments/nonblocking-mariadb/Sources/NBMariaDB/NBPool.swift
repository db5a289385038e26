import Synchronization

/// A fixed set of connections handed out one lease at a time, waiters served first come first served.
/// (Adapted from /work/main/Sources/MariaDB/MariaDBConnectionPool.swift, without NIO: no acquire
/// timeout and no cancellation handling — not needed to measure the hot path.)
public final class NBPool: Sendable {
    private struct State {
        var idle: [NBConnection]
        var waiters: [CheckedContinuation<NBConnection, Never>] = []
        var head = 0
        var leased = 0
    }

    private let state: Mutex<State>
    public let connections: [NBConnection]

    /// Connects `size` connections, spread round-robin over the reactors.
    public static func connect(_ configuration: NBConfiguration, size: Int, reactors: [Reactor]) async throws -> NBPool {
        var connections: [NBConnection] = []
        for i in 0..<size {
            let c = NBConnection(reactor: reactors[i % reactors.count])
            try await c.connect(configuration)
            connections.append(c)
        }
        return NBPool(connections: connections)
    }

    public init(connections: [NBConnection]) {
        self.connections = connections
        state = Mutex(State(idle: connections.reversed()))
    }

    public func acquire() async -> NBConnection {
        if let c = state.withLock({ s -> NBConnection? in
            guard let c = s.idle.popLast() else { return nil }
            s.leased += 1
            return c
        }) { return c }
        return await withCheckedContinuation { (continuation: CheckedContinuation<NBConnection, Never>) in
            let c = state.withLock { s -> NBConnection? in
                if let c = s.idle.popLast() { s.leased += 1; return c }
                s.waiters.append(continuation)
                return nil
            }
            if let c { continuation.resume(returning: c) }
        }
    }

    public func release(_ connection: NBConnection) {
        let waiter = state.withLock { s -> CheckedContinuation<NBConnection, Never>? in
            if s.head < s.waiters.count {
                let w = s.waiters[s.head]
                s.head += 1
                if s.head == s.waiters.count { s.waiters.removeAll(keepingCapacity: true); s.head = 0 }
                return w
            }
            s.leased -= 1
            s.idle.append(connection)
            return nil
        }
        waiter?.resume(returning: connection)
    }

    public func withConnection<T: Sendable>(_ body: (NBConnection) async throws -> T) async throws -> T {
        let c = await acquire()
        defer { release(c) }
        return try await body(c)
    }

    public func execute(_ sql: String, _ values: [NBValue] = []) async throws {
        let c = await acquire()
        defer { release(c) }
        try await c.execute(sql, values)
    }

    public func close() async {
        for c in connections { await c.close() }
    }
}
