/// One line of the backends file: where a backend listens and its share of the traffic.
public struct BackendSpec: Sendable, Hashable {
    /// Host name or IP address, without brackets for IPv6.
    public var host: String
    public var port: Int
    /// Relative share under weighted algorithms; 0 sends it nothing (like a drain that survives reloads).
    public var weight: Int

    public init(host: String, port: Int, weight: Int = 1) {
        self.host = host
        self.port = port
        self.weight = weight
    }

    /// `host:port` (`[v6]:port`), the key that identifies a backend across reloads and in the admin API.
    public var address: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}
