import NIOCore
import Synchronization
import NIOHTTP1

/// The proxy's handler for one client connection: takes each request, picks a backend, leases a
/// keep-alive connection from this loop's pool and streams the request up and the response down.
///
/// Pipelined requests are answered one at a time, in order: a request head that arrives while
/// another request is being answered waits here, with what follows it, and reading stops until it
/// is served. (NIO's `HTTPServerPipelineHandler` would do the same, but it also stops reading
/// while every response is pending, which costs two `epoll_ctl` calls per request.)
///
/// Backpressure: the client is read only while the upstream connection can take more
/// (`read()` is held back otherwise), and the upstream only while the client can take more.
/// Nothing leaves the event loop and no body is buffered whole; a small idempotent body is kept for
/// a retry (see ``ProxyExchange``).
///
/// Timeouts run on one lazily re-armed timer per connection: idle (waiting for a request), header
/// (from a request's first byte to the end of its headers), body (between body parts), upstream
/// (waiting for the response or its next part) and send (the client not reading the response).
final class ProxyServerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        /// Waiting for the next request head.
        case idle
        case proxying(ProxyExchange)
        /// The balancer answered itself; the rest of the request body is read and dropped.
        case answeredLocally(keepAlive: Bool)
        /// Answered and closing: our side is shut, and what the client still sends is read and
        /// dropped for a moment, so that the unread bytes do not make the kernel reset the
        /// connection before the client has read the answer (nginx's lingering close).
        case lingering
        case closing
    }

    enum Timeout {
        case idle
        case header
        case body
        case upstream
        case send
    }

    /// What went wrong with a try, and the page the client gets if it cannot be retried.
    struct TryFailure {
        var outcome: RequestOutcome
        var status: HTTPResponseStatus
    }

    let loop: LoopContext
    var context: ChannelHandlerContext?
    var state = State.idle
    var client = ForwardingHeaders.Client(address: "-", isTrustedProxy: false)
    var readPending = false
    /// Parts of pipelined requests that wait for the current one to be answered.
    var queued: [HTTPServerRequestPart] = []
    var isProcessingQueue = false
    /// A shutdown asked this connection to close after the current response.
    var quiescing = false
    /// A pipelined request that could not be parsed, answered once those before it are.
    var pendingParseError: HTTPParserError?
    var headerClockStarted = false
    var upstreamNeedsFlush = false
    /// Inside a burst of client parts (a read, or queued parts being handed over): writes upstream
    /// are flushed once at its end rather than one by one.
    var inClientBurst = false
    var discardedBytes = 0

    var deadline: NIODeadline?
    var deadlineKind = Timeout.idle
    var timer: Scheduled<Void>?
    var timerDeadline: NIODeadline?

    init(loop: LoopContext) {
        self.loop = loop
    }

    var configuration: LoadBalancerConfiguration { self.loop.configuration }

    // MARK: - Reads from the client

    /// Reading the client is allowed unless a request body would have nowhere to go.
    var mayReadClient: Bool {
        // Pipelined requests waiting: read no more until they are served.
        if !self.queued.isEmpty || self.pendingParseError != nil { return false }
        switch self.state {
        case .idle, .answeredLocally, .lingering:
            return true
        case .closing:
            return false
        case .proxying(let exchange):
            if exchange.requestEnded { return true }
            guard let upstream = exchange.upstream else { return false }
            return upstream.isWritable
        }
    }

    func resumeClientReadsIfAllowed() {
        guard self.readPending, self.mayReadClient, let context else { return }
        self.readPending = false
        context.read()
    }

    /// Called by ``RequestStartObserver`` for every read: the first bytes of a request start the
    /// header clock.
    func clientBytesArrived() {
        guard case .idle = self.state, !self.headerClockStarted else { return }
        self.headerClockStarted = true
        self.setDeadline(.header, after: self.configuration.client.headerTimeout)
    }

    func receivedHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard case .idle = self.state else {
            // channelRead queues pipelined heads, so this cannot happen; if it did, the
            // connection could not be trusted.
            context.close(promise: nil)
            return
        }
        self.headerClockStarted = false
        self.discardedBytes = 0
        self.loop.metrics.requests.add(1, ordering: .relaxed)
        let now = NIODeadline.now()
        var requestID = self.loop.makeRequestID()
        let upstreamHead = ForwardingHeaders.upstreamRequest(head, client: self.client, requestID: &requestID)
        let exchange = ProxyExchange(head: head, upstreamHead: upstreamHead, requestID: requestID, now: now)

        var headerBytes = head.uri.utf8.count
        for (name, value) in head.headers { headerBytes += name.utf8.count + value.utf8.count + 4 }
        if headerBytes > self.configuration.client.maxHeaderBytes {
            self.answerLocally(exchange, status: .requestHeaderFieldsTooLarge, keepAlive: false)
            return
        }
        if let length = head.headers.first(name: "content-length"), let bytes = Int(length),
            bytes > self.configuration.client.maxBodyBytes
        {
            self.answerLocally(exchange, status: .payloadTooLarge, keepAlive: false)
            return
        }
        if head.version.minor >= 1, let expect = head.headers.first(name: "expect"), expect.lowercased() == "100-continue" {
            // Answered here, so that the body starts flowing while the backend is chosen.
            context.writeAndFlush(Self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        self.state = .proxying(exchange)
        self.setDeadline(.body, after: self.configuration.client.bodyTimeout)
        self.startTry(exchange)
    }

    func receivedBody(_ part: ByteBuffer, context: ChannelHandlerContext) {
        switch self.state {
        case .proxying(let exchange):
            exchange.requestBodyBytes += part.readableBytes
            if exchange.requestBodyBytes > self.configuration.client.maxBodyBytes {
                // A chunked body over the limit: the backend has part of it, so that connection goes.
                self.abandonUpstream(exchange, outcome: .aborted)
                if exchange.responseStarted {
                    self.closeClient(exchange, status: 413)
                } else {
                    self.answerLocally(exchange, status: .payloadTooLarge, keepAlive: false)
                }
                return
            }
            self.setDeadline(.body, after: self.configuration.client.bodyTimeout)
            if let upstream = exchange.upstream, exchange.pending.isEmpty {
                upstream.write(.body(.byteBuffer(part)))
                exchange.remember(part, limit: self.configuration.retry.replayBufferBytes)
                self.upstreamNeedsFlush = true
            } else {
                exchange.pending.append(part)
            }
        case .answeredLocally:
            self.discardedBytes += part.readableBytes
            if self.discardedBytes > self.configuration.client.maxBodyBytes {
                self.state = .closing
                context.close(promise: nil)
            } else {
                self.setDeadline(.body, after: self.configuration.client.bodyTimeout)
            }
        case .idle, .closing, .lingering:
            break
        }
    }

    func receivedEnd(context: ChannelHandlerContext) {
        switch self.state {
        case .proxying(let exchange):
            exchange.requestEnded = true
            if let upstream = exchange.upstream, exchange.pending.isEmpty {
                upstream.write(.end(nil))
                exchange.requestEndSent = true
                self.flushUpstream(upstream)
            }
            self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
        case .answeredLocally(let keepAlive):
            if keepAlive && !self.quiescing {
                self.becomeIdle()
                self.processQueued()
            } else {
                self.state = .closing
                context.close(promise: nil)
            }
        case .idle, .closing, .lingering:
            break
        }
    }

    // MARK: - Tries

    func startTry(_ exchange: ProxyExchange) {
        let elapsed = NIODeadline.now() - exchange.start
        guard exchange.tried.count < self.configuration.retry.maxTries,
            exchange.tried.isEmpty || elapsed < self.configuration.retry.timeout,
            let backend = self.loop.registry.pick(excluding: exchange.tried)
        else {
            if exchange.tried.isEmpty {
                // Nothing is up: a page that tells the client to come back, not a hung request.
                self.answerLocally(exchange, status: .serviceUnavailable, keepAlive: true, retryAfter: 5)
            } else {
                self.answerLocally(exchange, status: exchange.responseStatus == 504 ? .gatewayTimeout : .badGateway, keepAlive: true)
            }
            return
        }
        if !exchange.tried.isEmpty { self.loop.metrics.retries.add(1, ordering: .relaxed) }
        exchange.tried.append(backend.id)
        exchange.backend = backend
        exchange.holdsBackend = true
        exchange.tryStart = .now()
        exchange.tryNumber += 1
        if let connection = self.loop.pool.lease(backend) {
            self.attach(connection, to: exchange)
            return
        }
        exchange.isConnecting = true
        let tryNumber = exchange.tryNumber
        self.loop.pool.connect(backend) { result in
            self.connectCompleted(result, exchange: exchange, tryNumber: tryNumber)
        }
    }

    func connectCompleted(_ result: Result<UpstreamConnection, any Error>, exchange: ProxyExchange, tryNumber: Int) {
        guard case .proxying(let current) = self.state, current === exchange, exchange.tryNumber == tryNumber else {
            // The client went away (or the try was abandoned) meanwhile; a fresh connection is still
            // good for someone else.
            if case .success(let connection) = result { self.loop.pool.release(connection) }
            return
        }
        exchange.isConnecting = false
        switch result {
        case .success(let connection):
            self.attach(connection, to: exchange)
        case .failure(let error):
            var timedOut = false
            if case ChannelError.connectTimeout = error { timedOut = true }
            self.tryFailed(exchange, TryFailure(outcome: .connectFailed, status: timedOut ? .gatewayTimeout : .badGateway))
        }
    }

    func attach(_ connection: UpstreamConnection, to exchange: ProxyExchange) {
        exchange.upstream = connection
        connection.lease(to: self)
        connection.write(.head(exchange.upstreamHead))
        exchange.wroteToUpstream = true
        if !exchange.pending.isEmpty {
            for part in exchange.pending {
                connection.write(.body(.byteBuffer(part)))
                exchange.remember(part, limit: self.configuration.retry.replayBufferBytes)
            }
            exchange.pending = []
        }
        if exchange.requestEnded {
            connection.write(.end(nil))
            exchange.requestEndSent = true
            self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
        }
        self.flushUpstream(connection)
        self.resumeClientReadsIfAllowed()
    }

    /// Flushes now, or at the end of the current burst of client parts (one system call for a
    /// request's head, body and end when they came in one read).
    func flushUpstream(_ connection: UpstreamConnection) {
        if self.inClientBurst {
            self.upstreamNeedsFlush = true
        } else {
            self.upstreamNeedsFlush = false
            connection.flush()
        }
    }

    /// Ends the current try on a failure: retried elsewhere if the rules allow, otherwise the
    /// client gets the error page (or, once the response has started, a closed connection).
    func tryFailed(_ exchange: ProxyExchange, _ failure: TryFailure) {
        self.endTry(exchange, outcome: failure.outcome)
        exchange.upstream = nil
        exchange.isConnecting = false
        if exchange.responseStarted {
            self.closeClient(exchange, status: exchange.responseStatus)
            return
        }
        exchange.responseStatus = Int(failure.status.code)
        if exchange.mayRetry {
            exchange.rewindForRetry()
            self.startTry(exchange)
        } else {
            self.answerLocally(exchange, status: failure.status, keepAlive: true)
        }
    }

    /// Drops the upstream connection of an exchange that will not complete there.
    func abandonUpstream(_ exchange: ProxyExchange, outcome: RequestOutcome) {
        if let upstream = exchange.upstream {
            upstream.close()
            exchange.upstream = nil
        }
        self.endTry(exchange, outcome: outcome)
        exchange.isConnecting = false
        // A connect still under way is now for nobody.
        exchange.tryNumber += 1
    }

    /// Tells the registry how the current try ended, once.
    func endTry(_ exchange: ProxyExchange, outcome: RequestOutcome) {
        guard exchange.holdsBackend, let backend = exchange.backend else { return }
        exchange.holdsBackend = false
        self.loop.registry.release(backend, outcome: outcome, seconds: Self.seconds(since: exchange.tryStart))
    }

    // MARK: - Responses

    func receivedResponseHead(_ head: HTTPResponseHead, exchange: ProxyExchange, connection: UpstreamConnection) {
        guard let context else { return }
        exchange.responseStarted = true
        exchange.responseStatus = Int(head.status.code)
        exchange.upstreamKeepAlive = head.isKeepAlive
        if self.quiescing
            || !ForwardingHeaders.canKeepAlive(response: head, clientVersion: exchange.clientVersion, method: exchange.method)
        {
            exchange.clientKeepAlive = false
        }
        let clientHead = ForwardingHeaders.clientResponse(
            head, version: exchange.clientVersion, keepAlive: exchange.clientKeepAlive, requestID: exchange.requestID
        )
        context.write(Self.wrapOutboundOut(.head(clientHead)), promise: nil)
        self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
    }

    func receivedResponseBody(_ body: ByteBuffer, exchange: ProxyExchange, connection: UpstreamConnection) {
        guard let context else { return }
        exchange.responseBytes += body.readableBytes
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        if !context.channel.isWritable {
            connection.pauseReading()
        }
    }

    func receivedResponseEnd(_ trailers: HTTPHeaders?, exchange: ProxyExchange, connection: UpstreamConnection) {
        guard let context else { return }
        self.endTry(exchange, outcome: .response(status: exchange.responseStatus))
        exchange.upstream = nil
        if exchange.requestEndSent && exchange.upstreamKeepAlive {
            self.loop.pool.release(connection)
        } else {
            connection.close()
        }
        self.log(exchange, status: exchange.responseStatus)
        // A response that ended before the request did leaves the client connection mid-request:
        // it is closed after the response.
        if !exchange.requestEnded { exchange.clientKeepAlive = false }
        if exchange.clientKeepAlive && !self.quiescing {
            self.becomeIdle()
            context.writeAndFlush(Self.wrapOutboundOut(.end(trailers)), promise: nil)
            self.processQueued()
        } else {
            self.state = .closing
            self.clearDeadline()
            context.writeAndFlush(Self.wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    // MARK: - Endings

    /// Ready for the next request. The caller then writes the end of the current response and
    /// calls `processQueued()`, so that a pipelined request is answered after it, never before.
    func becomeIdle() {
        self.state = .idle
        self.headerClockStarted = false
        self.setDeadline(.idle, after: self.configuration.client.idleTimeout)
    }

    /// Hands waiting pipelined parts over, up to the next request head that must wait again, then
    /// reads on if allowed.
    func processQueued() {
        guard !self.isProcessingQueue, let context else { return }
        self.isProcessingQueue = true
        let wasInBurst = self.inClientBurst
        self.inClientBurst = true
        defer { self.isProcessingQueue = false }
        while let next = self.queued.first {
            if case .closing = self.state { break }
            if case .head = next, case .idle = self.state {} else if case .head = next { break }
            self.queued.removeFirst()
            self.dispatch(next, context: context)
        }
        self.inClientBurst = wasInBurst
        if !wasInBurst, self.upstreamNeedsFlush, case .proxying(let exchange) = self.state, let upstream = exchange.upstream {
            self.upstreamNeedsFlush = false
            upstream.flush()
        }
        if self.queued.isEmpty, let error = self.pendingParseError, case .idle = self.state {
            self.pendingParseError = nil
            self.answerParseError(error, context: context)
            return
        }
        if self.queued.isEmpty, self.quiescing, case .idle = self.state {
            self.state = .closing
            context.close(promise: nil)
            return
        }
        self.resumeClientReadsIfAllowed()
    }

    func dispatch(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head): self.receivedHead(head, context: context)
        case .body(let body): self.receivedBody(body, context: context)
        case .end: self.receivedEnd(context: context)
        }
    }

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
        let (head, body) = ErrorPage.response(
            status,
            version: exchange.clientVersion,
            keepAlive: keepAlive,
            requestID: exchange.requestID,
            retryAfter: retryAfter,
            allocator: context.channel.allocator
        )
        exchange.responseStatus = Int(status.code)
        exchange.responseBytes = body.readableBytes
        self.log(exchange, status: Int(status.code))
        if keepAlive && exchange.requestEnded {
            self.becomeIdle()
        } else if keepAlive {
            self.state = .answeredLocally(keepAlive: true)
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
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in
                context.close(mode: lingering ? .output : .all, promise: nil)
            }
        } else {
            self.processQueued()
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

    // MARK: - Timer

    func setDeadline(_ kind: Timeout, after amount: TimeAmount) {
        let deadline = NIODeadline.now() + amount
        self.deadline = deadline
        self.deadlineKind = kind
        // A timer that fires earlier re-arms itself for the later deadline; this saves rescheduling
        // on every body part.
        if let armed = self.timerDeadline, armed <= deadline { return }
        self.timer?.cancel()
        self.armTimer(at: deadline)
    }

    func clearDeadline() {
        self.deadline = nil
    }

    func armTimer(at deadline: NIODeadline) {
        guard let context else { return }
        self.timerDeadline = deadline
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timerFired()
        }
    }

    func timerFired() {
        self.timer = nil
        self.timerDeadline = nil
        guard let deadline = self.deadline else { return }
        let now = NIODeadline.now()
        if now < deadline {
            self.armTimer(at: deadline)
            return
        }
        self.deadline = nil
        self.timedOut(self.deadlineKind)
    }

    func timedOut(_ kind: Timeout) {
        guard let context else { return }
        switch (kind, self.state) {
        case (.body, .proxying(let exchange)) where !exchange.requestEnded:
            if !self.mayReadClient {
                // The backend is slow to take the body, not the client to send it.
                self.setDeadline(.body, after: self.configuration.client.bodyTimeout)
                return
            }
            self.abandonUpstream(exchange, outcome: .aborted)
            if exchange.responseStarted {
                self.closeClient(exchange, status: 408)
            } else {
                self.answerLocally(exchange, status: .requestTimeout, keepAlive: false)
            }
        case (.upstream, .proxying(let exchange)), (.body, .proxying(let exchange)):
            if exchange.isConnecting {
                // The connect timeout answers for that part.
                self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
                return
            }
            if exchange.responseStarted && !context.channel.isWritable {
                // The client is not reading: that is the send timeout's business.
                self.setDeadline(.send, after: self.configuration.client.sendTimeout)
                return
            }
            exchange.upstream?.close()
            exchange.upstream = nil
            self.tryFailed(exchange, TryFailure(outcome: .timedOut, status: .gatewayTimeout))
        case (.send, .proxying(let exchange)):
            self.abandonUpstream(exchange, outcome: .aborted)
            self.closeClient(exchange, status: exchange.responseStatus)
        case (_, .idle), (_, .answeredLocally), (_, .lingering):
            self.state = .closing
            context.close(promise: nil)
        default:
            break
        }
    }
}
