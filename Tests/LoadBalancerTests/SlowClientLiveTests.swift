import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// Clients that trickle or idle cannot hold connections.
@Suite struct SlowClientLiveTests {
    @Test func aSlowlorisConnectionIsClosedAfterTheHeaderTimeout() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
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
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.client.idleTimeout = .seconds(1) }) { balancer, port in
                let raw = try await RawConnection.connect(port: port)
                try await raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                try await raw.waitForClose()
                #expect(raw.received().hasPrefix("HTTP/1.1 200 OK"))
                #expect(await eventually { balancer.metrics.openConnectionCount == 0 })
            }
        }
    }

    @Test func theConnectionCapHoldsNewConnectionsBack() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
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
    }

    @Test func aStalledRequestBodyGets408AndNothingReachesTheBackendWhole() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.client.bodyTimeout = .milliseconds(400) }) { _, port in
                let raw = try await RawConnection.connect(port: port)
                try await raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
                try await raw.waitForClose()
                #expect(raw.received().hasPrefix("HTTP/1.1 408 Request Timeout"))
                #expect(upstreams[0].requestCount == 0)
            }
        }
    }

    @Test func aBackendThatStopsTakingTheBodyGets504AfterTheUpstreamTimeout() async throws {
        let upstreams = try await startUpstreams(1, behaviour: .neverReadsBody)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: {
                // Room for a sender slowed down by a loaded machine: this is not the 408 test. (3 s
                // was not enough once, with every suite starting at once on two cores.) When the
                // body stalls because the backend stopped taking it, this timeout hands over to the
                // upstream one: 504 after about 9 s; a 408 would mean it did not.
                $0.client.bodyTimeout = .seconds(8)
                $0.client.maxBodyBytes = 64 * 1024 * 1024
                $0.upstream.responseTimeout = .seconds(1)
            }) { _, port in
                let raw = try await RawConnection.connect(port: port)
                let size = 48 * 1024 * 1024
                try await raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n")
                // The client sends as fast as it may; the backend's buffers fill up, and then the
                // proxy stops reading the client. The client is not the slow one: no 408.
                let chunk = String(repeating: "b", count: 64 * 1024)
                let sender = Task {
                    for _ in 0..<(size / chunk.utf8.count) {
                        guard (try? await raw.send(chunk)) != nil else { return }
                    }
                }
                let answered = await eventually(30) { raw.received().hasPrefix("HTTP/1.1 504") }
                #expect(answered, "got: \(raw.received().prefix(60))")
                #expect(upstreams[0].requestCount == 1)
                sender.cancel()
                await raw.close()
            }
        }
    }

    @Test func aClientThatStopsReadingIsCutAfterTheSendTimeoutAlone() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            // The upstream keeps sending, so only the send timeout (1 s) may end this; the response
            // timeout (10 s) must not be added on top of it.
            try await withBalancer(upstreams, configure: {
                $0.client.sendTimeout = .seconds(1)
                $0.upstream.responseTimeout = .seconds(10)
            }) { balancer, port in
                let raw = try await RawConnection.connect(port: port)
                try await raw.channel.setOption(ChannelOptions.autoRead, value: false).get()
                let started = ContinuousClock.now
                try await raw.send("GET /bytes/\(100 * 1024 * 1024) HTTP/1.1\r\nHost: x\r\n\r\n")
                // The client reads nothing, so it would not notice the close: the balancer's count says.
                let upstream = upstreams[0]
                let streaming = await eventually(20) { balancer.metrics.openConnectionCount == 1 && upstream.bodyBytesSent > 0 }
                #expect(streaming)
                let closed = await eventually(20) { balancer.metrics.openConnectionCount == 0 }
                #expect(closed)
                #expect(ContinuousClock.now - started < .seconds(8))
                await raw.close()
            }
        }
    }
}
