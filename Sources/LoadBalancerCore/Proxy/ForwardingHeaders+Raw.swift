import NIOCore
import NIOHTTP1

// The same rewriting as ForwardingHeaders.swift, from a received head straight to the bytes of the
// next hop's head: fields that stay are copied as they came, nothing is decoded into strings.
extension ForwardingHeaders {
    /// Writes the request head sent upstream, always HTTP/1.1 keep-alive, into `buffer`. The
    /// body follows as it came (a chunked body keeps its framing, which is restated here).
    /// `requestID` is the incoming `X-Request-ID` if valid, otherwise the one given.
    static func writeUpstreamRequest(
        _ head: RawHead,
        client: Client,
        requestID: inout String,
        into buffer: inout ByteBuffer
    ) {
        let named = head.connectionNamesHeaders ? Self.namedByConnection(head) : []
        var hasContentLength = false
        var forwardedFor: [RawHead.Field] = []
        var forwardedProto: RawHead.Field?
        var forwardedHost: RawHead.Field?
        var host: RawHead.Field?
        var incomingID: String?

        head.copy(0, head.targetEnd, into: &buffer)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        for field in head.fields {
            switch field.name {
            case .ordinary:
                if !named.isEmpty && head.isNamed(field, in: named) { continue }
                // `X_Forwarded_For` would reach a CGI-style backend as `HTTP_X_FORWARDED_FOR`:
                // names with an underscore are dropped, as nginx does by default.
                if head.nameContainsUnderscore(field) { continue }
                head.copy(field, into: &buffer)
            case .connection, .transferEncoding, .hopByHop, .expect:
                continue
            case .contentLength:
                // The parser made sure all of them agree: one is enough.
                if !hasContentLength { head.copy(field, into: &buffer) }
                hasContentLength = true
            case .host:
                if host == nil { host = field }
                head.copy(field, into: &buffer)
            case .requestID:
                if incomingID == nil {
                    let value = head.value(of: field)
                    if Self.isValidRequestID(value) { incomingID = value }
                }
            case .forwardedFor:
                if client.isTrustedProxy { forwardedFor.append(field) }
            case .forwardedProto:
                if client.isTrustedProxy { forwardedProto = field }
            case .forwardedHost:
                if client.isTrustedProxy { forwardedHost = field }
            case .otherForwarding:
                if client.isTrustedProxy { head.copy(field, into: &buffer) }
            }
        }
        if host == nil {
            // Only HTTP/1.0 requests come without one; HTTP/1.1 needs it, empty when the client
            // named no host (RFC 9112 §3.2).
            buffer.writeStaticString("host: \r\n")
        }
        switch head.framing {
        case .chunked:
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        case .none:
            switch head.method {
            case .POST, .PUT, .PATCH:
                // No framing means no body: say so, as a backend may wait for one otherwise.
                buffer.writeStaticString("content-length: 0\r\n")
            default:
                break
            }
        case .length:
            break
        }
        buffer.writeStaticString("x-forwarded-for: ")
        for field in forwardedFor {
            head.copy(field.valueStart, field.valueEnd, into: &buffer)
            buffer.writeStaticString(", ")
        }
        buffer.writeString(client.address)
        buffer.writeStaticString("\r\nx-forwarded-proto: ")
        if let forwardedProto {
            head.copy(forwardedProto.valueStart, forwardedProto.valueEnd, into: &buffer)
        } else {
            buffer.writeString(client.proto)
        }
        buffer.writeStaticString("\r\n")
        if let forwarded = forwardedHost ?? host {
            buffer.writeStaticString("x-forwarded-host: ")
            head.copy(forwarded.valueStart, forwarded.valueEnd, into: &buffer)
            buffer.writeStaticString("\r\n")
        }
        if let incomingID { requestID = incomingID }
        buffer.writeStaticString("x-request-id: ")
        buffer.writeString(requestID)
        buffer.writeStaticString("\r\n\r\n")
    }

    /// How the proxy passes a response body to its client.
    enum ResponseBody: Equatable {
        /// As it came: the head says how long it is, or that it is chunked.
        case asReceived
        /// Chunk framing removed, for an HTTP/1.0 client; the body ends with the connection.
        case dechunked
        /// Until the backend closes; the client's connection closes after it.
        case untilClose
        /// None (HEAD, 204, 304).
        case none
    }

    /// How a response's body reaches a client of this version, and whether the client's connection
    /// can stay open after it.
    static func responseBody(
        _ head: RawHead,
        clientMinorVersion: Int,
        requestMethod: HTTPMethod
    ) -> (body: ResponseBody, keepAlive: Bool) {
        if requestMethod == .HEAD || head.status == 204 || head.status == 304 { return (.none, true) }
        switch head.framing {
        case .length: return (.asReceived, true)
        case .chunked: return clientMinorVersion >= 1 ? (.asReceived, true) : (.dechunked, false)
        case .none: return (.untilClose, false)
        }
    }

    /// Writes the response head sent to the client into `buffer`: hop-by-hop fields removed,
    /// framing restated for `body`, `Connection` stated when the version's default does not hold,
    /// and the request id added when the backend did not echo it.
    static func writeClientResponse(
        _ head: RawHead,
        clientMinorVersion: Int,
        body: ResponseBody,
        keepAlive: Bool,
        requestID: String,
        into buffer: inout ByteBuffer
    ) {
        let named = head.connectionNamesHeaders ? Self.namedByConnection(head) : []
        var hasRequestID = false
        var hasContentLength = false
        buffer.writeStaticString(clientMinorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        Self.writeStatus(head.status, into: &buffer)
        buffer.writeStaticString(" ")
        head.copy(head.targetStart, head.targetEnd, into: &buffer)
        buffer.writeStaticString("\r\n")
        for field in head.fields {
            switch field.name {
            case .connection, .hopByHop:
                continue
            case .transferEncoding:
                // The codings as the backend listed them (`gzip, chunked`), unless the chunks are
                // taken off for an HTTP/1.0 client.
                if body == .dechunked || body == .none { continue }
                head.copy(field, into: &buffer)
            case .contentLength:
                // The reader made sure repeated lengths agree: one is enough (clients refuse two).
                if body == .dechunked || hasContentLength { continue }
                hasContentLength = true
                head.copy(field, into: &buffer)
            case .requestID:
                hasRequestID = true
                head.copy(field, into: &buffer)
            default:
                if !named.isEmpty && head.isNamed(field, in: named) { continue }
                head.copy(field, into: &buffer)
            }
        }
        if !hasRequestID {
            buffer.writeStaticString("x-request-id: ")
            buffer.writeString(requestID)
            buffer.writeStaticString("\r\n")
        }
        Self.writeConnection(minorVersion: clientMinorVersion, keepAlive: keepAlive, into: &buffer)
        buffer.writeStaticString("\r\n")
    }

    /// The `Connection` line a response needs, if any: HTTP/1.0 closes unless told to keep alive,
    /// HTTP/1.1 keeps alive unless told to close.
    static func writeConnection(minorVersion: Int, keepAlive: Bool, into buffer: inout ByteBuffer) {
        if minorVersion == 0 {
            if keepAlive { buffer.writeStaticString("connection: keep-alive\r\n") }
        } else if !keepAlive {
            buffer.writeStaticString("connection: close\r\n")
        }
    }

    private static func writeStatus(_ status: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(status / 100 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(status / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(status % 10))
    }

    /// Where the names a `Connection` header lists lie in the head (they are hop-by-hop too);
    /// `close` and `keep-alive` are options, not names.
    private static func namedByConnection(_ head: RawHead) -> [Range<Int>] {
        var names: [Range<Int>] = []
        head.bytes.withUnsafeReadableBytes { raw in
            for field in head.fields where field.name == .connection {
                RawHead.forEachToken(raw, Int(field.valueStart)..<Int(field.valueEnd)) { token in
                    if !RawHead.equals(raw, token, "close") && !RawHead.equals(raw, token, "keep-alive") { names.append(token) }
                }
            }
        }
        return names
    }
}
