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

    /// Names listed in a `Connection` value (they are hop-by-hop too), lowercased. Framing and
    /// `Host` are never removed this way, so a client cannot strip them.
    static func connectionTokens(_ value: String) -> [String] {
        var tokens: [String] = []
        for part in value.split(separator: ",") {
            let token = part.trimmingSpaces.lowercased()
            switch token {
            case "close", "keep-alive", "host", "content-length", "": continue
            default: tokens.append(token)
            }
        }
        return tokens
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
        var tokens: [String] = []
        var chunked = false
        var hasContentLength = false
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 4)
        var forwardedFor: String?
        var forwardedProto: String?
        var forwardedHost: String?
        var host: String?
        var incomingID: String?
        for (name, value) in head.headers {
            switch HeaderName(name) {
            case .ordinary:
                headers.add(name: name, value: value)
            case .connection:
                tokens.append(contentsOf: Self.connectionTokens(value))
            case .transferEncoding:
                chunked = value.lowercased().hasSuffix("chunked")
            case .hopByHop, .expect:
                continue
            case .contentLength:
                hasContentLength = true
                headers.add(name: name, value: value)
            case .host:
                if host == nil { host = value }
                headers.add(name: name, value: value)
            case .requestID:
                if incomingID == nil && Self.isValidRequestID(value) { incomingID = value }
            case .forwardedFor:
                guard client.isTrustedProxy else { continue }
                forwardedFor = forwardedFor.map { "\($0), \(value)" } ?? value
            case .forwardedProto:
                if client.isTrustedProxy { forwardedProto = value }
            case .forwardedHost:
                if client.isTrustedProxy { forwardedHost = value }
            case .otherForwarding:
                if client.isTrustedProxy { headers.add(name: name, value: value) }
            }
        }
        // Headers named in Connection may come before it: removed once all are known.
        for token in tokens { headers.remove(name: token) }
        if chunked {
            headers.add(name: "transfer-encoding", value: "chunked")
        } else if !hasContentLength {
            switch head.method {
            case .POST, .PUT, .PATCH:
                // No framing means no body; say so, or the encoder would frame it as chunked.
                headers.add(name: "content-length", value: "0")
            default:
                break
            }
        }
        headers.add(name: "x-forwarded-for", value: forwardedFor.map { "\($0), \(client.address)" } ?? client.address)
        headers.add(name: "x-forwarded-proto", value: forwardedProto ?? client.proto)
        if let forwardedHost = forwardedHost ?? host { headers.add(name: "x-forwarded-host", value: forwardedHost) }
        if let incomingID { requestID = incomingID }
        headers.add(name: "x-request-id", value: requestID)
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }

    /// The response head sent to the client: hop-by-hop headers removed (the encoder re-frames the
    /// body for the client's version), `Connection` stated when the default does not hold, and the
    /// request id added when the backend did not echo it. The backend's headers are kept as they
    /// are when nothing has to go, which is the usual case.
    public static func clientResponse(
        _ head: HTTPResponseHead,
        version: HTTPVersion,
        keepAlive: Bool,
        requestID: String
    ) -> HTTPResponseHead {
        var tokens: [String] = []
        var mustRemove = false
        var hasRequestID = false
        for (name, value) in head.headers {
            switch HeaderName(name) {
            case .connection:
                mustRemove = true
                tokens.append(contentsOf: Self.connectionTokens(value))
            case .hopByHop, .transferEncoding:
                mustRemove = true
            case .requestID:
                hasRequestID = true
            default:
                break
            }
        }
        var headers: HTTPHeaders
        if mustRemove {
            headers = HTTPHeaders()
            headers.reserveCapacity(head.headers.count + 2)
            for (name, value) in head.headers {
                switch HeaderName(name) {
                case .connection, .hopByHop, .transferEncoding:
                    continue
                default:
                    if !tokens.isEmpty && tokens.contains(where: { HeaderName.equals(name, lowercased: $0) }) { continue }
                    headers.add(name: name, value: value)
                }
            }
        } else {
            headers = head.headers
        }
        if !hasRequestID { headers.add(name: "x-request-id", value: requestID) }
        Self.addConnection(to: &headers, version: version, keepAlive: keepAlive)
        return HTTPResponseHead(version: version, status: head.status, headers: headers)
    }

    /// The `Connection` header a response needs, if any: HTTP/1.0 closes unless told to keep
    /// alive, HTTP/1.1 keeps alive unless told to close.
    static func addConnection(to headers: inout HTTPHeaders, version: HTTPVersion, keepAlive: Bool) {
        if version.major == 1 && version.minor == 0 {
            if keepAlive { headers.add(name: "connection", value: "keep-alive") }
        } else if !keepAlive {
            headers.add(name: "connection", value: "close")
        }
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
