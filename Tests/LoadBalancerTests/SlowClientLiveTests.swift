import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// Clients that trickle or idle cannot hold connections.
@Suite struct SlowClientLiveTests {
    @Test func aSlowlorisConnectionIsClosedAfterTheHeaderTimeout() async throws {
        let upstreams = try await startUpstreams(1)
        defer { Task { await stopAll(upstreams) } }
        try await withBalancer(upstreams, configure: { $0.client.headerTimeout = .seconds(1) }) { _, port in
            let raw = try await RawConnection.connect(port: port)
            // With the whole suite running on two cores this task may be scheduled late; a
            // connection already closed by then was closed by the same timeout.
            try? await raw.send("GET / HTTP/1.1\r\nHost: x\r\n")
            // One header line every 100 ms: always sending, never finishing (30 s if allowed).
            var lines = 0
            while raw.isOpen && lines < 300 {
                try? await raw.send("X-Slow-\(lines): y\r\n")
                lines += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            try await raw.waitForClose()
            #expect(lines < 300)
            #expect(upstreams[0].requestCount == 0)
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let upstreams = try await startUpstreams(1)
        defer { Task { await stopAll(upstreams) } }
        try await withBalancer(upstreams, configure: { $0.client.idleTimeout = .seconds(1) }) { balancer, port in
            let raw = try await RawConnection.connect(port: port)
            try await raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            try await raw.waitForClose()
            #expect(raw.received().hasPrefix("HTTP/1.1 200 OK"))
            #expect(await eventually { balancer.metrics.openConnectionCount == 0 })
        }
    }

    @Test func theConnectionCapHoldsNewConnectionsBack() async throws {
        let upstreams = try await startUpstreams(1)
        defer { Task { await stopAll(upstreams) } }
        try await withBalancer(upstreams, configure: { $0.client.maxConnections = 2 }) { balancer, port in
            let first = try await TestConnection.connect(port: port)
            let second = try await TestConnection.connect(port: port)
            #expect(try await first.request(.GET, "/").status == 200)
            #expect(try await second.request(.GET, "/").status == 200)
            // The third connects (kernel backlog) but is not served until one closes.
            let third = try await TestConnection.connect(port: port)
            async let waiting = third.request(.GET, "/third")
            try await Task.sleep(for: .milliseconds(300))
            #expect(balancer.metrics.acceptedConnectionCount == 2)
            await first.close()
            #expect(try await waiting.status == 200)
            await second.close()
            await third.close()
        }
    }

    @Test func aStalledRequestBodyGets408AndNothingReachesTheBackendWhole() async throws {
        let upstreams = try await startUpstreams(1)
        defer { Task { await stopAll(upstreams) } }
        try await withBalancer(upstreams, configure: { $0.client.bodyTimeout = .milliseconds(400) }) { _, port in
            let raw = try await RawConnection.connect(port: port)
            try await raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
            try await raw.waitForClose()
            #expect(raw.received().hasPrefix("HTTP/1.1 408 Request Timeout"))
            #expect(upstreams[0].requestCount == 0)
        }
    }
}
