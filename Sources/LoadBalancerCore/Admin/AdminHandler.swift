import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin endpoint (loopback by default), one request at a time:
///
/// - `GET /backends`: JSON list with health, in-flight requests and totals
/// - `POST /backends/{host:port}/drain`, `.../undrain`, `.../weight?value=N`
/// - `POST /reload`: re-read the backends file (as SIGHUP does)
/// - `GET /metrics`: Prometheus text
/// - `GET /healthz`: 200 while the balancer runs
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead)
    }

    private let balancer: LoadBalancer
    private var state = State.idle

    init(balancer: LoadBalancer) {
        self.balancer = balancer
    }

    struct Response {
        var status: HTTPResponseStatus
        var contentType: String
        var body: String

        static func json(_ body: String, status: HTTPResponseStatus = .ok) -> Response {
            Response(status: status, contentType: "application/json", body: body)
        }

        static func text(_ body: String, status: HTTPResponseStatus = .ok) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: body + "\n")
        }
    }

    /// Routes one request; separate from the channel plumbing so that tests can call it.
    func respond(to head: HTTPRequestHead) -> Response {
        let pathAndQuery = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(pathAndQuery[0])
        let query = pathAndQuery.count > 1 ? String(pathAndQuery[1]) : ""
        switch (head.method, path) {
        case (.GET, "/healthz"):
            return .text("ok")
        case (.GET, "/metrics"):
            return Response(
                status: .ok,
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: MetricsRenderer.render(registry: self.balancer.registry, metrics: self.balancer.metrics)
            )
        case (.GET, "/backends"):
            return .json(self.backendsJSON())
        case (.POST, "/reload"):
            return Self.reload(self.balancer)
        default:
            break
        }
        let parts = path.split(separator: "/")
        guard head.method == .POST, parts.count == 3, parts[0] == "backends" else {
            return .text("not found; see GET /backends, POST /backends/{host:port}/drain|undrain|weight?value=N, POST /reload, GET /metrics", status: .notFound)
        }
        let address = String(parts[1]).removingPercentEncoding
        let found: Bool
        switch parts[2] {
        case "drain":
            found = self.balancer.registry.setDrained(address, true)
            if found { EventLog.info("backend \(address) drained") }
        case "undrain":
            found = self.balancer.registry.setDrained(address, false)
            if found { EventLog.info("backend \(address) undrained") }
        case "weight":
            let value = query.split(separator: "&").first { $0.hasPrefix("value=") }.flatMap { Int($0.dropFirst("value=".count)) }
            guard let weight = value, (0...BackendsFile.maximumWeight).contains(weight) else {
                return .text("weight?value=N with N from 0 to \(BackendsFile.maximumWeight)", status: .badRequest)
            }
            found = self.balancer.registry.setWeight(address, weight)
            if found { EventLog.info("backend \(address) weight set to \(weight)") }
        default:
            return .text("unknown action \(parts[2])", status: .notFound)
        }
        return found ? .json(self.backendsJSON()) : .text("no backend \(address)", status: .notFound)
    }

    private func backendsJSON() -> String {
        let items = self.balancer.registry.snapshot().map { backend -> String in
            let stats = backend.stats
            let classes = stats.responsesByClass.enumerated().map { "\"\($0.offset + 1)xx\":\($0.element)" }.joined(separator: ",")
            let passive = backend.passivelyOutFor.map { String($0) } ?? "null"
            return """
                {"address":"\(backend.address)","weight":\(backend.weight),"effective_weight":\(backend.effectiveWeight),\
                "drained":\(backend.drained),"healthy":\(backend.up),"available":\(backend.available),\
                "passive_out_seconds":\(passive),"in_flight":\(backend.inFlight),\
                "open_connections":\(backend.openConnections),"pooled_connections":\(backend.pooledConnections),\
                "requests":\(stats.totalRequests),"responses":{\(classes)},\
                "failures":{"connect":\(stats.connectFailures),"timeout":\(stats.timeouts),"error":\(stats.errors),"client_aborted":\(stats.aborted)}}
                """
        }
        return "{\"algorithm\":\"\(self.balancer.registry.algorithm.rawValue)\",\"backends\":[\(items.joined(separator: ","))]}\n"
    }

    /// Re-reads the backends file. It reads a file and may resolve host names: blocking work,
    /// which `channelRead` runs on a thread pool rather than on the event loop.
    static func reload(_ balancer: LoadBalancer) -> Response {
        do {
            let summary = try balancer.reload()
            return .json(
                "{\"added\":\(Self.jsonArray(summary.added)),\"removed\":\(Self.jsonArray(summary.removed)),\"reweighted\":\(Self.jsonArray(summary.reweighted))}"
            )
        } catch {
            return .text("reload failed: \(error)", status: .unprocessableEntity)
        }
    }

    private static func isReload(_ head: HTTPRequestHead) -> Bool {
        head.method == .POST && head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] == "/reload"
    }

    private static func jsonArray(_ values: [String]) -> String {
        "[" + values.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }
}

extension AdminHandler {
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.state = .receiving(head)
        case .body:
            break
        case .end:
            guard case .receiving(let head) = self.state else { return }
            self.state = .idle
            if Self.isReload(head) {
                let balancer = self.balancer
                NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) { Self.reload(balancer) }
                    .assumeIsolated().whenComplete { result in
                        let response = (try? result.get()) ?? .text("reload failed: the balancer is stopping", status: .serviceUnavailable)
                        self.send(response, for: head, context: context)
                    }
            } else {
                self.send(self.respond(to: head), for: head, context: context)
            }
        }
    }

    private func send(_ response: Response, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        let body = context.channel.allocator.buffer(string: response.body)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "cache-control", value: "no-store")
        ForwardingHeaders.addConnection(to: &headers, version: head.version, keepAlive: head.isKeepAlive)
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

extension String {
    /// `%3A` and friends decoded, so that `[::1]:8080` can be written in a path.
    var removingPercentEncoding: String {
        guard self.contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = self.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
