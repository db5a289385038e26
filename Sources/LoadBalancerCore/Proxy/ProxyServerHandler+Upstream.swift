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
        self.context?.flush()
        self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
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
