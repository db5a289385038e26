import NIOCore
import Synchronization
import NIOHTTP1

/// What an upstream connection tells the request that leases it. Calls arrive on the event loop
/// that the connection and the client connection share.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstream(_ connection: UpstreamConnection, received part: MessagePart)
    func upstreamReadComplete(_ connection: UpstreamConnection)
    func upstreamWritabilityChanged(_ connection: UpstreamConnection)
    /// The connection closed or failed before the response ended; called at most once per lease.
    func upstreamFailed(_ connection: UpstreamConnection, error: (any Error)?)
}

/// The only handler of a keep-alive connection to a backend. It writes request bytes and reads the
/// responses with its own ``MessageReader``. While leased it passes the response to its delegate
/// and lets the delegate gate reads (backpressure from a slow client); while idle in the pool it
/// keeps reading, so that a close by the backend is noticed at once.
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The longest response head accepted from a backend.
    static let maxResponseHeadBytes = 64 * 1024

    private enum State {
        case connecting
        case idle
        case leased
        case closed
    }

    let backend: Backend
    private weak var pool: UpstreamPool?
    private var context: ChannelHandlerContext?
    private var state = State.connecting
    /// Strong while leased; every way out of a lease clears it, which breaks the cycle.
    private var delegate: (any UpstreamConnectionDelegate)?
    private var reader = MessageReader(kind: .response, maxHeadBytes: UpstreamConnection.maxResponseHeadBytes)
    private var readsPaused = false
    private var readPending = false
    private var countedOpen = false
    /// Requests sent on this connection so far.
    private(set) var requestCount = 0
    /// When it was last put back in the pool.
    private(set) var idleSince = NIODeadline.now()

    init(backend: Backend, pool: UpstreamPool) {
        self.backend = backend
        self.pool = pool
    }

    var isUsable: Bool {
        guard let context else { return false }
        if case .closed = self.state { return false }
        return context.channel.isActive
    }

    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    /// Hands the connection to a request.
    func lease(to delegate: any UpstreamConnectionDelegate) {
        self.state = .leased
        self.delegate = delegate
        self.requestCount += 1
        self.readsPaused = false
    }

    /// Takes the connection back from its request (into the pool or to be closed).
    func endLease() {
        self.delegate = nil
        self.readsPaused = false
        if case .closed = self.state {} else { self.state = .idle }
        self.idleSince = .now()
        if self.readPending, let context {
            self.readPending = false
            context.read()
        }
    }

    /// Writes a request head; its response is read as one to a HEAD request or not.
    func send(_ head: ByteBuffer, isHEAD: Bool) {
        self.reader.expectResponse(toHEAD: isHEAD)
        self.write(head)
    }

    /// Writes request bytes (a body as it came).
    func write(_ bytes: ByteBuffer) {
        self.context?.write(Self.wrapOutboundOut(bytes), promise: nil)
    }

    func flush() {
        self.context?.flush()
    }

    /// Stops reading the response until `resumeReading`: the client is not keeping up.
    func pauseReading() {
        self.readsPaused = true
    }

    func resumeReading() {
        self.readsPaused = false
        if self.readPending, let context {
            self.readPending = false
            context.read()
        }
    }

    /// Counts the connection as open; the pool adds the handler after the connect, when
    /// `channelActive` has already passed.
    func markOpen() {
        guard !self.countedOpen else { return }
        self.countedOpen = true
        self.backend.openConnections.add(1, ordering: .relaxed)
    }

    func close() {
        self.delegate = nil
        if case .closed = self.state { return }
        self.context?.close(promise: nil)
    }

    private func fail(_ error: (any Error)?) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(self, error: error)
    }
}

extension UpstreamConnection {
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.markOpen()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let wasIdle: Bool
        if case .idle = self.state { wasIdle = true } else { wasIdle = false }
        if self.countedOpen {
            self.countedOpen = false
            self.backend.openConnections.subtract(1, ordering: .relaxed)
        }
        self.state = .closed
        if wasIdle { self.pool?.remove(self) }
        if let end = self.reader.connectionClosed() {
            // A response without framing ends with its connection.
            self.delegate?.upstream(self, received: end)
        }
        self.fail(nil)
        context.fireChannelInactive()
    }

    /// Bytes arrived after the response that ended the last lease: the backend sent more than it
    /// framed, so the connection must not be reused.
    var hasLeftoverBytes: Bool { self.reader.hasUnread }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.delegate != nil else {
            // Bytes while idle (or before a lease): the backend is out of step with us.
            self.reader.discard()
            context.close(promise: nil)
            return
        }
        self.reader.append(Self.unwrapInboundIn(data))
        while true {
            let part: MessagePart?
            do {
                part = try self.reader.next()
            } catch {
                self.fail(error)
                context.close(promise: nil)
                return
            }
            guard let part else { return }
            guard let delegate = self.delegate else {
                // A response nobody asked for: the connection cannot be trusted any more.
                self.reader.discard()
                context.close(promise: nil)
                return
            }
            delegate.upstream(self, received: part)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.delegate?.upstreamReadComplete(self)
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.delegate?.upstreamWritabilityChanged(self)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(error)
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if self.readsPaused && self.delegate != nil {
            self.readPending = true
        } else {
            context.read()
        }
    }
}
