// The floor for any SwiftNIO proxy, for `make bench` only: each client connection gets its own
// connection to a backend (round-robin) and bytes are relayed both ways, with no HTTP parsing, no
// header rewriting and no pooling. Whatever the balancer does on top costs CPU above this line.
// With `--http`, NIOHTTP1's codecs sit on both sides (requests decoded and encoded again,
// responses too) and the parts are passed through unchanged: the cost of those codecs alone.
//
//   NIORelay [--http] LISTEN_PORT BACKEND_PORT...   (all on 127.0.0.1, one event loop)
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One side of a relayed pair: what it reads is written to its partner; it reads no more while the
/// partner cannot take more (backpressure).
final class RelayHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: RelayHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false

    static func pair() -> (RelayHandler, RelayHandler) {
        let (a, b) = (RelayHandler(), RelayHandler())
        a.partner = b
        b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { self.partner?.context?.write(data, promise: nil) }
    func channelReadComplete(context: ChannelHandlerContext) { self.partner?.context?.flush() }
    func channelInactive(context: ChannelHandlerContext) { self.partner?.context?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        guard context.channel.isWritable, let partner = self.partner, partner.readPending else { return }
        partner.readPending = false
        partner.context?.read()
    }

    func read(context: ChannelHandlerContext) {
        if let partnerChannel = self.partner?.context?.channel, !partnerChannel.isWritable {
            self.readPending = true
        } else {
            context.read()
        }
    }
}

/// The HTTP mode's client end: requests decoded by NIOHTTP1 go to the backend end as they are.
/// Two concrete classes rather than one generic one, and no read gating (the bench's bodies are a
/// few KiB): anything the harness adds per request would be counted as the codecs' cost.
final class HTTPClientEnd: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    var backend: HTTPBackendEnd?  // a cycle with the backend end, broken when either is removed
    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.backend = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head): self.backend?.send(.head(head))
        case .body(let body): self.backend?.send(.body(.byteBuffer(body)))
        case .end(let trailers): self.backend?.send(.end(trailers))
        }
    }
    func channelReadComplete(context: ChannelHandlerContext) { self.backend?.context?.flush() }
    func channelInactive(context: ChannelHandlerContext) { self.backend?.context?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func send(_ part: HTTPServerResponsePart) { self.context?.write(Self.wrapOutboundOut(part), promise: nil) }
}

/// The HTTP mode's backend end: responses decoded by NIOHTTP1 go to the client end as they are.
final class HTTPBackendEnd: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    var client: HTTPClientEnd?
    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.client = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head): self.client?.send(.head(head))
        case .body(let body): self.client?.send(.body(.byteBuffer(body)))
        case .end(let trailers): self.client?.send(.end(trailers))
        }
    }
    func channelReadComplete(context: ChannelHandlerContext) { self.client?.context?.flush() }
    func channelInactive(context: ChannelHandlerContext) { self.client?.context?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func send(_ part: HTTPClientRequestPart) { self.context?.write(Self.wrapOutboundOut(part), promise: nil) }
}

func relayHTTP(client: any Channel, upstream: any Channel) throws {
    let (clientEnd, backendEnd) = (HTTPClientEnd(), HTTPBackendEnd())
    clientEnd.backend = backendEnd
    backendEnd.client = clientEnd
    try client.pipeline.syncOperations.configureHTTPServerPipeline(
        withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false
    )
    try client.pipeline.syncOperations.addHandler(clientEnd)
    try upstream.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
    try upstream.pipeline.syncOperations.addHandler(backendEnd)
}

var arguments = Array(CommandLine.arguments.dropFirst())
let http = arguments.first == "--http"
if http { arguments.removeFirst() }
guard arguments.count >= 2, let listenPort = Int(arguments[0]) else {
    print("usage: NIORelay [--http] LISTEN_PORT BACKEND_PORT...")
    exit(2)
}
let backends = try arguments.dropFirst().map { try SocketAddress(ipAddress: "127.0.0.1", port: Int($0) ?? 0) }
let nextBackend = Atomic(0)
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let server = try await ServerBootstrap(group: group)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .serverChannelOption(.backlog, value: 1024)
    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { client in
        let backend = backends[nextBackend.wrappingAdd(1, ordering: .relaxed).oldValue % backends.count]
        return ClientBootstrap(group: client.eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(to: backend)
            .flatMapThrowing { upstream in
                if http {
                    try relayHTTP(client: client, upstream: upstream)
                } else {
                    let (clientSide, upstreamSide) = RelayHandler.pair()
                    try client.pipeline.syncOperations.addHandler(clientSide)
                    try upstream.pipeline.syncOperations.addHandler(upstreamSide)
                }
            }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .get()
try await server.closeFuture.get()
