import LoadBalancerCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOConcurrencyHelpers
import Testing

/// Backends that die: GETs move on, a POST that may have reached a backend is never sent twice.
@Suite struct FailoverLiveTests {
    @Test func aBackendKilledDuringLoadIsEjectedAndGETsKeepSucceeding() async throws {
        let upstreams = try await startUpstreams(3)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { _ in }) { balancer, port in
                let completed = NIOLockedValueBox(0)
                let failures = NIOLockedValueBox<[String]>([])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in 0..<4 {
                        group.addTask {
                            let connection = try await TestConnection.connect(port: port)
                            for index in 0..<150 {
                                do {
                                    let response = try await connection.request(.GET, "/slow/1?c=\(client)&i=\(index)")
                                    if response.status != 200 { failures.withLockedValue { $0.append("status \(response.status)") } }
                                } catch {
                                    failures.withLockedValue { $0.append("\(error)") }
                                }
                                completed.withLockedValue { $0 += 1 }
                            }
                            await connection.close()
                        }
                    }
                    group.addTask {
                        // Kill b in the middle of the load.
                        _ = await eventually { completed.withLockedValue { $0 } >= 150 }
                        await upstreams[1].kill()
                    }
                    try await group.waitForAll()
                }
                #expect(failures.withLockedValue { $0 } == [])
                #expect(completed.withLockedValue { $0 } == 600)
                let countAtEnd = upstreams[1].requestCount
                // b is out: a few more GETs all go elsewhere.
                let connection = try await TestConnection.connect(port: port)
                for _ in 0..<30 {
                    let response = try await connection.request(.GET, "/after")
                    #expect(response.status == 200)
                    #expect(response.headers["x-upstream"] != ["b"])
                }
                await connection.close()
                #expect(upstreams[1].requestCount == countAtEnd)
                let b = try #require(balancer.snapshot(upstreams[1].address))
                #expect(!b.available)
                #expect(b.stats.connectFailures + b.stats.errors >= 1)
            }
        }
    }

    @Test func aPOSTIsNotResentWhenTheBackendDiesAfterReceivingIt() async throws {
        let dying = try await TestUpstream.start(name: "dying", group: MultiThreadedEventLoopGroup.singleton, behaviour: .dieAfterRequest)
        let healthy = try await TestUpstream.start(name: "healthy", group: MultiThreadedEventLoopGroup.singleton)
        try await stopping([dying, healthy]) {
            // Passive checks off, so that the dying backend keeps being picked.
            try await withBalancer([dying, healthy], configure: { $0.health.maxFails = 0 }) { _, port in
                var statuses: [Int] = []
                for index in 0..<10 {
                    let connection = try await TestConnection.connect(port: port)
                    let body = ByteBuffer(string: "answer \(index)")
                    let response = try await connection.request(
                        .POST, "/submit", headers: [("content-length", String(body.readableBytes))], body: [body]
                    )
                    statuses.append(response.status)
                    await connection.close()
                }
                // Every POST reached exactly one backend, once.
                #expect(dying.requestCount + healthy.requestCount == 10)
                #expect(statuses.filter { $0 == 502 }.count == dying.requestCount)
                #expect(statuses.filter { $0 == 200 }.count == healthy.requestCount)
                #expect(dying.requestCount >= 1)
                let bodies = (dying.received + healthy.received).map { String(buffer: $0.body) }.sorted()
                #expect(bodies == (0..<10).map { "answer \($0)" }.sorted())
            }
        }
    }

    @Test func aGETIsRetriedWhenTheBackendDiesAfterReceivingIt() async throws {
        let dying = try await TestUpstream.start(name: "dying", group: MultiThreadedEventLoopGroup.singleton, behaviour: .dieAfterRequest)
        let healthy = try await TestUpstream.start(name: "healthy", group: MultiThreadedEventLoopGroup.singleton)
        try await stopping([dying, healthy]) {
            try await withBalancer([dying, healthy], configure: { $0.health.maxFails = 0 }) { balancer, port in
                let connection = try await TestConnection.connect(port: port)
                for _ in 0..<10 {
                    let response = try await connection.request(.GET, "/page")
                    #expect(response.status == 200)
                    #expect(response.headers["x-upstream"] == ["healthy"])
                }
                await connection.close()
                #expect(healthy.requestCount == 10)
                #expect(dying.requestCount >= 1)
                #expect(balancer.metrics.retryCount == dying.requestCount)
            }
        }
    }

    @Test func aConnectFailureIsRetriedForAnyMethod() async throws {
        let healthy = try await TestUpstream.start(name: "healthy", group: MultiThreadedEventLoopGroup.singleton)
        let nothing = try await closedPort()
        try await stopping([healthy]) {
            try await withBalancer([healthy], configure: {
                $0.backends.insert(BackendSpec(host: "127.0.0.1", port: nothing), at: 0)
                $0.health.maxFails = 0
            }) { _, port in
                let connection = try await TestConnection.connect(port: port)
                for index in 0..<6 {
                    let body = ByteBuffer(string: "post \(index)")
                    let response = try await connection.request(.POST, "/submit", headers: [("content-length", "\(body.readableBytes)")], body: [body])
                    #expect(response.status == 200)
                }
                await connection.close()
                #expect(healthy.requestCount == 6)
            }
        }
    }
}
