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
            pages: self.configuration.errorPages,
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
            self.linger(after: page.bytes, context: context)
            return
        } else {
            self.state = .closing
            self.clearDeadline()
        }
        let written = context.writeAndFlush(Self.wrapOutboundOut(page.bytes))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            self.readRequests()
        }
    }

    /// How long a lingering close waits for the client's next bytes, and for all of them.
    static let lingerTimeout = TimeAmount.seconds(5)
    static let lingerTime = TimeAmount.seconds(30)

    /// Writes `last` (the end of an answer), then closes our side while the client is still
    /// sending a request body: what it sends is read and dropped while it keeps coming (as nginx's
    /// lingering close), so that the unread bytes do not make the kernel reset the connection
    /// before the client has read the answer. It ends after `lingerTimeout` without a byte
    /// (nginx's `lingering_timeout`), `lingerTime` in all, or `maxBodyBytes` dropped.
    func linger(after last: ByteBuffer, context: ChannelHandlerContext) {
        self.state = .lingering
        self.discardedBytes = 0
        self.lingerEnd = .now() + Self.lingerTime
        self.setDeadline(.idle, after: Self.lingerTimeout)
        self.resumeClientReadsIfAllowed()
        context.writeAndFlush(Self.wrapOutboundOut(last)).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
    }

    /// Bytes that came while lingering: dropped, and the wait goes on unless a limit is reached.
    func droppedWhileLingering(_ count: Int, context: ChannelHandlerContext) {
        self.discardedBytes += count
        if self.discardedBytes > self.configuration.client.maxBodyBytes || NIODeadline.now() >= self.lingerEnd {
            self.state = .closing
            self.clearDeadline()
            context.close(promise: nil)
        } else {
            self.setDeadline(.idle, after: Self.lingerTimeout)
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
