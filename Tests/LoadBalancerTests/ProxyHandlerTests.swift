import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import LoadBalancerCore

/// The client pipeline on an `EmbeddedChannel`: the answers the balancer gives without a backend.
@Suite struct ProxyHandlerTests {
    private func makeChannel(
        backends: [BackendSpec] = [],
        configure: (inout LoadBalancerConfiguration) -> Void = { _ in }
    ) throws -> (EmbeddedChannel, BackendRegistry) {
        var configuration = LoadBalancerConfiguration()
        configure(&configuration)
        let registry = BackendRegistry(algorithm: .roundRobin, health: .init())
        registry.update(try backends.map { ($0, try SocketAddress(ipAddress: $0.host, port: $0.port)) })
        let channel = EmbeddedChannel()
        let loop = LoopContext(
            eventLoop: channel.embeddedEventLoop,
            configuration: configuration,
            registry: registry,
            metrics: ServerMetrics(),
            accessLogSink: nil
        )
        try LoadBalancer.addClientHandlers(to: channel.pipeline.syncOperations, loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.9", port: 40000)).wait()
        return (channel, registry)
    }

    private func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    @Test func noBackendUpGets503WithRetryAfterAndKeepsTheConnection() throws {
        let (channel, registry) = try self.makeChannel(backends: [BackendSpec(host: "127.0.0.1", port: 1)])
        _ = registry.setDrained("127.0.0.1:1", true)
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        let response = try self.written(channel)
        #expect(response.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(response.lowercased().contains("retry-after: 5\r\n"))
        #expect(response.contains("<h1>Service unavailable</h1>"))
        #expect(!response.lowercased().contains("connection: close"))
        #expect(channel.isActive)
        // The same connection takes the next request.
        try channel.writeInbound(ByteBuffer(string: "GET /again HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(try self.written(channel).hasPrefix("HTTP/1.1 503"))
        _ = try? channel.finish()
    }

    @Test func aDeclaredBodyOverTheLimitGets413AndTheConnectionCloses() throws {
        let (channel, _) = try self.makeChannel(backends: [BackendSpec(host: "127.0.0.1", port: 1)]) {
            $0.client.maxBodyBytes = 1000
        }
        try channel.writeInbound(ByteBuffer(string: "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"))
        channel.embeddedEventLoop.run()
        let response = try self.written(channel)
        #expect(response.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(response.lowercased().contains("connection: close"))
        #expect(!channel.isActive)
    }

    @Test func headersOverTheLimitGet431() throws {
        let (channel, _) = try self.makeChannel { $0.client.maxHeaderBytes = 2048 }
        let big = String(repeating: "a", count: 4096)
        _ = try? channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n"))
        let response = try self.written(channel)
        #expect(response.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(response.lowercased().contains("connection: close"))
    }

    @Test func garbageGets400() throws {
        let (channel, _) = try self.makeChannel()
        _ = try? channel.writeInbound(ByteBuffer(string: "NOT HTTP AT ALL\r\n\r\n"))
        #expect(try self.written(channel).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
    }

    @Test func expectContinueIsAnsweredByTheBalancer() throws {
        let (channel, registry) = try self.makeChannel(backends: [BackendSpec(host: "127.0.0.1", port: 1)])
        _ = registry.setDrained("127.0.0.1:1", true)
        try channel.writeInbound(
            ByteBuffer(string: "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        )
        let response = try self.written(channel)
        #expect(response.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503"))
        _ = try? channel.finish()
    }

    @Test func pipelinedRequestsAreAnsweredInOrderThenAParseErrorGets400() throws {
        let (channel, registry) = try self.makeChannel(backends: [BackendSpec(host: "127.0.0.1", port: 1)])
        _ = registry.setDrained("127.0.0.1:1", true)
        _ = try? channel.writeInbound(
            ByteBuffer(string: "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nBROKEN\r\n\r\n")
        )
        let responses = try self.written(channel).components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(responses == ["503", "503", "400"])
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test func framingThatCouldBeReadTwoWaysNeverReachesABackend() throws {
        let cases: [(String, String)] = [
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400"),
            ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n", "400"),
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "400"),
            ("GET / HTTP/1.1\r\nHost: x\r\n folded: value\r\n\r\n", "400"),
            ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501"),
            ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"),
            ("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "400"),
            ("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "405"),
        ]
        for (request, status) in cases {
            let (channel, _) = try self.makeChannel(backends: [BackendSpec(host: "127.0.0.1", port: 1)])
            _ = try? channel.writeInbound(ByteBuffer(string: request))
            let response = try self.written(channel)
            #expect(response.hasPrefix("HTTP/1.1 \(status) "), "\(request.debugDescription) got \(response.prefix(40).debugDescription)")
            #expect(response.lowercased().contains("connection: close\r\n"))
            channel.embeddedEventLoop.run()
            #expect(!channel.isActive)
        }
    }

    @Test func aMalformedChunkEndsTheRequestWith400() throws {
        let (channel, registry) = try self.makeChannel(backends: [BackendSpec(host: "127.0.0.1", port: 1)])
        _ = registry.setDrained("127.0.0.1:1", true)
        _ = try? channel.writeInbound(
            ByteBuffer(string: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX")
        )
        // No backend is up: 503 is answered at once, and the rest of the body is read and dropped,
        // until its framing breaks, which closes the connection.
        #expect(try self.written(channel).hasPrefix("HTTP/1.1 503"))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }
}

