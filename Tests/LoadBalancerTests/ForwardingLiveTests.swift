import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// What the backend sees of a proxied request, and what the client sees of the response.
@Suite struct ForwardingLiveTests {
    @Test func hopByHopHeadersAreStrippedAndForwardedForAppended() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.1") }) { _, port in
                let connection = try await TestConnection.connect(port: port)
                let response = try await connection.request(
                    .GET, "/hop-by-hop",
                    headers: [
                        ("Host", "survey.example:8080"), ("Connection", "keep-alive, X-Client-Hop"), ("X-Client-Hop", "private"),
                        ("Keep-Alive", "timeout=30"), ("TE", "trailers"), ("Proxy-Authorization", "Basic eA=="),
                        ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Request-ID", "req-42"),
                        ("Accept", "text/html"),
                    ]
                )
                #expect(response.status == 200)
                let seen = try #require(upstreams[0].received.last).head.headers
                for name in ["connection", "x-client-hop", "keep-alive", "te", "proxy-authorization"] {
                    #expect(seen[name].isEmpty, "\(name) reached the backend")
                }
                #expect(seen["host"] == ["survey.example:8080"])
                #expect(seen["x-forwarded-for"] == ["203.0.113.7, 127.0.0.1"])
                #expect(seen["x-forwarded-proto"] == ["https"])
                #expect(seen["x-forwarded-host"] == ["survey.example:8080"])
                #expect(seen["x-request-id"] == ["req-42"])
                #expect(seen["accept"] == ["text/html"])
                // The backend's hop-by-hop headers do not reach the client; the end-to-end one does.
                #expect(response.headers["x-upstream-hop"].isEmpty)
                #expect(response.headers["keep-alive"].isEmpty)
                #expect(response.headers["x-end-to-end"] == ["kept"])
                #expect(response.headers["x-request-id"] == ["req-42"])
                await connection.close()
            }
        }
    }

    @Test func forwardedHeadersFromAnUntrustedClientAreReplacedAndAnIDGenerated() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let connection = try await TestConnection.connect(port: port)
                let response = try await connection.request(
                    .GET, "/", headers: [("Host", "survey.example"), ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https")]
                )
                let seen = try #require(upstreams[0].received.last).head.headers
                #expect(seen["x-forwarded-for"] == ["127.0.0.1"])
                #expect(seen["x-forwarded-proto"] == ["http"])
                let id = try #require(seen["x-request-id"].first)
                #expect(id.utf8.count == 32 && id.allSatisfy(\.isHexDigit))
                #expect(response.headers["x-request-id"] == [id])
                await connection.close()
            }
        }
    }
}
