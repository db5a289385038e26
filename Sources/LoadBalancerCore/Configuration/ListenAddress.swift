/// Where a server listens: `host:port`, `[v6]:port`, `:port` (all interfaces) or a bare port
/// (loopback).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String, setting: String) throws(ConfigurationError) {
        if let port = Int(text), (0...65535).contains(port) {
            self.init(host: "127.0.0.1", port: port)
            return
        }
        guard let (host, port) = Self.splitHostPort(text) else {
            throw ConfigurationError("\(setting): `\(text)` is not host:port")
        }
        self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// Splits `host:port` or `[v6]:port`; nil unless the port is a number from 0 to 65535.
    static func splitHostPort(_ text: String) -> (String, Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            if host.contains(":") { return nil }
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
