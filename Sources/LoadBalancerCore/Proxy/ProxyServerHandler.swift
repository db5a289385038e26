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
///
/// This file holds the state and the client's side; the extensions hold the rest by topic:
/// `+ChannelHandler` (NIO events), `+Tries` (backends, retries), `+Upstream` (the response),
/// `+LocalAnswers` (error pages, access log) and `+Timeouts`.
final class ProxyServerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        /// Waiting for the next request head.
        case idle
        case proxying(ProxyExchange)
        /// The balancer answered itself and keeps the connection: the rest of the request body is
        /// read and dropped. (An answer that closes the connection goes to `lingering`.)
        case answeredLocally
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

        // Headers over `maxHeaderBytes` never get here: the decoder refuses them (431).
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
        case .answeredLocally:
            if !self.quiescing {
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

    // MARK: - Between requests

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
        if !wasInBurst { self.flushHeldBackUpstreamWrites() }
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
}
