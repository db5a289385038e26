import LoadBalancerCore
import Testing

/// A port already in use is named with its setting, so that an operator knows which one to change.
@Suite struct ListenFailureLiveTests {
    @Test func aTakenPortIsNamedWithItsSetting() async throws {
        try await withBalancer([]) { first, port in
            var configuration = LoadBalancerConfiguration()
            configuration.listen = ListenAddress(host: "127.0.0.1", port: port)
            configuration.adminListen = nil
            configuration.threads = 1
            configuration.accessLog = .off
            configuration.health.path = nil
            configuration.reloadInterval = nil
            let second = try LoadBalancer(configuration: configuration)
            do {
                try await second.start()
                Issue.record("a second balancer listened on the first one's port \(port)")
            } catch let failure as ListenFailure {
                #expect(failure.setting == "LB_LISTEN")
                #expect(failure.description.hasPrefix("cannot listen on 127.0.0.1:\(port) (LB_LISTEN): "))
            }
            await second.shutdown()
        }
    }
}
