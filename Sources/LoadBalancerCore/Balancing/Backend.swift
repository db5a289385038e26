import NIOCore
import Synchronization

/// One backend server as the proxy sees it: where it is, and the counters that the connection pools
/// keep without taking the registry's lock. Shared by every event loop; a reload keeps the same
/// object for an address that stays, and retires the object of one that goes.
public final class Backend: Sendable, CustomStringConvertible {
    private static let nextID = Atomic<Int>(1)

    /// Unique in this process; a backend removed and added again gets a new one.
    public let id: Int
    /// `host:port`, the key in the backends file and the admin API.
    public let address: String
    public let host: String
    public let port: Int
    public let socketAddress: SocketAddress

    /// Upstream connections open now, leased or idle.
    let openConnections = Atomic<Int>(0)
    /// Of those, idle in a pool.
    let pooledConnections = Atomic<Int>(0)
    /// Set when a reload removed the backend: pools close its idle connections.
    let isRetired = Atomic<Bool>(false)

    init(spec: BackendSpec, socketAddress: SocketAddress) {
        self.id = Self.nextID.add(1, ordering: .relaxed).oldValue
        self.address = spec.address
        self.host = spec.host
        self.port = spec.port
        self.socketAddress = socketAddress
    }

    public var description: String { self.address }

    public var openConnectionCount: Int { self.openConnections.load(ordering: .relaxed) }
    public var pooledConnectionCount: Int { self.pooledConnections.load(ordering: .relaxed) }
}
