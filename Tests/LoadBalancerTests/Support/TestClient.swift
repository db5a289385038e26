import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

struct TestResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    var text: String { String(buffer: self.body) }
}

struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(self.what)" }
}

/// Runs `operation`, failing with `TestTimeout` after `seconds`: a broken proxy makes a test fail,
/// never hang. The limits are generous, for a loaded two-core machine.
func withTimeout<T: Sendable>(
    _ seconds: Double = 30,
    _ what: String = "the operation",
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TestTimeout(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Polls `condition` until it holds; false if it still does not after `seconds`.
func eventually(_ seconds: Double = 20, _ condition: @Sendable () async throws -> Bool) async rethrows -> Bool {
    let deadline = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
    while NIODeadline.now() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// One keep-alive HTTP/1.1 client connection; requests may be pipelined.
final class TestConnection: Sendable {
    let channel: any Channel

    static func connect(port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> TestConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(TestClientHandler())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TestConnection(channel: channel)
    }

    private init(channel: any Channel) {
        self.channel = channel
    }

    struct Request: Sendable {
        var method: HTTPMethod = .GET
        var uri: String
        var headers: [(String, String)] = []
        /// Sent as they are: with a Content-Length header they are its body, without one chunked.
        var bodyParts: [ByteBuffer] = []
    }

    func request(
        _ method: HTTPMethod = .GET,
        _ uri: String,
        headers: [(String, String)] = [],
        body: [ByteBuffer] = []
    ) async throws -> TestResponse {
        try await self.pipeline([Request(method: method, uri: uri, headers: headers, bodyParts: body)])[0]
    }

    /// Writes all requests at once, then collects the responses in order.
    func pipeline(_ requests: [Request]) async throws -> [TestResponse] {
        let futures = try await self.channel.eventLoop.submit { [channel] in
            let handler = try channel.pipeline.syncOperations.handler(type: TestClientHandler.self)
            var futures: [EventLoopFuture<TestResponse>] = []
            for request in requests {
                let promise = channel.eventLoop.makePromise(of: TestResponse.self)
                handler.expect(promise)
                futures.append(promise.futureResult)
                var headers = HTTPHeaders(request.headers)
                if !headers.contains(name: "host") { headers.add(name: "host", value: "test.example") }
                channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri, headers: headers)), promise: nil)
                for part in request.bodyParts {
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(part)), promise: nil)
                }
                channel.write(HTTPClientRequestPart.end(nil), promise: nil)
            }
            channel.flush()
            return futures
        }.get()
        var responses: [TestResponse] = []
        for future in futures {
            responses.append(try await withTimeout(60, "a response") { try await future.get() })
        }
        return responses
    }

    func close() async {
        try? await self.channel.close()
    }
}

struct ConnectionClosedEarly: Error {}

private final class TestClientHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var waiting = CircularBuffer<EventLoopPromise<TestResponse>>()
    private var current: TestResponse?

    func expect(_ promise: EventLoopPromise<TestResponse>) {
        self.waiting.append(promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.current = TestResponse(status: Int(head.status.code), headers: head.headers, body: context.channel.allocator.buffer(capacity: 0))
        case .body(var part):
            self.current?.body.writeBuffer(&part)
        case .end:
            if let response = self.current, let promise = self.waiting.popFirst() {
                promise.succeed(response)
            }
            self.current = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let promise = self.waiting.popFirst() { promise.fail(ConnectionClosedEarly()) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        while let promise = self.waiting.popFirst() { promise.fail(error) }
        context.close(promise: nil)
    }
}

/// A raw TCP connection: bytes out as given, everything received kept, the close observable.
final class RawConnection: Sendable {
    let channel: any Channel
    private let bytes: NIOLockedValueBox<ByteBuffer>

    /// With `halfClosable`, the connection stays open for writing after the server's FIN.
    static func connect(port: Int, halfClosable: Bool = false) async throws -> RawConnection {
        let bytes = NIOLockedValueBox(ByteBuffer())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: halfClosable)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawCollector(bytes: bytes))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, bytes: bytes)
    }

    private init(channel: any Channel, bytes: NIOLockedValueBox<ByteBuffer>) {
        self.channel = channel
        self.bytes = bytes
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(self.channel.allocator.buffer(string: text))
    }

    var isOpen: Bool { self.channel.isActive }

    /// What arrived so far, as text.
    func received() -> String {
        self.bytes.withLockedValue { String(buffer: $0) }
    }

    /// What arrived so far, as bytes.
    func receivedBytes() -> ByteBuffer {
        self.bytes.withLockedValue { $0 }
    }

    func receivedCount() -> Int {
        self.bytes.withLockedValue { $0.readableBytes }
    }

    /// Waits until the server closes the connection.
    func waitForClose(seconds: Double = 30) async throws {
        let closeFuture = self.channel.closeFuture
        try await withTimeout(seconds, "the server to close the connection") { try await closeFuture.get() }
    }

    func close() async {
        try? await self.channel.close()
    }
}

private final class RawCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let bytes: NIOLockedValueBox<ByteBuffer>

    init(bytes: NIOLockedValueBox<ByteBuffer>) {
        self.bytes = bytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        self.bytes.withLockedValue { _ = $0.writeBuffer(&buffer) }
    }
}
