import NIOCore
import Synchronization
import NIOHTTP1
import NIOPosix

/// One event loop's keep-alive connections to the backends. Only that loop touches it, so it needs
/// no lock, and a request never waits for another thread to hand it a connection. Idle connections
/// are reused most-recent first (the others age out), capped per backend, closed after
/// `poolIdleTimeout` by a sweep, and retired after `maxRequestsPerConnection` requests.
final class UpstreamPool {
    let eventLoop: any EventLoop
    private let configuration: LoadBalancerConfiguration.Upstream
    private var idle: [Int: [UpstreamConnection]] = [:]
    private var sweeper: Scheduled<Void>?
    private var stopped = false

    init(eventLoop: any EventLoop, configuration: LoadBalancerConfiguration.Upstream) {
        self.eventLoop = eventLoop
        self.configuration = configuration
    }

    /// Starts the sweep that closes connections idle for longer than the idle timeout.
    func start() {
        let half = self.configuration.poolIdleTimeout.nanoseconds / 2
        let interval = TimeAmount.nanoseconds(max(100_000_000, min(1_000_000_000, half)))
        self.scheduleSweep(after: interval)
    }

    private func scheduleSweep(after interval: TimeAmount) {
        guard !self.stopped else { return }
        self.sweeper = self.eventLoop.assumeIsolated().scheduleTask(in: interval) {
            self.sweep()
            self.scheduleSweep(after: interval)
        }
    }

    /// An idle connection to `backend` that is still open, if there is one.
    func lease(_ backend: Backend) -> UpstreamConnection? {
        while let connection = self.idle[backend.id]?.popLast() {
            backend.pooledConnections.subtract(1, ordering: .relaxed)
            if connection.isUsable { return connection }
            connection.close()
        }
        return nil
    }

    /// Opens a new connection to `backend`; `completion` runs on this loop.
    func connect(_ backend: Backend, completion: @escaping (Result<UpstreamConnection, any Error>) -> Void) {
        let eventLoop = self.eventLoop
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(self.configuration.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        bootstrap.connect(to: backend.socketAddress).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                let connection = UpstreamConnection(backend: backend, pool: self)
                do {
                    try channel.pipeline.syncOperations.addHandler(connection)
                } catch {
                    channel.close(promise: nil)
                    completion(.failure(error))
                    return
                }
                // Added after activation: count the connection as open now.
                connection.markOpen()
                completion(.success(connection))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// Takes a connection back after a complete exchange. It is closed instead when it has served
    /// its quota, the pool for its backend is full, or the backend was removed.
    func release(_ connection: UpstreamConnection) {
        connection.endLease()
        let backend = connection.backend
        guard connection.isUsable,
            connection.requestCount < self.configuration.maxRequestsPerConnection,
            !backend.isRetired.load(ordering: .relaxed),
            (self.idle[backend.id]?.count ?? 0) < self.configuration.poolIdleMax
        else {
            connection.close()
            return
        }
        self.idle[backend.id, default: []].append(connection)
        backend.pooledConnections.add(1, ordering: .relaxed)
    }

    /// Forgets an idle connection that the backend closed.
    func remove(_ connection: UpstreamConnection) {
        guard let index = self.idle[connection.backend.id]?.firstIndex(where: { $0 === connection }) else { return }
        self.idle[connection.backend.id]!.remove(at: index)
        connection.backend.pooledConnections.subtract(1, ordering: .relaxed)
    }

    private func sweep() {
        let limit = NIODeadline.now() - self.configuration.poolIdleTimeout
        for (id, connections) in self.idle where !connections.isEmpty {
            let retired = connections.first.map { $0.backend.isRetired.load(ordering: .relaxed) } ?? false
            // Oldest first: the stack's bottom has waited longest.
            let expired = retired ? connections.count : (connections.firstIndex { $0.idleSince > limit } ?? connections.count)
            guard expired > 0 else { continue }
            let closing = connections[0..<expired]
            self.idle[id] = Array(connections[expired...])
            for connection in closing {
                connection.backend.pooledConnections.subtract(1, ordering: .relaxed)
                connection.close()
            }
        }
        self.idle = self.idle.filter { !$0.value.isEmpty }
    }

    /// Closes every idle connection and stops the sweep (at shutdown).
    func closeAll() {
        self.stopped = true
        self.sweeper?.cancel()
        self.sweeper = nil
        for connections in self.idle.values {
            for connection in connections {
                connection.backend.pooledConnections.subtract(1, ordering: .relaxed)
                connection.close()
            }
        }
        self.idle = [:]
    }
}
