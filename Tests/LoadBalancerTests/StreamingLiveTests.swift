import Foundation
import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// Bodies stream through in both directions, whole and unchanged.
@Suite struct StreamingLiveTests {
    static let fiveMB = 5 * 1024 * 1024

    private func parts(of buffer: ByteBuffer, size: Int) -> [ByteBuffer] {
        var buffer = buffer
        var parts: [ByteBuffer] = []
        while buffer.readableBytes > 0 {
            parts.append(buffer.readSlice(length: min(size, buffer.readableBytes))!)
        }
        return parts
    }

    @Test func fiveMegabytesUploadWithContentLengthAndEchoBack() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let body = patternBytes(Self.fiveMB)
                let connection = try await TestConnection.connect(port: port)
                let response = try await connection.request(
                    .POST, "/echo", headers: [("content-length", String(Self.fiveMB))], body: self.parts(of: body, size: 64 * 1024)
                )
                #expect(response.status == 200)
                #expect(response.body == body)
                #expect(upstreams[0].received.last?.body == body)
                #expect(upstreams[0].received.last?.head.headers["content-length"] == [String(Self.fiveMB)])
                // And the connection is still good for another request.
                #expect(try await connection.request(.GET, "/next").status == 200)
                await connection.close()
            }
        }
    }

    @Test func chunkedUploadStaysChunkedAndArrivesWhole() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let body = patternBytes(Self.fiveMB)
                let connection = try await TestConnection.connect(port: port)
                // No Content-Length: the client sends it chunked, in odd-sized pieces.
                let response = try await connection.request(.PUT, "/echo", body: self.parts(of: body, size: 10_007))
                #expect(response.status == 200)
                #expect(response.body == body)
                let received = try #require(upstreams[0].received.last)
                #expect(received.body == body)
                #expect(received.head.headers["transfer-encoding"] == ["chunked"])
                #expect(received.head.headers["content-length"].isEmpty)
                await connection.close()
            }
        }
    }

    @Test func fiveMegabyteDownloadsWithContentLengthAndChunked() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let expected = patternBytes(Self.fiveMB)
                let connection = try await TestConnection.connect(port: port)
                let sized = try await connection.request(.GET, "/bytes/\(Self.fiveMB)")
                #expect(sized.status == 200)
                #expect(sized.headers["content-length"] == [String(Self.fiveMB)])
                #expect(sized.body == expected)
                let chunked = try await connection.request(.GET, "/bytes/\(Self.fiveMB)?chunked")
                #expect(chunked.status == 200)
                #expect(chunked.headers["transfer-encoding"] == ["chunked"])
                #expect(chunked.body == expected)
                // HEAD: the framing headers, no body, and the connection still in step.
                let head = try await connection.request(.HEAD, "/bytes/1000")
                #expect(head.status == 200)
                #expect(head.body.readableBytes == 0)
                #expect(try await connection.request(.GET, "/bytes/10").body == patternBytes(10))
                await connection.close()
            }
        }
    }

    @Test func aSlowReaderHoldsTheUpstreamBackInsteadOfFillingMemory() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let raw = try await RawConnection.connect(port: port)
                let size = 100 * 1024 * 1024
                // Read nothing for a while: the response must wait in the upstream, not the proxy.
                try await raw.channel.setOption(ChannelOptions.autoRead, value: false).get()
                try await raw.send("GET /bytes/\(size) HTTP/1.1\r\nHost: x\r\n\r\n")
                // Until the upstream has started sending and its socket stopped taking more (the
                // kernel's buffers on both hops are full), then a little longer.
                let upstream = upstreams[0]
                let started = await eventually(30) { upstream.bodyBytesSent > 0 }
                #expect(started)
                var sent = -1
                while sent != upstreams[0].bodyBytesSent {
                    sent = upstreams[0].bodyBytesSent
                    try await Task.sleep(for: .milliseconds(300))
                }
                // A proxy that read on regardless would have taken it all by now.
                #expect(sent < size / 2, "the upstream got rid of \(sent) of \(size) bytes while the client read nothing")
                try await raw.channel.setOption(ChannelOptions.autoRead, value: true).get()
                raw.channel.read()
                let done = await eventually(60) { raw.receivedCount() > size }
                #expect(done)
                await raw.close()
            }
        }
    }

    @Test func anHTTP10ClientGetsAChunkedResponseWithoutChunksThenTheClose() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET /bytes/20000?chunked HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
                try await connection.waitForClose()
                var received = connection.receivedBytes()
                let bytes = Array(received.readableBytesView)
                guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0..<($0 + 4)] == [13, 10, 13, 10] }) else {
                    Issue.record("no head in \(connection.received().prefix(200).debugDescription)")
                    return
                }
                let head = received.readString(length: end + 4)!.lowercased()
                #expect(head.hasPrefix("http/1.0 200 "))
                #expect(!head.contains("transfer-encoding"))
                #expect(!head.contains("content-length"))
                #expect(!head.contains("connection: keep-alive"))
                #expect(received == patternBytes(20000))
            }
        }
    }

    @Test func pipelinedRequestsWithEveryKindOfResponseBodyStayInStep() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let connection = try await RawConnection.connect(port: port)
                try await connection.send(
                    "GET /bytes/3000?chunked HTTP/1.1\r\nHost: x\r\n\r\nHEAD /bytes/70 HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nping\r\n0\r\n\r\n"
                        + "GET /bytes/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                try await connection.waitForClose()
                let received = connection.received()
                let statuses = received.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
                #expect(statuses == ["200", "200", "200", "200"])
                // Each body where it belongs: the chunked pattern, nothing after HEAD, the echo, 5 bytes.
                #expect(received.contains("\r\n0\r\n\r\nHTTP/1.1 200"))
                #expect(received.contains("4\r\nping\r\n"))
                #expect(received.hasSuffix("\r\n\r\n" + String(buffer: patternBytes(5))))
                #expect(upstreams[0].proxiedCount == 4)
            }
        }
    }
}

