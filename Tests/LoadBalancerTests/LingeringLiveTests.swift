import Foundation
import LoadBalancerCore
import NIOCore
import NIOPosix
import Testing

/// A backend may answer before it has read the request body (a redirect, a refusal). The client is
/// then still sending: the balancer closes its side but keeps reading and dropping for a moment,
/// so that the client's bytes meet an open socket and the kernel does not answer them with a reset
/// that could destroy the response before the client reads it (nginx's lingering close).
@Suite struct LingeringLiveTests {
    /// Answers the first bytes of a request at once and drops everything after them.
    private final class EarlyAnswer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard String(buffer: Self.unwrapInboundIn(data)).hasPrefix("POST") else { return }
            let reply = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 5\r\n\r\nearly"
            context.writeAndFlush(Self.wrapOutboundOut(context.channel.allocator.buffer(string: reply)), promise: nil)
        }
    }

    @Test func aClientStillSendingAfterAnEarlyResponseIsNotReset() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EarlyAnswer())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress!.port!
        try await withBalancer([], threads: 1, configure: { $0.backends = [BackendSpec(host: "127.0.0.1", port: port)] }) { _, balancerPort in
            let client = try await RawConnection.connect(port: balancerPort, halfClosable: true)
            let piece = String(repeating: "x", count: 16 * 1024)
            try await client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" + piece)
            // The client goes on sending as a client does, without looking for an answer: every
            // write succeeds, also the 16 after the response has arrived.
            var failure: (any Error)?
            var sentAfterResponse = 0
            for _ in 0..<250 where failure == nil && sentAfterResponse < 16 {
                if client.received().hasSuffix("\r\n\r\nearly") { sentAfterResponse += 1 }
                do {
                    try await client.send(piece)
                } catch {
                    failure = error
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(failure == nil, "a write failed: \(String(describing: failure))")
            #expect(sentAfterResponse == 16)
            #expect(client.received().components(separatedBy: "HTTP/1.1 413").count == 2)
            #expect(!client.received().lowercased().contains("keep-alive"))
            // Then the balancer closes for good: a write fails at last.
            #expect(await eventually(30) { (try? await client.send(piece)) == nil })
            await client.close()
        }
        try await server.close()
    }
}
