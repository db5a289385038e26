/// The Prometheus text exposition of the balancer's counters: overall, then per backend.
enum MetricsRenderer {
    static func render(registry: BackendRegistry, metrics: ServerMetrics) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("lb_connections_accepted_total", "counter", "Client connections accepted.")
        out += "lb_connections_accepted_total \(metrics.acceptedConnectionCount)\n"
        family("lb_connections_open", "gauge", "Client connections open now.")
        out += "lb_connections_open \(metrics.openConnectionCount)\n"
        family("lb_requests_total", "counter", "Requests received from clients.")
        out += "lb_requests_total \(metrics.requestCount)\n"
        family("lb_retries_total", "counter", "Tries moved to another backend.")
        out += "lb_retries_total \(metrics.retryCount)\n"
        family("lb_local_responses_total", "counter", "Responses the balancer answered itself, by status.")
        for (status, count) in metrics.localResponseCounts {
            out += "lb_local_responses_total{status=\"\(status)\"} \(count)\n"
        }

        let backends = registry.snapshot()
        family("lb_backend_requests_total", "counter", "Responses from each backend, by status class.")
        for backend in backends {
            for (index, count) in backend.stats.responsesByClass.enumerated() {
                out += "lb_backend_requests_total{backend=\"\(backend.address)\",class=\"\(index + 1)xx\"} \(count)\n"
            }
        }
        family("lb_backend_failures_total", "counter", "Tries that got no complete response, by reason.")
        for backend in backends {
            let reasons = [
                ("connect", backend.stats.connectFailures), ("timeout", backend.stats.timeouts),
                ("error", backend.stats.errors), ("client_aborted", backend.stats.aborted),
            ]
            for (reason, count) in reasons {
                out += "lb_backend_failures_total{backend=\"\(backend.address)\",reason=\"\(reason)\"} \(count)\n"
            }
        }
        family("lb_backend_response_seconds", "histogram", "Time from sending a request to the end of its response.")
        for backend in backends {
            var cumulative = 0
            for (index, bound) in BackendStats.latencyBuckets.enumerated() {
                cumulative += backend.stats.latencyCounts[index]
                out += "lb_backend_response_seconds_bucket{backend=\"\(backend.address)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            cumulative += backend.stats.latencyCounts[BackendStats.latencyBuckets.count]
            out += "lb_backend_response_seconds_bucket{backend=\"\(backend.address)\",le=\"+Inf\"} \(cumulative)\n"
            out += "lb_backend_response_seconds_sum{backend=\"\(backend.address)\"} \(backend.stats.latencySum)\n"
            out += "lb_backend_response_seconds_count{backend=\"\(backend.address)\"} \(cumulative)\n"
        }
        let gauges: [(String, String, (BackendRegistry.Snapshot) -> String)] = [
            ("lb_backend_in_flight", "Requests in flight to the backend.", { "\($0.inFlight)" }),
            ("lb_backend_open_connections", "Upstream connections open, leased or idle.", { "\($0.openConnections)" }),
            ("lb_backend_pooled_connections", "Idle upstream connections kept for reuse.", { "\($0.pooledConnections)" }),
            ("lb_backend_up", "1 if the backend takes new requests (healthy, not drained, weight above 0).", { $0.available ? "1" : "0" }),
            ("lb_backend_healthy", "1 if the active health checks pass.", { $0.up ? "1" : "0" }),
            ("lb_backend_drained", "1 if the backend is drained.", { $0.drained ? "1" : "0" }),
            ("lb_backend_weight", "Configured weight.", { "\($0.weight)" }),
        ]
        for (name, help, value) in gauges {
            family(name, "gauge", help)
            for backend in backends {
                out += "\(name){backend=\"\(backend.address)\"} \(value(backend))\n"
            }
        }
        return out
    }
}
