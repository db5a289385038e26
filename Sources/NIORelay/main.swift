// The floor for any SwiftNIO proxy, for `make bench` only: each client connection gets its own
// connection to a backend (round-robin) and bytes are relayed both ways, with no HTTP parsing, no
// header rewriting and no pooling. Whatever the balancer does on top costs CPU above this line.
//
//   NIORelay LISTEN_PORT BACKEND_PORT...   (all on 127.0.0.1, one event loop)
import NIOCore
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

let arguments = CommandLine.arguments
guard arguments.count >= 3, let listenPort = Int(arguments[1]) else {
    print("usage: NIORelay LISTEN_PORT BACKEND_PORT...")
    exit(2)
}
let backends = try arguments.dropFirst(2).map { try SocketAddress(ipAddress: "127.0.0.1", port: Int($0) ?? 0) }
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
                let (clientSide, upstreamSide) = RelayHandler.pair()
                try client.pipeline.syncOperations.addHandler(clientSide)
                try upstream.pipeline.syncOperations.addHandler(upstreamSide)
            }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .get()
try await server.closeFuture.get()
