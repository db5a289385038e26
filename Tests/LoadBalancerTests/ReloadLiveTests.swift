import Foundation
import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// The backends file, reloaded on SIGHUP and on change, without dropping anything in flight.
@Suite(.serialized) struct ReloadLiveTests {
    private func writeFile(_ path: String, _ upstreams: [TestUpstream]) throws {
        try upstreams.map { "\($0.address)\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lb-backends-\(UUID().uuidString).txt").path
    }

    @Test func aSIGHUPReloadAddsABackend() async throws {
        let upstreams = try await startUpstreams(2)
        defer { Task { await stopAll(upstreams) } }
        let file = self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try self.writeFile(file, [upstreams[0]])
        try await withBalancer([], configure: { configuration in
            configuration.backendsFile = file
            configuration.backends = try! BackendsFile.load(path: file)
        }) { balancer, port in
            let signals = balancer.reloadOnSIGHUP()
            defer { signals.cancel() }
            // A keep-alive connection opened before the reload, and a request in flight across it.
            let idle = try await TestConnection.connect(port: port)
            #expect(try await idle.request(.GET, "/before").status == 200)
            let busy = try await TestConnection.connect(port: port)
            async let slow = busy.request(.GET, "/slow/800")
            #expect(await eventually { balancer.registry.snapshot().first?.inFlight == 1 })

            try self.writeFile(file, upstreams)
            kill(getpid(), SIGHUP)
            #expect(await eventually { balancer.registry.backends.count == 2 })

            #expect(try await slow.status == 200)
            for _ in 0..<10 { #expect(try await idle.request(.GET, "/after").status == 200) }
            #expect(upstreams[1].requestCount >= 4)
            await idle.close()
            await busy.close()
        }
    }

    @Test func aChangedFileIsReloadedAndARemovedBackendFinishesItsRequest() async throws {
        let upstreams = try await startUpstreams(2)
        defer { Task { await stopAll(upstreams) } }
        let file = self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try self.writeFile(file, upstreams)
        try await withBalancer([], configure: { configuration in
            configuration.backendsFile = file
            configuration.backends = try! BackendsFile.load(path: file)
            configuration.reloadInterval = .milliseconds(100)
        }) { balancer, port in
            let busy = try await TestConnection.connect(port: port)
            async let slow = busy.request(.GET, "/slow/800")
            #expect(await eventually { balancer.registry.snapshot().contains { $0.inFlight == 1 } })
            let slowBackend = try #require(balancer.registry.snapshot().first { $0.inFlight == 1 }).address
            let other = try #require(upstreams.first { $0.address != slowBackend })
            try self.writeFile(file, [other])
            #expect(await eventually { balancer.registry.backends.map(\.address) == [other.address] })
            #expect(try await slow.status == 200)
            let connection = try await TestConnection.connect(port: port)
            for _ in 0..<5 {
                let response = try await connection.request(.GET, "/")
                #expect(response.headers["x-upstream"] == [other.name])
            }
            await connection.close()
            await busy.close()
        }
    }

    @Test func aBrokenFileKeepsTheCurrentBackends() async throws {
        let upstreams = try await startUpstreams(1)
        defer { Task { await stopAll(upstreams) } }
        let file = self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try self.writeFile(file, upstreams)
        try await withBalancer([], configure: { configuration in
            configuration.backendsFile = file
            configuration.backends = try! BackendsFile.load(path: file)
        }) { balancer, port in
            try "this is not a backend\n".write(toFile: file, atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationError.self) { try balancer.reload() }
            #expect(balancer.registry.backends.count == 1)
            let connection = try await TestConnection.connect(port: port)
            #expect(try await connection.request(.GET, "/").status == 200)
            await connection.close()
        }
    }
}
