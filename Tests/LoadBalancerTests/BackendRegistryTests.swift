import NIOCore
import Testing

@testable import LoadBalancerCore

/// Which backend `pick` may choose as their health changes.
@Suite struct BackendRegistryTests {
    private func registry(_ count: Int) throws -> (BackendRegistry, [Backend]) {
        let registry = BackendRegistry(algorithm: .roundRobin, health: .init(maxFails: 1, failTimeout: .seconds(30), rise: 1, fall: 1), seed: 1)
        let specs = (1...count).map { BackendSpec(host: "127.0.0.1", port: $0) }
        registry.update(try specs.map { ($0, try SocketAddress(ipAddress: $0.host, port: $0.port)) })
        var backends: [Backend] = []
        for _ in 0..<count {
            let backend = try #require(registry.pick())
            registry.release(backend, outcome: .response(status: 200), seconds: 0)
            backends.append(backend)
        }
        return (registry, backends.sorted { $0.address < $1.address })
    }

    @Test func backendsFailingTheirChecksAreSkippedWhileAnotherPasses() throws {
        let (registry, backends) = try self.registry(3)
        _ = registry.recordCheck(backends[0], passed: false)
        _ = registry.recordCheck(backends[1], passed: false)
        for _ in 0..<6 { #expect(registry.pick()?.address == backends[2].address) }
    }

    /// Envoy's panic mode: with every backend down by its checks, all of them take requests
    /// (each try still skips the backends already tried for the request).
    @Test func whenEveryBackendFailsItsChecksAllOfThemAreTried() throws {
        let (registry, backends) = try self.registry(2)
        for backend in backends { _ = registry.recordCheck(backend, passed: false) }
        #expect(registry.snapshot().allSatisfy { !$0.up })
        let picked = Set((0..<4).compactMap { _ in registry.pick()?.address })
        #expect(picked == Set(backends.map(\.address)))
        let first = try #require(registry.pick())
        let second = try #require(registry.pick(excluding: [first.id]))
        #expect(second.address != first.address)
        #expect(registry.pick(excluding: [first.id, second.id]) == nil)
        // Drained backends stay out, panic or not.
        for backend in backends { _ = registry.setDrained(backend.address, true) }
        #expect(registry.pick() == nil)
    }
}
