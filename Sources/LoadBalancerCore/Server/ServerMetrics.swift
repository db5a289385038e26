import Synchronization

/// Counters for the balancer as a whole, updated from every event loop without a lock.
public final class ServerMetrics: Sendable {
    /// Statuses the balancer answers itself, in the order of `localResponses`.
    public static let localStatuses = [400, 408, 413, 431, 502, 503, 504]

    let acceptedConnections = Atomic<Int>(0)
    let openConnections = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    /// Requests sent to a second backend.
    let retries = Atomic<Int>(0)
    /// Rare (errors only), so a lock is fine.
    private let localResponses = Mutex([Int](repeating: 0, count: ServerMetrics.localStatuses.count))

    public init() {}

    func recordLocalResponse(_ status: Int) {
        if let index = Self.localStatuses.firstIndex(of: status) {
            self.localResponses.withLock { $0[index] += 1 }
        }
    }

    public var acceptedConnectionCount: Int { self.acceptedConnections.load(ordering: .relaxed) }
    public var openConnectionCount: Int { self.openConnections.load(ordering: .relaxed) }
    public var requestCount: Int { self.requests.load(ordering: .relaxed) }
    public var retryCount: Int { self.retries.load(ordering: .relaxed) }

    /// Pages the balancer answered itself, by status.
    public var localResponseCounts: [(status: Int, count: Int)] {
        let counts = self.localResponses.withLock { $0 }
        return zip(Self.localStatuses, counts).map { ($0, $1) }
    }
}
