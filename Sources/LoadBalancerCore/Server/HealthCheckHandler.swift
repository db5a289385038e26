import NIOCore
import NIOHTTP1

/// One active health check on its own short connection: sends `GET path` and reports whether the
/// status was 2xx. Any error, or a close before the response head, is a failure.
final class HealthCheckHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case waiting
        case done
    }

    private let head: HTTPRequestHead
    private let promise: EventLoopPromise<Bool>
    private var state = State.waiting

    init(host: String, path: String, promise: EventLoopPromise<Bool>) {
        var headers = HTTPHeaders()
        headers.add(name: "host", value: host)
        headers.add(name: "user-agent", value: "survey-loadbalancer-health-check")
        headers.add(name: "connection", value: "close")
        self.head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        self.promise = promise
    }

    private func finish(_ passed: Bool, context: ChannelHandlerContext) {
        guard case .waiting = self.state else { return }
        self.state = .done
        self.promise.succeed(passed)
        context.close(promise: nil)
    }
}

extension HealthCheckHandler {
    func channelActive(context: ChannelHandlerContext) {
        context.write(Self.wrapOutboundOut(.head(self.head)), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = Self.unwrapInboundIn(data) {
            self.finish((200..<300).contains(head.status.code), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(false, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.finish(false, context: context)
    }
}
