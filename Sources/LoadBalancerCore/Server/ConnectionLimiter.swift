import NIOCore
import Synchronization

/// On the listening channel: counts accepted connections and stops accepting at the cap, by holding
/// back `read()` (new connections then wait in the kernel's backlog instead of being refused) until
/// one closes. It also registers each connection with the tracker used at shutdown.
final class ConnectionLimiter: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private let limit: Int
    private let metrics: ServerMetrics
    private let tracker: ConnectionTracker
    private var open = 0
    private var readPending = false

    init(limit: Int, metrics: ServerMetrics, tracker: ConnectionTracker) {
        self.limit = limit
        self.metrics = metrics
        self.tracker = tracker
    }
}

extension ConnectionLimiter {
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = Self.unwrapInboundIn(data)
        self.open += 1
        self.metrics.acceptedConnections.add(1, ordering: .relaxed)
        self.metrics.openConnections.add(1, ordering: .relaxed)
        self.tracker.add(child)
        let tracker = self.tracker
        let metrics = self.metrics
        child.closeFuture.hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
            tracker.remove(child)
            metrics.openConnections.subtract(1, ordering: .relaxed)
            self.open -= 1
            if self.readPending && self.open < self.limit {
                self.readPending = false
                context.read()
            }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if self.open < self.limit {
            context.read()
        } else {
            self.readPending = true
        }
    }
}
