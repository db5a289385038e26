import NIOCore
import NIOHTTP1

/// Answers requests the decoder could not parse: 431 when the headers are over the limit, 400
/// otherwise, on the balancer's own page, unless a response is already under way. Like NIO's
/// `HTTPServerProtocolErrorHandler`, it lets the error travel on; the decoder then closes the
/// connection.
final class ClientErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case responding
    }

    private var state = State.idle
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }
}

extension ClientErrorHandler {
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if case .idle = self.state {
            let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
            self.metrics.recordLocalResponse(Int(status.code))
            let (head, body) = ErrorPage.response(
                status, version: .http1_1, keepAlive: false, requestID: nil, allocator: context.channel.allocator
            )
            context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .head(let head) where head.status.code < 200 && head.status.code != 101:
            break
        case .head:
            self.state = .responding
        case .body:
            break
        case .end:
            self.state = .idle
        }
        context.write(data, promise: promise)
    }
}
