import Testing

@testable import LoadBalancerCore

/// Where a body ends, whatever way its bytes are split across reads.
@Suite struct BodyFramerTests {
    /// Feeds `text` in pieces of `step` bytes; returns the bytes taken, the payload, and whether the
    /// body ended.
    private func frame(_ text: String, _ framing: RawHead.Framing, step: Int) throws -> (taken: Int, payload: String, done: Bool) {
        var framer = BodyFramer(framing)
        let bytes = Array(text.utf8)
        var taken = 0
        var payload: [UInt8] = []
        var start = 0
        while start < bytes.count && !framer.isDone {
            let piece = Array(bytes[start..<min(start + step, bytes.count)])
            var ranges: [Range<Int>] = []
            let used = try piece.withUnsafeBytes { raw in try framer.consume(raw, data: &ranges) }
            for range in ranges { payload += piece[range] }
            taken += used
            if used < piece.count { break }
            start += step
        }
        return (taken, String(decoding: payload, as: UTF8.self), framer.isDone)
    }

    @Test func aLengthEndsWhereItSaysWhateverTheSplit() throws {
        for step in [1, 2, 5, 100] {
            let result = try self.frame("hello worldGET / HTTP/1.1", .length(11), step: step)
            #expect(result.taken == 11)
            #expect(result.payload == "hello world")
            #expect(result.done)
        }
    }

    @Test func chunkedEndsAfterItsLastChunkAndTrailers() throws {
        let body = "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
        for step in [1, 3, 7, 1000] {
            let result = try self.frame(body + "NEXT", .chunked, step: step)
            #expect(result.taken == body.utf8.count, "step \(step)")
            #expect(result.payload == "hello world")
            #expect(result.done)
        }
        let plain = "A\r\n0123456789\r\n0\r\n\r\n"
        #expect(try self.frame(plain, .chunked, step: 4) == (plain.utf8.count, "0123456789", true))
    }

    @Test func aChunkOfUpTo2GiBIsAccepted() throws {
        #expect(try self.frame("7fffffff\r\nabc", .chunked, step: 100) == (13, "abc", false))
        #expect(try self.frame("0000005\r\nhello\r\n0\r\n\r\n", .chunked, step: 100).payload == "hello")
    }

    @Test func anUnfinishedChunkedBodyIsNotDone() throws {
        let result = try self.frame("5\r\nhel", .chunked, step: 2)
        #expect(!result.done)
        #expect(result.payload == "hel")
    }

    @Test func malformedChunkFramingIsRefused() {
        for text in [
            "x\r\n", "\r\n", "5\nhello\r\n0\r\n\r\n", "5\r\nhelloX\r\n", "5\r\nhello\n0\r\n\r\n",
            "0\r\n\r\r", "0\r\nbad line\u{1}\r\n\r\n", "1000000000000000\r\n", "5;a\u{0}\r\n",
            "0\r\n: x\r\n\r\n", "80000000\r\n",
        ] {
            #expect(throws: BodyFramer.Error.malformedChunk, "\(text.debugDescription)") {
                _ = try self.frame(text, .chunked, step: 1)
            }
        }
    }

    @Test func endlessExtensionsOrTrailersAreCut() {
        let long = "1;" + String(repeating: "e", count: BodyFramer.maxLineBytes) + "\r\n"
        #expect(throws: BodyFramer.Error.malformedChunk) { _ = try self.frame(long, .chunked, step: 64) }
        let trailers = "0\r\n" + String(repeating: "X: y\r\n", count: BodyFramer.maxLineBytes / 6 + 1) + "\r\n"
        #expect(throws: BodyFramer.Error.malformedChunk) { _ = try self.frame(trailers, .chunked, step: 64) }
    }

    @Test func untilCloseTakesEverythingAndNoneTakesNothing() throws {
        var framer = BodyFramer(.none, untilClose: true)
        let taken = try Array("abc".utf8).withUnsafeBytes { try framer.consume($0) }
        #expect(taken == 3)
        #expect(!framer.isDone)
        var empty = BodyFramer(.none)
        #expect(empty.isDone)
        #expect(try Array("abc".utf8).withUnsafeBytes { try empty.consume($0) } == 0)
        #expect(BodyFramer(.length(0)).isDone)
    }
}
