import NIOHTTP1

/// The header rewriting of a reverse proxy, as pure functions: hop-by-hop headers go, framing is
/// restated for the next hop, and the `X-Forwarded-*` headers say who the client was.
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

    /// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1, plus the old
    /// `Proxy-Connection` and `Keep-Alive`).
    static func isHopByHop(_ lowercasedName: String) -> Bool {
        switch lowercasedName {
        case "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
            "proxy-authenticate", "proxy-authorization":
            return true
        default:
            return false
        }
    }

    static func isForwarding(_ lowercasedName: String) -> Bool {
        switch lowercasedName {
        case "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "x-real-ip":
            return true
        default:
            return false
        }
    }

    /// Names listed in `Connection` (they are hop-by-hop too), lowercased. Framing and `Host` are
    /// never removed this way, so a client cannot strip them.
    static func connectionTokens(_ headers: HTTPHeaders) -> [String] {
        var tokens: [String] = []
        for value in headers[canonicalForm: "connection"] {
            let token = value.lowercased()
            switch token {
            case "close", "keep-alive", "host", "content-length": continue
            default: tokens.append(String(token))
            }
        }
        return tokens
    }

    /// Whether the message body is chunked (the last transfer coding).
    static func isChunked(_ headers: HTTPHeaders) -> Bool {
        headers[canonicalForm: "transfer-encoding"].last?.lowercased() == "chunked"
    }

    /// An acceptable incoming `X-Request-ID`: 1 to 128 visible ASCII characters.
    static func isValidRequestID(_ value: String) -> Bool {
        let utf8 = value.utf8
        return !utf8.isEmpty && utf8.count <= 128 && utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// The request head sent upstream, always HTTP/1.1 keep-alive. `requestID` is the incoming
    /// `X-Request-ID` if valid, otherwise the one given (and it is set on the head).
    public static func upstreamRequest(
        _ head: HTTPRequestHead,
        client: Client,
        requestID: inout String
    ) -> HTTPRequestHead {
        let tokens = Self.connectionTokens(head.headers)
        let chunked = Self.isChunked(head.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 4)
        var forwardedFor: [Substring] = []
        var forwardedProto: String?
        var forwardedHost: String?
        var host: String?
        var incomingID: String?
        for (name, value) in head.headers {
            let lower = name.lowercased()
            if Self.isHopByHop(lower) || lower == "expect" || tokens.contains(lower) { continue }
            if Self.isForwarding(lower) {
                guard client.isTrustedProxy else { continue }
                switch lower {
                case "x-forwarded-for": forwardedFor.append(contentsOf: value.split(separator: ",").map { $0.trimmingSpaces })
                case "x-forwarded-proto": forwardedProto = value
                case "x-forwarded-host": forwardedHost = value
                default: headers.add(name: name, value: value)
                }
                continue
            }
            if lower == "x-request-id" {
                if incomingID == nil && Self.isValidRequestID(value) { incomingID = value }
                continue
            }
            if lower == "host" && host == nil { host = value }
            headers.add(name: name, value: value)
        }
        if chunked {
            headers.add(name: "transfer-encoding", value: "chunked")
        } else if !head.headers.contains(name: "content-length") {
            switch head.method {
            case .POST, .PUT, .PATCH:
                // No framing means no body; say so, or the encoder would frame it as chunked.
                headers.add(name: "content-length", value: "0")
            default:
                break
            }
        }
        forwardedFor.append(Substring(client.address))
        headers.add(name: "x-forwarded-for", value: forwardedFor.joined(separator: ", "))
        headers.add(name: "x-forwarded-proto", value: forwardedProto ?? client.proto)
        if let forwardedHost = forwardedHost ?? host { headers.add(name: "x-forwarded-host", value: forwardedHost) }
        if let incomingID { requestID = incomingID }
        headers.add(name: "x-request-id", value: requestID)
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }

    /// The response head sent to the client: hop-by-hop headers removed (the encoder re-frames the
    /// body for the client's version), `Connection` stated when the default does not hold, and the
    /// request id added when the backend did not echo it.
    public static func clientResponse(
        _ head: HTTPResponseHead,
        version: HTTPVersion,
        keepAlive: Bool,
        requestID: String
    ) -> HTTPResponseHead {
        let tokens = Self.connectionTokens(head.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 2)
        var hasRequestID = false
        for (name, value) in head.headers {
            let lower = name.lowercased()
            if Self.isHopByHop(lower) || tokens.contains(lower) { continue }
            if lower == "x-request-id" { hasRequestID = true }
            headers.add(name: name, value: value)
        }
        if !hasRequestID { headers.add(name: "x-request-id", value: requestID) }
        if version.major == 1 && version.minor == 0 {
            if keepAlive { headers.add(name: "connection", value: "keep-alive") }
        } else if !keepAlive {
            headers.add(name: "connection", value: "close")
        }
        return HTTPResponseHead(version: version, status: head.status, headers: headers)
    }

    /// Whether a response can be framed for this client without closing the connection: an
    /// HTTP/1.0 client cannot take chunked encoding, so a body of unknown length ends with a close.
    static func canKeepAlive(response: HTTPResponseHead, clientVersion: HTTPVersion, method: HTTPMethod) -> Bool {
        if clientVersion.major == 1 && clientVersion.minor >= 1 { return true }
        if method == .HEAD || !response.status.mayHaveResponseBody { return true }
        return response.headers.contains(name: "content-length")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
