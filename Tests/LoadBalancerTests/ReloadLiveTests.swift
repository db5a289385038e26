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

    /// A balancer whose backends come from a fresh backends file listing `initial`; `body` gets
    /// the file's path to rewrite. The file is removed afterwards.
    private func withFileBalancer(
        listing initial: [TestUpstream], reloadInterval: TimeAmount? = nil,
        _ body: (LoadBalancer, Int, String) async throws -> Void
    ) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lb-backends-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try self.writeFile(file, initial)
        let backends = try BackendsFile.load(path: file)
        try await withBalancer([], configure: { configuration in
            configuration.backendsFile = file
            configuration.backends = backends
            configuration.reloadInterval = reloadInterval
        }) { balancer, port in try await body(balancer, port, file) }
    }

    @Test func aSIGHUPReloadAddsABackend() async throws {
        let upstreams = try await startUpstreams(2)
        try await stopping(upstreams) {
            try await withFileBalancer(listing: [upstreams[0]]) { balancer, port, file in
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
    }

    @Test func aChangedFileIsReloadedAndARemovedBackendFinishesItsRequest() async throws {
        let upstreams = try await startUpstreams(2)
        try await stopping(upstreams) {
            try await withFileBalancer(listing: upstreams, reloadInterval: .milliseconds(100)) { balancer, port, file in
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
    }

    @Test func anAdminReloadAddsABackend() async throws {
        let upstreams = try await startUpstreams(2)
        try await stopping(upstreams) {
            try await withFileBalancer(listing: [upstreams[0]]) { balancer, _, file in
                try self.writeFile(file, upstreams)
                let admin = try await TestConnection.connect(port: balancer.adminAddress!.port!)
                let response = try await admin.request(.POST, "/reload")
                #expect(response.status == 200)
                #expect(response.text.contains(#""added":["\#(upstreams[1].address)"]"#))
                #expect(balancer.registry.backends.count == 2)
                await admin.close()
            }
        }
    }

    @Test func aBrokenFileKeepsTheCurrentBackends() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withFileBalancer(listing: upstreams) { balancer, port, file in
                try "this is not a backend\n".write(toFile: file, atomically: true, encoding: .utf8)
                #expect(throws: ConfigurationError.self) { try balancer.reload() }
                #expect(balancer.registry.backends.count == 1)
                let connection = try await TestConnection.connect(port: port)
                #expect(try await connection.request(.GET, "/").status == 200)
                await connection.close()
            }
        }
    }
}
