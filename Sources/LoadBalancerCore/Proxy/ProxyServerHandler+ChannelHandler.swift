import NIOCore
import NIOHTTP1

// The NIO channel events of the client connection: they feed the states in ProxyServerHandler.swift.
extension ProxyServerHandler {
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.connectionBecameActive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.connectionBecameActive(context: context)
        context.fireChannelActive()
    }

    private func connectionBecameActive(context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress
        self.client = ForwardingHeaders.Client(
            address: remote?.ipAddress ?? "-",
            isTrustedProxy: self.configuration.trustedProxies.contains(remote),
            proto: self.configuration.forwardedProto
        )
        // A new connection has the header timeout to send its first request, as in nginx.
        self.headerClockStarted = true
        self.setDeadline(.header, after: self.configuration.client.headerTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .proxying(let exchange) = self.state {
            let finished = exchange.responseStarted
            self.abandonUpstream(exchange, outcome: .aborted)
            // 499: nginx's code for a client that closed the connection first.
            self.log(exchange, status: finished ? exchange.responseStatus : 499)
        }
        self.state = .closing
        self.deadline = nil
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .lingering = self.state {
            self.droppedWhileLingering(Self.unwrapInboundIn(data).readableBytes, context: context)
            return
        }
        self.clientBytesArrived()
        self.inClientBurst = true
        self.reader.append(Self.unwrapInboundIn(data))
        self.readRequests()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Shutdown: an idle connection closes now, a busy one after its current response.
        self.quiescing = true
        if case .idle = self.state {
            self.state = .closing
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.inClientBurst = false
        self.flushHeldBackUpstreamWrites()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .proxying(let exchange) = self.state, let upstream = exchange.upstream {
            if exchange.responseStarted {
                self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
            }
            upstream.resumeReading()
        } else if !context.channel.isWritable, case .proxying(let exchange) = self.state, exchange.responseStarted {
            self.setDeadline(.send, after: self.configuration.client.sendTimeout)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .lingering = self.state { return }
        context.close(promise: nil)
    }

    /// The reader could not read the request: its head (400, 431, 501 or 505, then the connection
    /// closes), or the current request's body framing (the request cannot be completed).
    func requestUnreadable(_ error: any Error, context: ChannelHandlerContext) {
        switch self.state {
        case .idle:
            self.state = .closing
            let status = (error as? HeadError)?.status ?? .badRequest
            self.loop.metrics.recordLocalResponse(Int(status.code))
            let page = ErrorPage.response(
                status, minorVersion: 1, keepAlive: false, requestID: nil, pages: self.configuration.errorPages, allocator: context.channel.allocator
            )
            context.writeAndFlush(Self.wrapOutboundOut(page.bytes)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .proxying(let exchange):
            self.abandonUpstream(exchange, outcome: .aborted)
            if exchange.responseStarted {
                self.closeClient(exchange, status: exchange.responseStatus)
            } else {
                self.answerLocally(exchange, status: .badRequest, keepAlive: false)
            }
        case .answeredLocally, .lingering, .closing:
            self.state = .closing
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.mayReadClient {
            context.read()
        } else {
            self.readPending = true
        }
    }
}
