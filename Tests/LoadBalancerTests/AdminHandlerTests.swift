import NIOCore
import NIOHTTP1
import Testing

@testable import LoadBalancerCore

@Suite struct AdminHandlerTests {
    @Test func drainUndrainWeightAndListing() async throws {
        var configuration = LoadBalancerConfiguration()
        configuration.threads = 1
        configuration.accessLog = .off
        configuration.backends = [BackendSpec(host: "127.0.0.1", port: 1), BackendSpec(host: "127.0.0.1", port: 2, weight: 3)]
        let balancer = try LoadBalancer(configuration: configuration)
        let admin = AdminHandler(balancer: balancer)
        func call(_ method: HTTPMethod, _ uri: String) -> AdminHandler.Response {
            admin.respond(to: HTTPRequestHead(version: .http1_1, method: method, uri: uri))
        }

        let listing = call(.GET, "/backends")
        #expect(listing.status == .ok)
        #expect(listing.body.contains("\"address\":\"127.0.0.1:2\",\"weight\":3"))

        #expect(call(.POST, "/backends/127.0.0.1:1/drain").status == .ok)
        #expect(balancer.registry.snapshot()[0].drained)
        #expect(balancer.registry.pick()?.address == "127.0.0.1:2")
        #expect(call(.POST, "/backends/127.0.0.1%3A1/undrain").status == .ok)
        #expect(!balancer.registry.snapshot()[0].drained)

        #expect(call(.POST, "/backends/127.0.0.1:2/weight?value=7").status == .ok)
        #expect(balancer.registry.snapshot()[1].weight == 7)
        #expect(call(.POST, "/backends/127.0.0.1:2/weight?value=lots").status == .badRequest)
        #expect(call(.POST, "/backends/127.0.0.1:9/drain").status == .notFound)
        #expect(call(.GET, "/nothing").status == .notFound)
        #expect(call(.POST, "/reload").status == .unprocessableEntity)

        let metrics = call(.GET, "/metrics")
        #expect(metrics.body.contains("lb_backend_weight{backend=\"127.0.0.1:2\"} 7"))
        #expect(metrics.body.contains("lb_connections_accepted_total 0"))
        #expect(metrics.body.contains("lb_backend_response_seconds_bucket{backend=\"127.0.0.1:1\",le=\"+Inf\"} 0"))
        await balancer.shutdown()
    }
}
