import LoadBalancerCore
import NIOCore
import Testing

@Suite struct ConfigurationTests {
    @Test func backendsFileTakesAddressesWeightsAndComments() throws {
        let specs = try BackendsFile.parse(
            """
            # replicas
            127.0.0.1:8101
            127.0.0.1:8102 weight=2   # the bigger one
              localhost:8103 3

            [::1]:8104
            """
        )
        #expect(specs.map(\.address) == ["127.0.0.1:8101", "127.0.0.1:8102", "localhost:8103", "[::1]:8104"])
        #expect(specs.map(\.weight) == [1, 2, 3, 1])
        #expect(specs[3].host == "::1")
    }

    @Test func backendsFileErrorsNameTheLine() {
        #expect(throws: ConfigurationError("backends file line 2: `nonsense` is not host:port")) {
            try BackendsFile.parse("127.0.0.1:1\nnonsense\n")
        }
        #expect(throws: ConfigurationError.self) { try BackendsFile.parse("127.0.0.1:1 weight=-1") }
        #expect(throws: ConfigurationError.self) { try BackendsFile.parse("127.0.0.1:1 2 3") }
        #expect(throws: ConfigurationError.self) { try BackendsFile.parse("127.0.0.1:1\n127.0.0.1:1") }
        #expect(throws: ConfigurationError.self) { try BackendsFile.parse("127.0.0.1:99999") }
    }

    @Test func environmentOverridesDefaults() throws {
        let configuration = try LoadBalancerConfiguration(environment: [
            "LB_LISTEN": ":9000",
            "LB_ADMIN_LISTEN": "off",
            "LB_BACKENDS": "127.0.0.1:1=3,127.0.0.1:2",
            "LB_ALGORITHM": "least-connections",
            "LB_HEADER_TIMEOUT": "500ms",
            "LB_IDLE_TIMEOUT": "2m",
            "LB_BODY_TIMEOUT": "1.5",
            "LB_MAX_BODY_BYTES": "1024",
            "LB_HEALTH_PATH": "off",
            "LB_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
            "LB_ACCESS_LOG": "off",
            "LB_RELOAD_INTERVAL": "0",
        ])
        #expect(configuration.listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(configuration.adminListen == nil)
        #expect(configuration.backends == [BackendSpec(host: "127.0.0.1", port: 1, weight: 3), BackendSpec(host: "127.0.0.1", port: 2)])
        #expect(configuration.algorithm == .leastConnections)
        #expect(configuration.client.headerTimeout == .milliseconds(500))
        #expect(configuration.client.idleTimeout == .minutes(2))
        #expect(configuration.client.bodyTimeout == .milliseconds(1500))
        #expect(configuration.client.maxBodyBytes == 1024)
        #expect(configuration.health.path == nil)
        #expect(configuration.accessLog == .off)
        #expect(configuration.reloadInterval == nil)
        #expect(configuration.trustedProxies.contains(try SocketAddress(ipAddress: "10.1.2.3", port: 1)))
        #expect(configuration.trustedProxies.contains(try SocketAddress(ipAddress: "::1", port: 1)))
        #expect(!configuration.trustedProxies.contains(try SocketAddress(ipAddress: "11.1.2.3", port: 1)))
    }

    @Test func badSettingsAreNamed() {
        #expect(throws: ConfigurationError.self) { try LoadBalancerConfiguration(environment: [:]) }
        #expect(throws: ConfigurationError.self) {
            try LoadBalancerConfiguration(environment: ["LB_BACKENDS": "127.0.0.1:1", "LB_ALGORITHM": "random"])
        }
        #expect(throws: ConfigurationError.self) {
            try LoadBalancerConfiguration(environment: ["LB_BACKENDS": "127.0.0.1:1", "LB_HEADER_TIMEOUT": "soon"])
        }
        #expect(throws: ConfigurationError.self) {
            try LoadBalancerConfiguration(environment: ["LB_BACKENDS": "127.0.0.1:1", "LB_TRUSTED_PROXIES": "10.0.0.0/33"])
        }
    }
}
