import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import LoadBalancerCore

/// The balancer forwards request bytes as they came, so it must never accept a request whose end a
/// standard parser would put elsewhere (request smuggling). Thousands of mutated requests go through
/// both the balancer's reader and NIOHTTP1's (llhttp, what the app's Hummingbird server uses): every
/// request the balancer accepts must be read the same way, method, target, body and where the next
/// request starts.
@Suite struct RawHeadDifferentialTests {
    private static let seeds = [
        "GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
        "POST /x HTTP/1.0\r\nHost: x\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
    ]
    /// Bytes and words that parsers are known to read differently.
    private static let alphabet: [[UInt8]] = [
        " ", "\t", "\r", "\n", "\r\n", ":", ",", ";", "0", "1", "a", "A", "-", "\u{0}", "\u{7F}", "\u{0B}", "chunked",
        "Content-Length: 2\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: identity\r\n", " chunked", "\r\n\r\n",
        "HTTP/1.1", "ff", "+",
    ].map { Array($0.utf8) }

    private struct Reading: Equatable {
        var method: String
        var target: String
        var body: [UInt8]
        var next: String?
    }

    private static let next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"

    /// The balancer's reading, or nil if it refuses (or has not seen a whole first request).
    private func ours(_ bytes: [UInt8]) -> Reading? {
        var reader = MessageReader(kind: .request, maxHeadBytes: 8192)
        reader.append(ByteBuffer(bytes: bytes))
        var reading: Reading?
        var raw: [UInt8] = []
        var chunked = false
        var ended = false
        do {
            while let part = try reader.next() {
                switch part {
                case .head(let head):
                    if ended {
                        reading?.next = "\(head.method.rawValue) \(head.target)"
                        return reading
                    }
                    reading = Reading(method: head.method.rawValue, target: head.target, body: [])
                    chunked = head.framing == .chunked
                case .body(let body):
                    raw += body.readableBytesView
                case .end:
                    ended = true
                    var payload = raw
                    if chunked {
                        var framer = BodyFramer(.chunked)
                        var ranges: [Range<Int>] = []
                        _ = try raw.withUnsafeBytes { try framer.consume($0, data: &ranges) }
                        payload = ranges.flatMap { raw[$0] }
                    }
                    reading?.body = payload
                }
            }
        } catch {
            return nil
        }
        return ended ? reading : nil
    }

    /// NIOHTTP1's reading, or nil if it refuses the first request. (A refusal after the first
    /// request is kept as no next request: where the first one ends is what matters.)
    private func theirs(_ bytes: [UInt8]) throws -> Reading? {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        // The parts before a parse error are still delivered.
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
        var reading: Reading?
        var ended = false
        while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let head):
                if ended {
                    reading?.next = "\(head.method.rawValue) \(head.uri)"
                    return reading
                }
                reading = Reading(method: head.method.rawValue, target: head.uri, body: [])
            case .body(let body):
                reading?.body += body.readableBytesView
            case .end:
                ended = true
            }
        }
        return ended ? reading : nil
    }

    @Test func everyRequestTheBalancerAcceptsIsReadTheSameWayByNIOHTTP1() throws {
        var random = SplitMix(seed: 20_261_122)
        var accepted = 0
        var compared = 0
        var checked = 0
        for _ in 0..<6000 {
            var bytes = Array(Self.seeds[Int(random.next() % UInt64(Self.seeds.count))].utf8)
            for _ in 0...(random.next() % 3) {
                let position = Int(random.next() % UInt64(bytes.count + 1))
                let word = Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))]
                switch random.next() % 3 {
                case 0: bytes.insert(contentsOf: word, at: position)
                case 1: if position < bytes.count { bytes.remove(at: position) }
                default: bytes.replaceSubrange(position..<min(bytes.count, position + word.count), with: word)
                }
            }
            bytes += Array(Self.next.utf8)
            checked += 1
            guard let ours = self.ours(bytes) else { continue }
            accepted += 1
            // NIOHTTP1 may refuse a request the balancer accepts (the backend then refuses it too),
            // but if it reads one, it must read the same one. If it reads a next request too, that
            // must start where the balancer's does. (It may refuse what follows: an unknown method,
            // say, which the balancer passes on.)
            guard var theirs = try self.theirs(bytes) else { continue }
            compared += 1
            if theirs.next == nil { theirs.next = ours.next }
            #expect(
                theirs == ours,
                "\(String(decoding: bytes, as: UTF8.self).debugDescription): balancer \(ours), NIOHTTP1 \(theirs)"
            )
        }
        // The mutations must leave enough requests read by both for the comparison to mean something.
        #expect(accepted > checked / 10, "only \(accepted) of \(checked) mutated requests were accepted")
        #expect(compared > accepted / 2, "only \(compared) of \(accepted) accepted requests were read by NIOHTTP1")
    }
}

/// A small deterministic generator, so that a failure can be replayed.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
