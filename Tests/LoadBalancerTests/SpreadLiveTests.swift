import LoadBalancerCore
import NIOHTTP1
import Testing

/// Round-robin against real upstream servers, keep-alive and pipelining.
@Suite struct SpreadLiveTests {
    @Test func roundRobinSpreadsRequestsEvenly() async throws {
        let upstreams = try await startUpstreams(3)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { balancer, port in
                let connection = try await TestConnection.connect(port: port)
                for index in 0..<300 {
                    let response = try await connection.request(.GET, "/item/\(index)")
                    #expect(response.status == 200)
                }
                await connection.close()
                #expect(upstreams.map(\.requestCount) == [100, 100, 100])
                // One client connection carried all of them, and few upstream connections did.
                #expect(balancer.metrics.acceptedConnectionCount == 1)
                // Kept alive upstream: one connection to each backend (two at most, one per loop),
                // not one per request.
                #expect(upstreams.allSatisfy { $0.acceptedConnections <= 2 }, "\(upstreams.map(\.acceptedConnections))")
            }
        }
    }

    @Test func weightsShareTheLoad() async throws {
        let upstreams = try await startUpstreams(2)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.backends[1].weight = 3 }) { _, port in
                let connection = try await TestConnection.connect(port: port)
                for _ in 0..<200 { _ = try await connection.request(.GET, "/") }
                await connection.close()
                #expect(upstreams.map(\.requestCount) == [50, 150])
            }
        }
    }

    @Test func leastConnectionsAndPowerOfTwoServeEveryBackend() async throws {
        for algorithm in [BalancingAlgorithm.leastConnections, .powerOfTwoChoices] {
            let upstreams = try await startUpstreams(3)
            try await withBalancer(upstreams, configure: { $0.algorithm = algorithm }) { _, port in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            let connection = try await TestConnection.connect(port: port)
                            for _ in 0..<30 {
                                let response = try await connection.request(.GET, "/slow/2")
                                #expect(response.status == 200)
                            }
                            await connection.close()
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(upstreams.map(\.requestCount).reduce(0, +) == 180)
            #expect(upstreams.allSatisfy { $0.requestCount > 10 }, "\(algorithm): \(upstreams.map(\.requestCount))")
            await stopAll(upstreams)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let upstreams = try await startUpstreams(2)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let connection = try await TestConnection.connect(port: port)
                // The first is slow, so later ones would overtake it if answers were not kept in order.
                let uris = ["/slow/200", "/one", "/slow/50", "/two", "/three"]
                let responses = try await connection.pipeline(uris.map { TestConnection.Request(uri: $0) })
                #expect(responses.map { String($0.text.split(separator: " ")[1]) } == uris)
                await connection.close()
            }
        }
    }
}
