import LoadBalancerCore
import NIOHTTP1
import Testing

@Suite struct ForwardingHeadersTests {
    private func request(_ headers: [(String, String)], version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: .POST, uri: "/survey?x=1", headers: HTTPHeaders(headers))
    }

    @Test func hopByHopHeadersAreStrippedAndChunkedFramingRestated() {
        var id = "generated"
        let head = ForwardingHeaders.upstreamRequest(
            self.request([
                ("Host", "survey.example"), ("Connection", "keep-alive, X-Secret"), ("X-Secret", "1"), ("Keep-Alive", "timeout=5"),
                ("TE", "trailers"), ("Transfer-Encoding", "chunked"), ("Upgrade", "websocket"), ("Proxy-Authorization", "x"),
                ("Expect", "100-continue"), ("Accept", "text/html"),
            ]),
            client: .init(address: "192.0.2.1", isTrustedProxy: false),
            requestID: &id
        )
        let names = Set(head.headers.map { $0.name.lowercased() })
        for gone in ["connection", "x-secret", "keep-alive", "te", "upgrade", "proxy-authorization", "expect"] {
            #expect(!names.contains(gone), "\(gone) should be stripped")
        }
        #expect(head.headers["transfer-encoding"] == ["chunked"])
        #expect(head.headers["host"] == ["survey.example"])
        #expect(head.headers["accept"] == ["text/html"])
        #expect(head.version == .http1_1)
        #expect(head.uri == "/survey?x=1")
    }

    @Test func forwardedHeadersFromAnUntrustedPeerAreReplaced() {
        var id = "generated"
        let head = ForwardingHeaders.upstreamRequest(
            self.request([
                ("Host", "survey.example"), ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "evil.example"), ("Forwarded", "for=6.6.6.6"),
            ]),
            client: .init(address: "192.0.2.1", isTrustedProxy: false),
            requestID: &id
        )
        #expect(head.headers["x-forwarded-for"] == ["192.0.2.1"])
        #expect(head.headers["x-forwarded-proto"] == ["http"])
        #expect(head.headers["x-forwarded-host"] == ["survey.example"])
        #expect(head.headers["forwarded"].isEmpty)
        #expect(head.headers["x-request-id"] == ["generated"])
    }

    @Test func forwardedHeadersFromATrustedProxyAreExtended() {
        var id = "generated"
        let head = ForwardingHeaders.upstreamRequest(
            self.request([
                ("Host", "internal:8080"), ("X-Forwarded-For", "203.0.113.7, 10.0.0.2"), ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "survey.example"), ("X-Request-ID", "abc-123"),
            ]),
            client: .init(address: "10.0.0.3", isTrustedProxy: true),
            requestID: &id
        )
        #expect(head.headers["x-forwarded-for"] == ["203.0.113.7, 10.0.0.2, 10.0.0.3"])
        #expect(head.headers["x-forwarded-proto"] == ["https"])
        #expect(head.headers["x-forwarded-host"] == ["survey.example"])
        #expect(head.headers["x-request-id"] == ["abc-123"])
        #expect(id == "abc-123")
    }

    @Test func anInvalidIncomingRequestIDIsReplaced() {
        var id = "generated"
        let head = ForwardingHeaders.upstreamRequest(
            self.request([("X-Request-ID", "has space")]), client: .init(address: "192.0.2.1", isTrustedProxy: true), requestID: &id
        )
        #expect(head.headers["x-request-id"] == ["generated"])
    }

    @Test func responseHopByHopHeadersAreStrippedAndConnectionStated() {
        let upstream = HTTPResponseHead(
            version: .http1_1,
            status: .ok,
            headers: HTTPHeaders([
                ("Connection", "X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=4"), ("Transfer-Encoding", "chunked"),
                ("Content-Type", "text/html"),
            ])
        )
        let closing = ForwardingHeaders.clientResponse(upstream, version: .http1_1, keepAlive: false, requestID: "r1")
        #expect(closing.headers["connection"] == ["close"])
        #expect(closing.headers["x-hop"].isEmpty)
        #expect(closing.headers["keep-alive"].isEmpty)
        #expect(closing.headers["transfer-encoding"].isEmpty)
        #expect(closing.headers["x-request-id"] == ["r1"])
        let old = ForwardingHeaders.clientResponse(upstream, version: .http1_0, keepAlive: true, requestID: "r1")
        #expect(old.headers["connection"] == ["keep-alive"])
        #expect(old.version == .http1_0)
    }
}
