import NIOCore
import NIOHTTP1
import Testing

@testable import LoadBalancerCore

/// The byte-level head parser: what it reads, and every head it must refuse so that what the proxy
/// forwards cannot be read another way by the next hop.
@Suite struct RawHeadTests {
    private func request(_ text: String, maxBytes: Int = 8192) throws -> (RawHead, Int) {
        guard case .complete(let head, let length) = try RawHead.parse(ByteBuffer(string: text), kind: .request, maxBytes: maxBytes) else {
            Issue.record("incomplete: \(text.debugDescription)")
            throw HeadError.malformed
        }
        return (head, length)
    }

    private func response(_ text: String) throws -> RawHead {
        guard case .complete(let head, _) = try RawHead.parse(ByteBuffer(string: text), kind: .response, maxBytes: 8192) else {
            Issue.record("incomplete: \(text.debugDescription)")
            throw HeadError.malformed
        }
        return head
    }

    private func refusal(_ text: String, kind: RawHead.Kind = .request, maxBytes: Int = 8192) -> HeadError? {
        do {
            _ = try RawHead.parse(ByteBuffer(string: text), kind: kind, maxBytes: maxBytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsARequestLineAndItsFields() throws {
        let text = "POST /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nContent-Length:  12 \r\nX-Thing:\r\n\r\nbody after"
        let (head, length) = try self.request(text)
        #expect(length == text.utf8.count - "body after".utf8.count)
        #expect(head.method == .POST)
        #expect(head.target == "/a/b?c=d")
        #expect(head.minorVersion == 1)
        #expect(head.framing == .length(12))
        #expect(head.isKeepAlive)
        #expect(head.fields.map { head.name(of: $0) } == ["Host", "Content-Length", "X-Thing"])
        #expect(head.fields.map { head.value(of: $0) } == ["example.com", "12", ""])
        #expect(head.fields.map(\.name) == [.host, .contentLength, .ordinary])
        #expect(head.values("x-thing") == [""])
        #expect(head.values("host") == ["example.com"])
    }

    @Test func acceptsBareLineFeedsAndEmptyLinesBeforeTheRequest() throws {
        let (head, length) = try self.request("\r\n\nGET / HTTP/1.0\nHost: a\n\nrest")
        #expect(length == "\r\n\nGET / HTTP/1.0\nHost: a\n\n".utf8.count)
        #expect(head.minorVersion == 0)
        #expect(head.target == "/")
        #expect(!head.isKeepAlive)
        #expect(head.framing == .none)
    }

    @Test func connectionTokensDecideKeepAliveAndNameHopByHopHeaders() throws {
        #expect(try !self.request("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n").0.isKeepAlive)
        #expect(try self.request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").0.isKeepAlive)
        let named = try self.request("GET / HTTP/1.1\r\nHost: a\r\nConnection: x-secret ,keep-alive\r\n\r\n").0
        #expect(named.connectionNamesHeaders)
        #expect(named.isKeepAlive)
        #expect(try !self.request("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n").0.connectionNamesHeaders)
    }

    @Test func knowsTheMethodsAndKeepsOthersAsTheyAre() throws {
        #expect(try self.request("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n").0.method == .HEAD)
        #expect(try self.request("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n").0.method == .DELETE)
        #expect(try self.request("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").0.method == .OPTIONS)
        #expect(try self.request("PATCH / HTTP/1.1\r\nHost: a\r\n\r\n").0.method == .PATCH)
        #expect(try self.request("BREW / HTTP/1.1\r\nHost: a\r\n\r\n").0.method == .RAW(value: "BREW"))
    }

    @Test func expectContinueIsSeenOnHTTP11Only() throws {
        #expect(try self.request("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n").0.expectsContinue)
        #expect(try !self.request("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").0.expectsContinue)
    }

    @Test func chunkedIsTheOnlyRequestTransferCoding() throws {
        #expect(try self.request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n").0.framing == .chunked)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == .unsupportedTransferEncoding)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n") == .unsupportedTransferEncoding)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == .unsupportedTransferEncoding)
    }

    @Test func framingThatCouldBeReadTwoWaysIsRefused() {
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") == .malformed)
        #expect(self.refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == .malformed)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") == .malformed)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n") == .malformed)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n") == .malformed)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n") == .malformed)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n") == .malformed)
        #expect(self.refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999999999999\r\n\r\n") == .malformed)
    }

    @Test func twoHostsAreRefused() {
        #expect(self.refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .malformed)
    }

    @Test func anHTTP11RequestNeedsAHost() {
        #expect(self.refusal("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n") == .malformed)
        #expect(self.refusal("GET / HTTP/1.1\r\nhost:\r\n\r\n") == nil)  // empty, as RFC 9112 allows
        #expect(self.refusal("GET / HTTP/1.0\r\n\r\n") == nil)
        // A response has no Host.
        #expect(throws: Never.self) { try RawHead.parse(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), kind: .response, maxBytes: 100) }
    }

    @Test func aRepeatedEqualContentLengthIsOneLength() throws {
        #expect(try self.request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n").0.framing == .length(3))
    }

    @Test func malformedLinesAreRefused() {
        for text in [
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",  // space before the colon
            "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",  // obs-fold
            "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",  // bare CR
            "GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n",  // NUL
            "GET / HTTP/1.1\r\nHost: a\r\n: novalue\r\n\r\n",  // empty name
            "GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",  // two spaces
            "GET / HTTP/1.1 \r\n\r\n",
            "GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / http/1.1\r\n\r\n",
            "GET / HTTP/11\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET\r\n\r\n",
        ] {
            #expect(self.refusal(text) == .malformed, "\(text.debugDescription)")
        }
        #expect(self.refusal("GET / HTTP/2.0\r\n\r\n") == .unsupportedVersion)
        #expect(self.refusal("GET / HTTP/1.2\r\n\r\n") == .unsupportedVersion)
    }

    @Test func aHeadOverTheLimitIsTooLargeEvenBeforeItEnds() {
        let long = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + String(repeating: "a", count: 200)
        #expect(self.refusal(long, maxBytes: 100) == .tooLarge)
        #expect(self.refusal(long + "\r\n\r\n", maxBytes: 100) == .tooLarge)
        #expect(self.refusal(long + "\r\n\r\n", maxBytes: 300) == nil)
        // Empty lines before a request count: endless ones cannot pile up.
        #expect(self.refusal(String(repeating: "\r\n", count: 100), maxBytes: 100) == .tooLarge)
    }

    @Test func anIncompleteHeadResumesAtTheLineBeingReceived() throws {
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\nX-Par")
        guard case .incomplete(let progress) = try RawHead.parse(buffer, kind: .request, maxBytes: 8192) else {
            Issue.record("complete too early")
            return
        }
        #expect(progress.lineStart == "GET / HTTP/1.1\r\nHost: x\r\n".utf8.count)
        #expect(progress.scanned == buffer.readableBytes)
        buffer.writeString("t: 1\r\n\r\n")
        guard case .complete(let head, _) = try RawHead.parse(buffer, kind: .request, maxBytes: 8192, progress: progress) else {
            Issue.record("still incomplete")
            return
        }
        #expect(head.values("x-part") == ["1"])
    }

    @Test func readsStatusLinesAndResponseFraming() throws {
        let ok = try self.response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        #expect(ok.status == 200)
        #expect(ok.target == "OK")
        #expect(ok.framing == .length(5))
        let bare = try self.response("HTTP/1.0 204\r\n\r\n")
        #expect(bare.status == 204)
        #expect(bare.target == "")
        #expect(bare.minorVersion == 0)
        let chunked = try self.response("HTTP/1.1 200 Fine Thanks\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        #expect(chunked.framing == .chunked)
        let coded = try self.response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")
        #expect(coded.framing == .none)
        #expect(!coded.isKeepAlive)
        #expect(self.refusal("HTTP/1.1 20 OK\r\n\r\n", kind: .response) == .malformed)
        #expect(self.refusal("HTTP/1.1 200OK\r\n\r\n", kind: .response) == .malformed)
        #expect(self.refusal("HTTP/1.1 099 Odd\r\n\r\n", kind: .response) == .malformed)
        #expect(self.refusal("\r\nHTTP/1.1 200 OK\r\n\r\n", kind: .response) == .malformed)
    }
}
