import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// Draining through the admin endpoint, and a graceful shutdown.
@Suite struct DrainLiveTests {
    @Test func aDrainLetsInFlightRequestsFinish() async throws {
        let upstreams = try await startUpstreams(2)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { balancer, port in
                let busy = try await TestConnection.connect(port: port)
                // Slow enough that the poll below sees it in flight even when every suite starts at
                // once on two cores (a 1 s request was once over before the poll got a turn).
                async let slow = busy.request(.GET, "/slow/4000")
                #expect(await eventually { balancer.registry.snapshot().contains { $0.inFlight == 1 } })
                let draining = try #require(balancer.registry.snapshot().first { $0.inFlight == 1 }).address
                let other = try #require(upstreams.first { $0.address != draining })

                let admin = try await TestConnection.connect(port: balancer.adminAddress!.port!)
                let drained = try await admin.request(.POST, "/backends/\(draining)/drain")
                #expect(drained.status == 200)
                #expect(drained.text.contains("\"drained\":true"))

                let connection = try await TestConnection.connect(port: port)
                for _ in 0..<10 {
                    let response = try await connection.request(.GET, "/")
                    #expect(response.headers["x-upstream"] == [other.name])
                }
                let finished = try await slow
                #expect(finished.status == 200)
                #expect(finished.text.hasSuffix("/slow/4000"))

                #expect(try await admin.request(.POST, "/backends/\(draining)/undrain").status == 200)
                var names: Set<String> = []
                for _ in 0..<4 { names.insert(try await connection.request(.GET, "/").headers["x-upstream"].first ?? "") }
                #expect(names.count == 2)
                let listing = try await admin.request(.GET, "/backends")
                #expect(listing.text.contains("\"in_flight\":0"))
                let metrics = try await admin.request(.GET, "/metrics")
                #expect(metrics.text.contains("lb_backend_requests_total{backend=\"\(other.address)\",class=\"2xx\"}"))
                await admin.close()
                await connection.close()
                await busy.close()
            }
        }
    }

    @Test func shutdownFinishesInFlightRequestsAndClosesIdleConnections() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            var configuration = LoadBalancerConfiguration()
            configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
            configuration.adminListen = nil
            configuration.threads = 1
            configuration.accessLog = .off
            configuration.health.path = nil
            configuration.backends = [BackendSpec(host: "127.0.0.1", port: upstreams[0].port)]
            let balancer = try LoadBalancer(configuration: configuration)
            try await balancer.start()
            let port = balancer.localAddress!.port!
            let idle = try await RawConnection.connect(port: port)
            let busy = try await TestConnection.connect(port: port)
            // Slow enough that the shutdown reaches the connection before the response does, even
            // with every other suite starting at once on two cores.
            async let slow = busy.request(.GET, "/slow/2000")
            #expect(await eventually { balancer.registry.snapshot()[0].inFlight == 1 })
            async let stopped: Void = balancer.shutdown()
            try await idle.waitForClose()
            let response = try await slow
            #expect(response.status == 200)
            #expect(response.headers["connection"] == ["close"])
            // And the connection is closed after it.
            let busyClosed = busy.channel.closeFuture
            try await withTimeout(10, "the balancer to close the busy connection") { try await busyClosed.get() }
            await stopped
        }
    }
}
