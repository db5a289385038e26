import NIOCore
import NIOHTTP1
import Testing

@testable import LoadBalancerCore

/// The header rewriting from a received head straight to the next hop's bytes; each written head is
/// parsed back to check it.
@Suite struct RawForwardingTests {
    private func parse(_ text: String, kind: RawHead.Kind) throws -> RawHead {
        guard case .complete(let head, _) = try RawHead.parse(ByteBuffer(string: text), kind: kind, maxBytes: 8192) else {
            throw HeadError.malformed
        }
        return head
    }

    private func upstream(_ request: String, client: ForwardingHeaders.Client, id: inout String) throws -> (RawHead, String) {
        var buffer = ByteBuffer()
        ForwardingHeaders.writeUpstreamRequest(try self.parse(request, kind: .request), client: client, requestID: &id, into: &buffer)
        let text = String(buffer: buffer)
        return (try self.parse(text, kind: .request), text)
    }

    @Test func hopByHopFieldsAreStrippedAndChunkedFramingRestated() throws {
        var id = "generated"
        let (head, text) = try self.upstream(
            "POST /survey?x=1 HTTP/1.1\r\nHost: survey.example\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
                + "Keep-Alive: timeout=5\r\nTE: trailers\r\nTransfer-Encoding: chunked\r\nUpgrade: websocket\r\n"
                + "Proxy-Authorization: x\r\nExpect: 100-continue\r\nAccept: text/html\r\n\r\n",
            client: .init(address: "192.0.2.1", isTrustedProxy: false),
            id: &id
        )
        #expect(text.hasPrefix("POST /survey?x=1 HTTP/1.1\r\n"))
        for gone in ["connection", "x-secret", "keep-alive", "te", "upgrade", "proxy-authorization", "expect"] {
            #expect(head.values(gone).isEmpty, "\(gone) should be stripped")
        }
        #expect(head.values("transfer-encoding") == ["chunked"])
        #expect(head.framing == .chunked)
        #expect(head.values("host") == ["survey.example"])
        #expect(head.values("accept") == ["text/html"])
    }

    @Test func anHTTP10RequestGoesUpAsHTTP11AndABodylessPostSaysSo() throws {
        var id = "generated"
        let (head, text) = try self.upstream(
            "POST /form HTTP/1.0\r\nHost: a\r\n\r\n", client: .init(address: "192.0.2.1", isTrustedProxy: false), id: &id
        )
        #expect(text.hasPrefix("POST /form HTTP/1.1\r\n"))
        #expect(head.framing == .length(0))
        #expect(head.isKeepAlive)
    }

    @Test func anHTTP10RequestWithoutHostGoesUpWithAnEmptyOne() throws {
        var id = "generated"
        let (head, _) = try self.upstream("GET / HTTP/1.0\r\n\r\n", client: .init(address: "192.0.2.1", isTrustedProxy: false), id: &id)
        #expect(head.values("host") == [""])
        #expect(head.values("x-forwarded-host").isEmpty)
    }

    @Test func forwardedFieldsFromAnUntrustedPeerAreReplaced() throws {
        var id = "generated"
        let (head, _) = try self.upstream(
            "GET / HTTP/1.1\r\nHost: survey.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: evil.example\r\nForwarded: for=6.6.6.6\r\nX-Forwarded-Port: 443\r\n"
                + "x-forwarded-prefix: /evil\r\nX-Forwarded-Ssl: on\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded: x\r\n\r\n",
            client: .init(address: "192.0.2.1", isTrustedProxy: false),
            id: &id
        )
        #expect(head.values("x-forwarded-for") == ["192.0.2.1"])
        #expect(head.values("x-forwarded-proto") == ["http"])
        #expect(head.values("x-forwarded-host") == ["survey.example"])
        for gone in ["forwarded", "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-ssl", "x-real-ip"] {
            #expect(head.values(gone).isEmpty, "\(gone) from an untrusted peer should be dropped")
        }
        #expect(head.values("x-forwarded") == ["x"])  // not of the family: an ordinary field
        #expect(head.values("x-request-id") == ["generated"])
    }

    @Test func forwardedFieldsFromATrustedProxyAreExtended() throws {
        var id = "generated"
        let (head, _) = try self.upstream(
            "GET / HTTP/1.1\r\nHost: internal:8080\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.2\r\n"
                + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: survey.example\r\nX-Request-ID: abc-123\r\nX-Forwarded-Port: 443\r\n\r\n",
            client: .init(address: "10.0.0.3", isTrustedProxy: true),
            id: &id
        )
        #expect(head.values("x-forwarded-for") == ["203.0.113.7, 10.0.0.2, 10.0.0.3"])
        #expect(head.values("x-forwarded-proto") == ["https"])
        #expect(head.values("x-forwarded-host") == ["survey.example"])
        #expect(head.values("x-request-id") == ["abc-123"])
        #expect(head.values("x-forwarded-port") == ["443"])
        #expect(id == "abc-123")
    }

    @Test func anInvalidIncomingRequestIDIsReplaced() throws {
        var id = "generated"
        let (head, _) = try self.upstream(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Request-ID: not\u{80}ascii\r\n\r\n",
            client: .init(address: "192.0.2.1", isTrustedProxy: true),
            id: &id
        )
        #expect(head.values("x-request-id") == ["generated"])
    }

    @Test func responseHopByHopFieldsAreStrippedAndConnectionStated() throws {
        let upstream = try self.parse(
            "HTTP/1.1 201 Created\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=4\r\nTransfer-Encoding: chunked\r\n"
                + "Content-Type: text/html\r\n\r\n",
            kind: .response
        )
        let (body, keepAlive) = ForwardingHeaders.responseBody(upstream, clientMinorVersion: 1, requestMethod: .GET)
        #expect(body == .asReceived)
        #expect(keepAlive)
        var buffer = ByteBuffer()
        ForwardingHeaders.writeClientResponse(upstream, clientMinorVersion: 1, body: body, keepAlive: false, requestID: "r1", into: &buffer)
        let closing = try self.parse(String(buffer: buffer), kind: .response)
        #expect(String(buffer: buffer).hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(closing.values("connection") == ["close"])
        #expect(closing.values("x-hop").isEmpty)
        #expect(closing.values("keep-alive").isEmpty)
        #expect(closing.values("transfer-encoding") == ["chunked"])
        #expect(closing.values("x-request-id") == ["r1"])
        #expect(closing.values("content-type") == ["text/html"])
    }

    @Test func anHTTP10ClientGetsAChunkedBodyDechunkedAndThenTheClose() throws {
        let upstream = try self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Request-ID: up\r\n\r\n", kind: .response)
        let (body, keepAlive) = ForwardingHeaders.responseBody(upstream, clientMinorVersion: 0, requestMethod: .GET)
        #expect(body == .dechunked)
        #expect(!keepAlive)
        var buffer = ByteBuffer()
        ForwardingHeaders.writeClientResponse(upstream, clientMinorVersion: 0, body: body, keepAlive: keepAlive, requestID: "r1", into: &buffer)
        let head = try self.parse(String(buffer: buffer), kind: .response)
        #expect(String(buffer: buffer).hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(head.values("transfer-encoding").isEmpty)
        #expect(head.values("connection").isEmpty)
        #expect(!head.isKeepAlive)
        #expect(head.values("x-request-id") == ["up"])
        // A length is kept for HTTP/1.0 keep-alive.
        let sized = try self.parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", kind: .response)
        #expect(ForwardingHeaders.responseBody(sized, clientMinorVersion: 0, requestMethod: .GET) == (.asReceived, true))
        #expect(ForwardingHeaders.responseBody(sized, clientMinorVersion: 1, requestMethod: .HEAD) == (.none, true))
        let unframed = try self.parse("HTTP/1.1 200 OK\r\n\r\n", kind: .response)
        #expect(ForwardingHeaders.responseBody(unframed, clientMinorVersion: 1, requestMethod: .GET) == (.untilClose, false))
    }

    @Test func namesWithAnUnderscoreAreNotForwarded() throws {
        var id = "generated"
        let (head, _) = try self.upstream(
            "GET / HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 6.6.6.6\r\nX-Kept: 1\r\n\r\n",
            client: .init(address: "192.0.2.1", isTrustedProxy: false),
            id: &id
        )
        #expect(head.values("x_forwarded_for").isEmpty)
        #expect(head.values("x-kept") == ["1"])
    }

    @Test func aResponseKeepsOneLengthAndItsCodingsAsListed() throws {
        let sized = try self.parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", kind: .response)
        var buffer = ByteBuffer()
        ForwardingHeaders.writeClientResponse(sized, clientMinorVersion: 1, body: .asReceived, keepAlive: true, requestID: "r", into: &buffer)
        #expect(try self.parse(String(buffer: buffer), kind: .response).values("content-length") == ["2"])
        let coded = try self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", kind: .response)
        buffer.clear()
        ForwardingHeaders.writeClientResponse(coded, clientMinorVersion: 1, body: .asReceived, keepAlive: true, requestID: "r", into: &buffer)
        #expect(try self.parse(String(buffer: buffer), kind: .response).values("transfer-encoding") == ["gzip, chunked"])
    }
}
