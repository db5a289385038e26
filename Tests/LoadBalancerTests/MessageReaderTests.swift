import NIOCore
import NIOHTTP1
import Testing

@testable import LoadBalancerCore

/// Messages cut out of a connection's bytes, however they are split.
@Suite struct MessageReaderTests {
    /// Feeds `text` in pieces of `step` bytes; returns the parts as short strings.
    private func parts(_ reader: inout MessageReader, _ text: String, step: Int) throws -> [String] {
        let bytes = Array(text.utf8)
        var parts: [String] = []
        var start = 0
        while start < bytes.count {
            reader.append(ByteBuffer(bytes: bytes[start..<min(start + step, bytes.count)]))
            while let part = try reader.next() { parts.append(Self.describe(part)) }
            start += step
        }
        return Self.joiningBodies(parts)
    }

    private static func describe(_ part: MessagePart) -> String {
        switch part {
        case .head(let head): head.status == 0 ? "head \(head.method.rawValue) \(head.target)" : "head \(head.status)"
        case .body(let body): "body " + String(buffer: body)
        case .end: "end"
        }
    }

    /// Consecutive body parts as one, so that the split does not change the result.
    private static func joiningBodies(_ parts: [String]) -> [String] {
        var joined: [String] = []
        for part in parts {
            if part.hasPrefix("body "), let last = joined.last, last.hasPrefix("body ") {
                joined[joined.count - 1] = last + part.dropFirst(5)
            } else {
                joined.append(part)
            }
        }
        return joined
    }

    @Test func pipelinedRequestsComeOutInOrderWhateverTheSplit() throws {
        let text = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
            + "PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /d HTTP/1.1\r\nHost: a\r\n\r\n"
        for step in [1, 2, 7, 64, 4096] {
            var reader = MessageReader(kind: .request, maxHeadBytes: 8192)
            let parts = try self.parts(&reader, text, step: step)
            #expect(
                parts == [
                    "head GET /a", "end", "head POST /b", "body hello", "end", "head PUT /c", "body 3\r\nabc\r\n0\r\n\r\n", "end",
                    "head GET /d", "end",
                ],
                "step \(step)"
            )
            #expect(!reader.hasUnread)
        }
    }

    @Test func responsesToHEADAndBodilessStatusesHaveNoBodyAndInterimOnesAreSkipped() throws {
        var reader = MessageReader(kind: .response, maxHeadBytes: 8192)
        reader.expectResponse(toHEAD: true)
        reader.expectResponse(toHEAD: false)
        reader.expectResponse(toHEAD: false)
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
            + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        #expect(try self.parts(&reader, text, step: 5) == ["head 200", "end", "head 304", "end", "head 200", "body ok", "end"])
    }

    @Test func aResponseWithoutFramingEndsWithTheConnection() throws {
        var reader = MessageReader(kind: .response, maxHeadBytes: 8192)
        reader.expectResponse(toHEAD: false)
        #expect(try self.parts(&reader, "HTTP/1.1 200 OK\r\n\r\nall of it", step: 100) == ["head 200", "body all of it"])
        guard case .end = reader.connectionClosed() else {
            Issue.record("no end at the close")
            return
        }
    }

    @Test func afterAnErrorNothingMoreComesOut() throws {
        var reader = MessageReader(kind: .request, maxHeadBytes: 8192)
        reader.append(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n"))
        #expect(throws: HeadError.malformed) { _ = try reader.next() }
        reader.append(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(try reader.next() == nil)
    }

    @Test func aSwitchToAnotherProtocolIsRefused() throws {
        var reader = MessageReader(kind: .response, maxHeadBytes: 8192)
        reader.append(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
        #expect(throws: HeadError.malformed) { _ = try reader.next() }
    }
}
