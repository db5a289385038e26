import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// The per-loop keep-alive pools: reuse, the per-connection request quota, the idle timeout.
///
/// Tests that count connections set a pool idle timeout far beyond their length: with the default
/// 4 s, a machine stalled for that long between two requests (a loaded CI run stretched these tests
/// from under a second to 17 s) closes the pooled connection, and the count is off by one.
@Suite struct UpstreamPoolLiveTests {
    private static let noIdleClose = TimeAmount.seconds(300)

    @Test func sequentialRequestsReuseOneUpstreamConnection() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, threads: 1, configure: { $0.upstream.poolIdleTimeout = Self.noIdleClose }) { balancer, port in
                let connection = try await TestConnection.connect(port: port)
                for _ in 0..<50 { #expect(try await connection.request(.GET, "/").status == 200) }
                await connection.close()
                #expect(upstreams[0].acceptedConnections == 1)
                #expect(balancer.snapshot(upstreams[0].address)?.pooledConnections == 1)
            }
        }
    }

    @Test func aConnectionIsRetiredAfterItsRequestQuota() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, threads: 1, configure: {
                $0.upstream.maxRequestsPerConnection = 10
                $0.upstream.poolIdleTimeout = Self.noIdleClose
            }) { _, port in
                let connection = try await TestConnection.connect(port: port)
                for _ in 0..<50 { #expect(try await connection.request(.GET, "/").status == 200) }
                await connection.close()
                #expect(upstreams[0].acceptedConnections == 5)
            }
        }
    }

    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, threads: 1, configure: { $0.upstream.poolIdleTimeout = .milliseconds(200) }) { balancer, port in
                let connection = try await TestConnection.connect(port: port)
                #expect(try await connection.request(.GET, "/").status == 200)
                #expect(await eventually { upstreams[0].openConnections == 0 })
                #expect(balancer.snapshot(upstreams[0].address)?.pooledConnections == 0)
                #expect(balancer.snapshot(upstreams[0].address)?.openConnections == 0)
                // The next request opens a new one.
                #expect(try await connection.request(.GET, "/").status == 200)
                #expect(upstreams[0].acceptedConnections == 2)
                await connection.close()
            }
        }
    }

    @Test func theIdleCapClosesSurplusConnections() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, threads: 1, configure: {
                $0.upstream.poolIdleMax = 2
                $0.upstream.poolIdleTimeout = Self.noIdleClose
            }) { balancer, port in
                // Six concurrent slow requests need six upstream connections; only two stay.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            let connection = try await TestConnection.connect(port: port)
                            #expect(try await connection.request(.GET, "/slow/300").status == 200)
                            await connection.close()
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(upstreams[0].acceptedConnections > 2)
                #expect(await eventually { upstreams[0].openConnections == 2 })
                #expect(balancer.snapshot(upstreams[0].address)?.pooledConnections == 2)
            }
        }
    }
}
