import Foundation
import Hummingbird
import MariaDB
import Metrics
import Prometheus
import Redis

/// Prometheus metrics through swift-metrics: Hummingbird's request counters and latency histograms
/// (by route, method and status), plus the survey's own counters and the pools' usage.
struct AppMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let signups = Counter(label: "survey_signups_total")
    let surveysStarted = Counter(label: "survey_responses_started_total")
    let surveysCompleted = Counter(label: "survey_responses_completed_total")

    /// The process-wide registry. swift-metrics can be bootstrapped once per process, so every app
    /// built in it (tests build many) shares this one.
    static let shared: AppMetrics = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (sanitize(name), labels.map { (sanitize($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
        return AppMetrics(registry: registry)
    }()

    private init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Prometheus names allow letters, digits, `_` and `:`; swift-metrics labels use dots.
    static func sanitize(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
    }
}

/// `GET /metrics`: the Prometheus text format.
struct MetricsController {
    let metrics: AppMetrics
    let database: MariaDBClient

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/metrics") { request, _ in
            // For the scraper on the internal network, which asks a replica directly: a request
            // that came through the balancer or nginx (they add X-Forwarded-For) is from outside.
            guard request.headers[.xForwardedFor] == nil else { throw HTTPError(.notFound) }
            let usage = database.usage
            Gauge(label: "mariadb_pool_connections", dimensions: [("state", "leased")]).record(usage.leased)
            Gauge(label: "mariadb_pool_connections", dimensions: [("state", "size")]).record(usage.size)
            Gauge(label: "mariadb_pool_waiters").record(usage.waiting)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: metrics.registry.emitToBuffer())))
        }
    }
}
