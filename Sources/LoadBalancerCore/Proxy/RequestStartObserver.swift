import NIOCore

/// Sits before the HTTP decoder and tells the proxy handler that bytes arrived, so that the header
/// timeout runs from a request's first byte: a client that trickles its headers (slowloris) is cut
/// off after `headerTimeout`, however steadily it sends.
final class RequestStartObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let proxy: ProxyServerHandler

    init(proxy: ProxyServerHandler) {
        self.proxy = proxy
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.proxy.clientBytesArrived()
        context.fireChannelRead(data)
    }
}
