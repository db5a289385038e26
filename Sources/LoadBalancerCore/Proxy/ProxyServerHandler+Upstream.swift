import NIOCore
import NIOHTTP1

// What the upstream connection reports back, for the exchange it serves.
extension ProxyServerHandler: UpstreamConnectionDelegate {
    func upstream(_ connection: UpstreamConnection, received part: MessagePart) {
        guard case .proxying(let exchange) = self.state, exchange.upstream === connection else {
            connection.close()
            return
        }
        switch part {
        case .head(let head): self.receivedResponseHead(head, exchange: exchange, connection: connection)
        case .body(let body): self.receivedResponseBody(body, exchange: exchange, connection: connection)
        case .end: self.receivedResponseEnd(exchange: exchange, connection: connection)
        }
    }

    func upstreamReadComplete(_ connection: UpstreamConnection) {
        guard case .proxying(let exchange) = self.state, exchange.upstream === connection else {
            return
        }
        guard let context else { return }
        context.flush()
        // While the client is not reading, the send timeout set when it stopped stands.
        if context.channel.isWritable {
            self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
        }
    }

    func upstreamWritabilityChanged(_ connection: UpstreamConnection) {
        guard case .proxying(let exchange) = self.state, exchange.upstream === connection else { return }
        self.resumeClientReadsIfAllowed()
    }

    func upstreamFailed(_ connection: UpstreamConnection, error: (any Error)?) {
        guard case .proxying(let exchange) = self.state, exchange.upstream === connection else { return }
        connection.close()
        self.tryFailed(exchange, TryFailure(outcome: .failed, status: .badGateway))
    }
}

// The response, streamed from the upstream connection to the client.
extension ProxyServerHandler {
    func receivedResponseHead(_ head: RawHead, exchange: ProxyExchange, connection: UpstreamConnection) {
        guard let context else { return }
        exchange.responseStarted = true
        exchange.responseStatus = head.status
        exchange.upstreamKeepAlive = head.isKeepAlive
        let (body, canKeepAlive) = ForwardingHeaders.responseBody(
            head, clientMinorVersion: exchange.clientMinorVersion, requestMethod: exchange.method
        )
        if self.quiescing || !canKeepAlive { exchange.clientKeepAlive = false }
        exchange.responseBody = body
        var buffer = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 96)
        ForwardingHeaders.writeClientResponse(
            head,
            clientMinorVersion: exchange.clientMinorVersion,
            body: body,
            keepAlive: exchange.clientKeepAlive,
            requestID: exchange.requestID,
            into: &buffer
        )
        context.write(Self.wrapOutboundOut(buffer), promise: nil)
        self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
    }

    func receivedResponseBody(_ body: ByteBuffer, exchange: ProxyExchange, connection: UpstreamConnection) {
        guard let context else { return }
        exchange.responseBytes += body.readableBytes
        if exchange.responseBody == .dechunked {
            // An HTTP/1.0 client: the chunks' data only (the reader has checked their framing).
            var ranges: [Range<Int>] = []
            _ = try? body.withUnsafeReadableBytes { try exchange.dechunker.consume($0, data: &ranges) }
            for range in ranges {
                context.write(Self.wrapOutboundOut(body.getSlice(at: body.readerIndex + range.lowerBound, length: range.count)!), promise: nil)
            }
        } else {
            context.write(Self.wrapOutboundOut(body), promise: nil)
        }
        if !context.channel.isWritable {
            connection.pauseReading()
        }
    }

    func receivedResponseEnd(exchange: ProxyExchange, connection: UpstreamConnection) {
        guard let context else { return }
        self.endTry(exchange, outcome: .response(status: exchange.responseStatus))
        exchange.upstream = nil
        if exchange.requestEndSent && exchange.upstreamKeepAlive && exchange.responseBody != .untilClose
            && !connection.hasLeftoverBytes
        {
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
            context.flush()
            self.readRequests()
        } else if !exchange.requestEnded {
            // The client is still sending a body the backend did not wait for.
            self.linger(after: ByteBuffer(), context: context)
        } else {
            self.state = .closing
            self.clearDeadline()
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
