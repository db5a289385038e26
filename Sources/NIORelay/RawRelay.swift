import LoadBalancerCore
import NIOCore
import NIOHTTP1

/// The raw mode's client end: each request head is rewritten for the backend as the balancer does
/// (hop-by-hop fields out, X-Forwarded-* and a request id in) and its body follows as it came.
final class RawClientEnd: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Pending {
        var method: HTTPMethod
        var minorVersion: Int
        var requestID: String
    }

    var backend: RawBackendEnd?  // a cycle with the backend end, broken when either is removed
    private var reader = MessageReader(kind: .request, maxHeadBytes: 32 * 1024)
    private(set) var context: ChannelHandlerContext?
    private let client = ForwardingHeaders.Client(address: "127.0.0.1", isTrustedProxy: false)
    /// Requests sent and not yet answered, oldest first.
    var pending: [Pending] = []
    private var random = UInt64.random(in: 1...UInt64.max)

    /// 32 hex digits, as the balancer's ids (xorshift64 here, not a system call per request).
    private func nextRequestID() -> String {
        var text = ""
        for _ in 0..<2 {
            self.random ^= self.random << 13
            self.random ^= self.random >> 7
            self.random ^= self.random << 17
            let digits = String(self.random, radix: 16)
            text += String(repeating: "0", count: 16 - digits.utf8.count) + digits
        }
        return text
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.backend = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.reader.append(Self.unwrapInboundIn(data))
        do {
            while let part = try self.reader.next() { self.received(part, context: context) }
        } catch {
            context.close(promise: nil)
        }
    }

    private func received(_ part: MessagePart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            var requestID = self.nextRequestID()
            var buffer = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 160)
            ForwardingHeaders.writeUpstreamRequest(head, client: self.client, requestID: &requestID, into: &buffer)
            self.pending.append(Pending(method: head.method, minorVersion: head.minorVersion, requestID: requestID))
            self.backend?.reader.expectResponse(toHEAD: head.method == .HEAD)
            self.backend?.send(buffer)
        case .body(let body):
            self.backend?.send(body)
        case .end:
            break
        }
    }
    func channelReadComplete(context: ChannelHandlerContext) { self.backend?.context?.flush() }
    func channelInactive(context: ChannelHandlerContext) { self.backend?.context?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func send(_ buffer: ByteBuffer) { self.context?.write(Self.wrapOutboundOut(buffer), promise: nil) }
}

/// The raw mode's backend end: each response head is rewritten for the client as the balancer does,
/// and its body follows as it came.
final class RawBackendEnd: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var client: RawClientEnd?
    private(set) var context: ChannelHandlerContext?
    private var closeAfterResponse = false
    var reader = MessageReader(kind: .response, maxHeadBytes: 64 * 1024)

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.client = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.reader.append(Self.unwrapInboundIn(data))
        do {
            while let part = try self.reader.next() { self.received(part, context: context) }
        } catch {
            context.close(promise: nil)
        }
    }

    private func received(_ part: MessagePart, context: ChannelHandlerContext) {
        guard let client = self.client else { return }
        switch part {
        case .head(let head):
            guard !client.pending.isEmpty else {
                context.close(promise: nil)
                return
            }
            let request = client.pending.removeFirst()
            var (body, keepAlive) = ForwardingHeaders.responseBody(head, clientMinorVersion: request.minorVersion, requestMethod: request.method)
            if body == .dechunked { body = .untilClose }  // not met in the bench; the balancer de-chunks
            var buffer = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 64)
            ForwardingHeaders.writeClientResponse(
                head, clientMinorVersion: request.minorVersion, body: body, keepAlive: keepAlive, requestID: request.requestID, into: &buffer
            )
            self.closeAfterResponse = !keepAlive
            client.send(buffer)
        case .body(let body):
            client.send(body)
        case .end:
            if self.closeAfterResponse {
                client.context?.writeAndFlush(NIOAny(ByteBuffer()), promise: nil)
                client.context?.close(promise: nil)
            }
        }
    }
    func channelReadComplete(context: ChannelHandlerContext) { self.client?.context?.flush() }
    func channelInactive(context: ChannelHandlerContext) { self.client?.context?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func send(_ buffer: ByteBuffer) { self.context?.write(Self.wrapOutboundOut(buffer), promise: nil) }
}

func relayRaw(client: any Channel, upstream: any Channel) throws {
    let (clientEnd, backendEnd) = (RawClientEnd(), RawBackendEnd())
    clientEnd.backend = backendEnd
    backendEnd.client = clientEnd
    try client.pipeline.syncOperations.addHandler(clientEnd)
    try upstream.pipeline.syncOperations.addHandler(backendEnd)
}
