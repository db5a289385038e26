import NIOCore
import NIOHTTP1

// What the upstream connection reports back, for the exchange it serves.
extension ProxyServerHandler: UpstreamConnectionDelegate {
    func upstream(_ connection: UpstreamConnection, received part: HTTPClientResponsePart) {
        guard case .proxying(let exchange) = self.state, exchange.upstream === connection else {
            connection.close()
            return
        }
        switch part {
        case .head(let head): self.receivedResponseHead(head, exchange: exchange, connection: connection)
        case .body(let body): self.receivedResponseBody(body, exchange: exchange, connection: connection)
        case .end(let trailers): self.receivedResponseEnd(trailers, exchange: exchange, connection: connection)
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
}
