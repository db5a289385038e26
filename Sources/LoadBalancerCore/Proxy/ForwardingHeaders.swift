import NIOHTTP1

/// The header rewriting of a reverse proxy, as pure functions: hop-by-hop headers go, framing is
/// restated for the next hop, and the `X-Forwarded-*` headers say who the client was. The
/// rewriting itself, from received bytes to sent bytes, is in `ForwardingHeaders+Raw.swift`.
public enum ForwardingHeaders {
    /// The client as the proxy saw it.
    public struct Client: Sendable {
        /// The peer's IP address, as text.
        public var address: String
        /// Whether the peer is a configured proxy whose forwarded headers are believed.
        public var isTrustedProxy: Bool
        /// `X-Forwarded-Proto` when the peer is not trusted (or sent none).
        public var proto: String

        public init(address: String, isTrustedProxy: Bool, proto: String = "http") {
            self.address = address
            self.isTrustedProxy = isTrustedProxy
            self.proto = proto
        }
    }

    /// An acceptable incoming `X-Request-ID`: 1 to 128 visible ASCII characters.
    static func isValidRequestID(_ value: String) -> Bool {
        let utf8 = value.utf8
        return !utf8.isEmpty && utf8.count <= 128 && utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// The `Connection` header a response needs, if any (as `writeConnection`, for the admin
    /// endpoint's NIOHTTP1 heads).
    static func addConnection(to headers: inout HTTPHeaders, version: HTTPVersion, keepAlive: Bool) {
        if version.major == 1 && version.minor == 0 {
            if keepAlive { headers.add(name: "connection", value: "keep-alive") }
        } else if !keepAlive {
            headers.add(name: "connection", value: "close")
        }
    }
}
