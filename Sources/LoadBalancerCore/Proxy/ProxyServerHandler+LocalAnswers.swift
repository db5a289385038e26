import NIOCore
import NIOHTTP1
import Synchronization

// The balancer's own answers (error pages), cut-short responses, and the access log line.
extension ProxyServerHandler {
    /// Sends one of the balancer's own pages. With `keepAlive`, a request body still on its way is
    /// read and dropped, then the connection waits for the next request.
    func answerLocally(
        _ exchange: ProxyExchange,
        status: HTTPResponseStatus,
        keepAlive: Bool,
        retryAfter: Int? = nil
    ) {
        guard let context else { return }
        self.loop.metrics.recordLocalResponse(Int(status.code))
        let keepAlive = keepAlive && exchange.clientKeepAlive && !self.quiescing
        let page = ErrorPage.response(
            status,
            minorVersion: exchange.clientMinorVersion,
            keepAlive: keepAlive,
            requestID: exchange.requestID,
            retryAfter: retryAfter,
            allocator: context.channel.allocator
        )
        exchange.responseStatus = Int(status.code)
        exchange.responseBytes = page.bodyLength
        self.log(exchange, status: Int(status.code))
        if keepAlive && exchange.requestEnded {
            self.becomeIdle()
        } else if keepAlive {
            self.state = .answeredLocally
            self.setDeadline(.body, after: self.configuration.client.bodyTimeout)
            self.resumeClientReadsIfAllowed()
        } else if !exchange.requestEnded {
            self.state = .lingering
            self.setDeadline(.idle, after: .seconds(2))
            self.resumeClientReadsIfAllowed()
        } else {
            self.state = .closing
            self.clearDeadline()
        }
        let lingering: Bool
        if case .lingering = self.state { lingering = true } else { lingering = false }
        let written = context.writeAndFlush(Self.wrapOutboundOut(page.bytes))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in
                context.close(mode: lingering ? .output : .all, promise: nil)
            }
        } else {
            self.readRequests()
        }
    }

    /// Closes a client connection whose response cannot be completed: once its head is out, an
    /// error can only be signalled by cutting the response short.
    func closeClient(_ exchange: ProxyExchange, status: Int) {
        self.log(exchange, status: status)
        self.state = .closing
        self.clearDeadline()
        self.context?.close(promise: nil)
    }

    func log(_ exchange: ProxyExchange, status: Int) {
        guard let accessLog = self.loop.accessLog else { return }
        let now = NIODeadline.now()
        accessLog.record(
            AccessLog.Entry(
                requestID: exchange.requestID,
                method: exchange.method.rawValue,
                uri: exchange.uri,
                status: status,
                upstream: exchange.backend?.address,
                upstreamSeconds: exchange.backend == nil ? nil : Self.seconds(since: exchange.tryStart, now: now),
                totalSeconds: Self.seconds(since: exchange.start, now: now),
                bytesSent: exchange.responseBytes,
                client: self.client.address
            )
        )
    }

    static func seconds(since start: NIODeadline, now: NIODeadline = .now()) -> Double {
        Double((now - start).nanoseconds) / 1e9
    }
}
