import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on 127.0.0.1, port 0, standing in for an app replica. It records every
/// request it receives (head and body) and answers by its `behaviour`:
///
/// - `GET /bytes/N[?chunked]`: N bytes of a known pattern (Content-Length, or chunked)
/// - `POST|PUT /echo`: the body streamed back as it arrives (chunked)
/// - `/slow/MS`: 200 after MS milliseconds
/// - anything else: 200 with body `name uri`
final class TestUpstream: Sendable {
    struct Received: Sendable {
        var head: HTTPRequestHead
        var body: ByteBuffer
    }

    /// How the server treats a request.
    enum Behaviour: Sendable {
        /// The routes above.
        case normal
        /// Reads the whole request, then closes the connection without answering (a backend that
        /// dies after receiving it).
        case dieAfterRequest
        /// Reads the request and never answers.
        case hang
        /// Answers every request with this status (for health checks).
        case status(Int)
        /// Takes a request's head, then stops reading the connection (a backend stuck on a body).
        case neverReadsBody
    }

    let name: String
    let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())
    private let behaviourBox: NIOLockedValueBox<Behaviour>
    private let channel: any Channel

    private struct State {
        var received: [Received] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
        var acceptedConnections = 0
        var bodyBytesSent = 0
    }

    var behaviour: Behaviour {
        get { self.behaviourBox.withLockedValue { $0 } }
        set { self.behaviourBox.withLockedValue { $0 = newValue } }
    }

    let port: Int
    var address: String { "127.0.0.1:\(self.port)" }

    var received: [Received] { self.state.withLockedValue { $0.received } }
    var requestCount: Int { self.state.withLockedValue { $0.received.count } }
    /// Requests other than health checks.
    var proxiedCount: Int { self.state.withLockedValue { $0.received.filter { $0.head.uri != "/readyz" }.count } }

    static func start(name: String, group: any EventLoopGroup, behaviour: Behaviour = .normal, port: Int = 0) async throws -> TestUpstream {
        let upstream = try await TestUpstream(name: name, group: group, behaviour: behaviour, port: port)
        return upstream
    }

    private init(name: String, group: any EventLoopGroup, behaviour: Behaviour, port: Int) async throws {
        self.name = name
        self.group = group
        self.behaviourBox = NIOLockedValueBox(behaviour)
        let box = ChannelBox()
        self.channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    box.upstream?.register(channel)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TestUpstreamHandler(upstream: box.upstream!))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        self.port = self.channel.localAddress!.port!
        box.upstream = self
    }

    /// Bytes of `/bytes/N` bodies the socket has taken (their writes completed): with
    /// backpressure, what a client that does not read holds back shows here.
    var bodyBytesSent: Int { self.state.withLockedValue { $0.bodyBytesSent } }

    fileprivate func sent(_ bytes: Int) {
        self.state.withLockedValue { $0.bodyBytesSent += bytes }
    }

    /// Connections accepted so far, and open now.
    var acceptedConnections: Int { self.state.withLockedValue { $0.acceptedConnections } }
    var openConnections: Int { self.state.withLockedValue { $0.connections.count } }

    private func register(_ channel: any Channel) {
        self.state.withLockedValue {
            $0.connections[ObjectIdentifier(channel)] = channel
            $0.acceptedConnections += 1
        }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLockedValue { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
        }
    }

    func record(_ received: Received) {
        self.state.withLockedValue { $0.received.append(received) }
    }

    /// Stops listening and cuts every open connection, like a crashed process.
    func kill() async {
        try? await self.channel.close()
        let connections = self.state.withLockedValue { Array($0.connections.values) }
        for connection in connections { try? await connection.close() }
    }
}

/// Lets the child initializer reach the server object, which exists only after `bind`.
private final class ChannelBox: @unchecked Sendable {
    private let lock = NIOLock()
    private var _upstream: TestUpstream?
    var upstream: TestUpstream? {
        get { self.lock.withLock { self._upstream } }
        set { self.lock.withLock { self._upstream = newValue } }
    }
}

/// The known byte pattern of `/bytes/N`: byte i is `i % 251`.
func patternBytes(_ count: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
    let cycle = (0..<251).map { UInt8($0) }
    var buffer = allocator.buffer(capacity: count)
    var remaining = count
    while remaining > 0 {
        let take = min(remaining, cycle.count)
        buffer.writeBytes(cycle[0..<take])
        remaining -= take
    }
    return buffer
}

private final class TestUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let upstream: TestUpstream
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var echoing = false

    init(upstream: TestUpstream) {
        self.upstream = upstream
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body.clear()
            if case .neverReadsBody = self.upstream.behaviour {
                self.upstream.record(TestUpstream.Received(head: head, body: ByteBuffer()))
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
                return
            }
            if case .normal = self.upstream.behaviour, head.uri.hasPrefix("/echo") {
                self.echoing = true
                var headers = HTTPHeaders()
                headers.add(name: "x-upstream", value: self.upstream.name)
                context.writeAndFlush(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            }
        case .body(var part):
            if self.echoing {
                context.writeAndFlush(Self.wrapOutboundOut(.body(.byteBuffer(part))), promise: nil)
            }
            self.body.writeBuffer(&part)
        case .end:
            guard let head = self.head else { return }
            self.upstream.record(TestUpstream.Received(head: head, body: self.body))
            self.respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        if self.echoing {
            self.echoing = false
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        switch self.upstream.behaviour {
        case .dieAfterRequest:
            context.close(promise: nil)
            return
        case .hang, .neverReadsBody:
            return
        case .status(let code):
            self.send(status: HTTPResponseStatus(statusCode: code), body: "status \(code)", context: context)
            return
        case .normal:
            break
        }
        if head.uri.hasPrefix("/bytes/") {
            let spec = head.uri.dropFirst("/bytes/".count)
            let chunked = spec.hasSuffix("?chunked")
            let count = Int(spec.split(separator: "?")[0]) ?? 0
            var headers = HTTPHeaders()
            if !chunked { headers.add(name: "content-length", value: String(count)) }
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            var remaining = patternBytes(count, allocator: context.channel.allocator)
            while remaining.readableBytes > 0 {
                let slice = remaining.readSlice(length: min(65536, remaining.readableBytes))!
                let upstream = self.upstream
                context.write(Self.wrapOutboundOut(.body(.byteBuffer(slice)))).whenSuccess { upstream.sent(slice.readableBytes) }
            }
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        } else if head.uri.hasPrefix("/slow/") {
            let millis = Int64(head.uri.dropFirst("/slow/".count).split(separator: "?")[0]) ?? 100
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(millis)) {
                let (handler, context) = bound.value
                handler.send(status: .ok, body: "\(handler.upstream.name) \(head.uri)", context: context)
            }
        } else if head.uri == "/hop-by-hop" {
            var headers = HTTPHeaders()
            headers.add(name: "connection", value: "x-upstream-hop")
            headers.add(name: "x-upstream-hop", value: "secret")
            headers.add(name: "keep-alive", value: "timeout=5")
            headers.add(name: "x-end-to-end", value: "kept")
            self.send(status: .ok, body: "hop", headers: headers, context: context)
        } else {
            self.send(status: .ok, body: "\(self.upstream.name) \(head.uri)", context: context)
        }
    }

    private func send(status: HTTPResponseStatus, body: String, headers extra: HTTPHeaders = HTTPHeaders(), context: ChannelHandlerContext) {
        var headers = extra
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "x-upstream", value: self.upstream.name)
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}
