import NIOCore
import NIOHTTP1
import Synchronization

/// The proxy's handler for one client connection: takes each request, picks a backend, leases a
/// keep-alive connection from this loop's pool and streams the request up and the response down.
///
/// It reads the connection's bytes itself, with a ``MessageReader``, and writes bytes: heads are
/// rewritten from the bytes received to the bytes sent, and bodies pass as they came. (A separate
/// codec handler would box and cast every part on its way down the pipeline, and NIOHTTP1's codecs
/// decode every header into strings and encode them again: together they cost more than the
/// proxying.)
///
/// Pipelined requests are answered one at a time, in order: a request that arrives while another
/// is being answered stays unread in the reader, and reading stops until it is served.
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
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        /// Waiting for the next request head.
        case idle
        case proxying(ProxyExchange)
        /// The balancer answered itself and keeps the connection: the rest of the request body is
        /// read and dropped. (An answer that closes the connection goes to `lingering`.)
        case answeredLocally
        /// Answered while the client was still sending: our side is shut and what still comes is
        /// read and dropped for a while (`linger(after:context:)`), then the connection closes.
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
    /// The requests' bytes: parts are taken from it while the current request can use them.
    var reader: MessageReader
    var isReadingRequests = false
    /// A shutdown asked this connection to close after the current response.
    var quiescing = false
    var headerClockStarted = false
    var upstreamNeedsFlush = false
    /// Inside a burst of client parts (a read, or queued parts being handed over): writes upstream
    /// are flushed once at its end rather than one by one.
    var inClientBurst = false
    var discardedBytes = 0
    /// When a lingering close ends even if the client is still sending.
    var lingerEnd = NIODeadline.distantFuture

    var deadline: NIODeadline?
    var deadlineKind = Timeout.idle
    var timer: Scheduled<Void>?
    var timerDeadline: NIODeadline?

    init(loop: LoopContext) {
        self.loop = loop
        self.reader = MessageReader(kind: .request, maxHeadBytes: loop.configuration.client.maxHeaderBytes)
    }

    var configuration: LoadBalancerConfiguration { self.loop.configuration }

    // MARK: - Reads from the client

    /// Reading the client is allowed unless a request body would have nowhere to go.
    var mayReadClient: Bool {
        switch self.state {
        case .idle, .answeredLocally, .lingering:
            return true
        case .closing:
            return false
        case .proxying(let exchange):
            // A pipelined request waiting in the reader: read no more until it is served.
            if exchange.requestEnded { return !self.reader.hasUnread }
            guard let upstream = exchange.upstream else { return false }
            return upstream.isWritable
        }
    }

    /// Whether the reader's next part is for now: the current request's body, or a new request.
    var mayTakePart: Bool {
        switch self.state {
        case .idle, .answeredLocally: true
        case .proxying(let exchange): !exchange.requestEnded
        case .lingering, .closing: false
        }
    }

    func resumeClientReadsIfAllowed() {
        guard self.readPending, self.mayReadClient, let context else { return }
        self.readPending = false
        context.read()
    }

    /// Called for every read: the first bytes of a request start the header clock.
    func clientBytesArrived() {
        guard case .idle = self.state, !self.headerClockStarted else { return }
        self.headerClockStarted = true
        self.setDeadline(.header, after: self.configuration.client.headerTimeout)
    }

    func receivedHead(_ head: RawHead, context: ChannelHandlerContext) {
        guard case .idle = self.state else {
            // Heads are only taken from the reader when idle, so this cannot happen; if it did,
            // the connection could not be trusted.
            context.close(promise: nil)
            return
        }
        self.headerClockStarted = false
        self.discardedBytes = 0
        self.loop.metrics.requests.add(1, ordering: .relaxed)
        let now = NIODeadline.now()
        var requestID = self.loop.makeRequestID()
        var upstreamHead = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 192)
        ForwardingHeaders.writeUpstreamRequest(head, client: self.client, requestID: &requestID, into: &upstreamHead)
        let exchange = ProxyExchange(head: head, upstreamHead: upstreamHead, requestID: requestID, now: now)

        // A tunnel is not proxied: after a 2xx the bytes would no longer be HTTP (nginx: 405 too).
        if head.method == .CONNECT {
            self.answerLocally(exchange, status: .methodNotAllowed, keepAlive: false)
            return
        }
        // Heads over `maxHeaderBytes` never get here: the reader refuses them (431).
        if case .length(let bytes) = head.framing, bytes > self.configuration.client.maxBodyBytes {
            self.answerLocally(exchange, status: .payloadTooLarge, keepAlive: false)
            return
        }
        if head.expectsContinue {
            // Answered here, so that the body starts flowing while the backend is chosen.
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
        }
        self.state = .proxying(exchange)
        self.setDeadline(.body, after: self.configuration.client.bodyTimeout)
        self.startTry(exchange)
    }

    /// A piece of the request body as it came (a chunked body with its framing, which counts
    /// against `maxBodyBytes` too).
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
                upstream.write(part)
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
                exchange.requestEndSent = true
                self.flushUpstream(upstream)
            }
            self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
        case .answeredLocally:
            if !self.quiescing {
                self.becomeIdle()
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
    /// calls `readRequests()`, so that a pipelined request is answered after it, never before.
    func becomeIdle() {
        self.state = .idle
        self.headerClockStarted = false
        self.setDeadline(.idle, after: self.configuration.client.idleTimeout)
    }

    /// Takes parts from the reader while they are for now (up to a pipelined request that must
    /// wait), then reads on if allowed.
    func readRequests() {
        guard !self.isReadingRequests, let context else { return }
        self.isReadingRequests = true
        let wasInBurst = self.inClientBurst
        self.inClientBurst = true
        defer { self.isReadingRequests = false }
        while self.mayTakePart {
            let part: MessagePart?
            do {
                part = try self.reader.next()
            } catch {
                self.requestUnreadable(error, context: context)
                break
            }
            guard let part else { break }
            switch part {
            case .head(let head): self.receivedHead(head, context: context)
            case .body(let body): self.receivedBody(body, context: context)
            case .end: self.receivedEnd(context: context)
            }
        }
        self.inClientBurst = wasInBurst
        if !wasInBurst { self.flushHeldBackUpstreamWrites() }
        if self.quiescing, case .idle = self.state {
            self.state = .closing
            context.close(promise: nil)
            return
        }
        self.resumeClientReadsIfAllowed()
    }
}
