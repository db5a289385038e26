import NIOCore
import NIOHTTP1

/// One request on its way through the proxy: what was asked, which backends were tried, what has
/// been sent each way. The retry rules read it: a try may move to another backend only if nothing of
/// the request was written to the current one, or the request is idempotent, its whole body so far
/// is still held in `replay`, and no byte of the response has reached the client.
final class ProxyExchange {
    let start: NIODeadline
    /// The request as the client sent it.
    let request: RawHead
    let requestID: String
    /// The head sent upstream, as bytes (rewritten once, written again on a retry).
    let upstreamHead: ByteBuffer
    let isIdempotent: Bool
    /// The client asked to keep the connection open, and nothing since has ruled it out.
    var clientKeepAlive: Bool

    /// Backends tried so far, the current one last.
    var tried: [Int] = []
    var backend: Backend?
    /// The registry counts the current try in flight until it is told how it ended.
    var holdsBackend = false
    var tryStart: NIODeadline
    /// Counts tries, so that a late connect result for an abandoned try is recognised.
    var tryNumber = 0
    var upstream: UpstreamConnection?
    var isConnecting = false
    /// Some of the request went to the current backend's socket.
    var wroteToUpstream = false

    /// Body parts received but not yet written to the current backend.
    var pending: [ByteBuffer] = []
    /// Body parts already written, kept for a retry while an idempotent request's body is small;
    /// nil once it cannot be replayed.
    var replay: [ByteBuffer]?
    var replayBytes = 0
    var requestBodyBytes = 0
    /// The client sent the request's end.
    var requestEnded = false
    /// The request's end went to the current backend.
    var requestEndSent = false

    /// The response head went to the client: from now on no retry and no error page.
    var responseStarted = false
    var responseStatus = 0
    var responseBytes = 0
    var upstreamKeepAlive = false
    /// How the response body goes to the client; for `.dechunked`, `dechunker` finds the data.
    var responseBody = ForwardingHeaders.ResponseBody.asReceived
    var dechunker = BodyFramer(.chunked)

    init(head: RawHead, upstreamHead: ByteBuffer, requestID: String, now: NIODeadline) {
        self.start = now
        self.tryStart = now
        self.request = head
        self.requestID = requestID
        self.upstreamHead = upstreamHead
        self.clientKeepAlive = head.isKeepAlive
        switch head.method {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE:
            self.isIdempotent = true
            self.replay = []
        default:
            self.isIdempotent = false
            self.replay = nil
        }
    }

    var method: HTTPMethod { self.request.method }
    var uri: String { self.request.target }
    var clientMinorVersion: Int { self.request.minorVersion }

    /// Whether a failed try may be repeated on another backend, per the rules above.
    var mayRetry: Bool {
        if self.responseStarted { return false }
        if !self.wroteToUpstream { return true }
        return self.isIdempotent && self.replay != nil
    }

    /// Keeps a copy of a part written upstream while the body may still be replayed.
    func remember(_ part: ByteBuffer, limit: Int) {
        guard self.replay != nil else { return }
        self.replayBytes += part.readableBytes
        if self.replayBytes > limit {
            self.replay = nil
        } else {
            self.replay!.append(part)
        }
    }

    /// Puts every part written to the failed backend back in front of the pending ones.
    func rewindForRetry() {
        if let replay = self.replay, !replay.isEmpty {
            self.pending = replay + self.pending
            self.replay = []
            self.replayBytes = 0
        }
        self.wroteToUpstream = false
        self.requestEndSent = false
    }
}
