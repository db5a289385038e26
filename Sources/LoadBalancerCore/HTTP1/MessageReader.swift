import NIOCore

/// Cuts the bytes of a connection into messages: heads parsed by ``RawHead``, bodies delimited by
/// ``BodyFramer`` and handed out as slices of what was read (no copy, no re-encoding).
///
/// It is a value the connection's handler owns and calls inline (`append` what was read, then
/// `next()` until nil), rather than a channel handler of its own: a part passed down a pipeline is
/// boxed and cast back, three times per message, which costs more than reading the message.
///
/// A response reader must be told, before each request goes out, whether it is a HEAD (whose
/// response has no body whatever its head says). Interim 1xx responses are skipped: the proxy
/// answers `Expect: 100-continue` itself and forwards no upgrade.
///
/// Once `next()` has thrown (a ``HeadError`` or a ``BodyFramer/Error``) it returns nothing more:
/// the connection cannot be trusted.
struct MessageReader {
    private enum State {
        case head(RawHead.Progress)
        case body(BodyFramer)
        /// The head went out and its message has no body (left): `.end` comes next.
        case endDue
        case failed
    }

    private let kind: RawHead.Kind
    private let maxHeadBytes: Int
    private var state = State.head(RawHead.Progress())
    /// Bytes read and not handed out yet.
    private var unread: ByteBuffer?
    /// Responses: whether each awaited response answers a HEAD, oldest first.
    private var awaitingHEAD: [Bool] = []

    init(kind: RawHead.Kind, maxHeadBytes: Int) {
        self.kind = kind
        self.maxHeadBytes = maxHeadBytes
    }

    /// Bytes are held that no part has been made of yet.
    var hasUnread: Bool { (self.unread?.readableBytes ?? 0) > 0 }

    /// Responses: a request went out; its response comes after those already awaited.
    mutating func expectResponse(toHEAD isHEAD: Bool) {
        self.awaitingHEAD.append(isHEAD)
    }

    mutating func append(_ bytes: ByteBuffer) {
        if case .failed = self.state { return }
        if var unread = self.unread {
            self.unread = nil
            var bytes = bytes
            unread.writeBuffer(&bytes)
            self.unread = unread
        } else {
            self.unread = bytes
        }
    }

    /// Drops what is held and whatever comes later (the connection is being given up).
    mutating func discard() {
        self.unread = nil
        self.state = .failed
    }

    /// The next part from the bytes held, or nil until more arrive.
    mutating func next() throws -> MessagePart? {
        do {
            return try self.nextPart()
        } catch {
            self.discard()
            throw error
        }
    }

    /// The connection closed: the end of a response that runs until then, if one was being read.
    mutating func connectionClosed() -> MessagePart? {
        guard case .body(let framer) = self.state, framer.isUntilClose else { return nil }
        self.state = .head(RawHead.Progress())
        return .end
    }

    private mutating func nextPart() throws -> MessagePart? {
        while true {
            switch self.state {
            case .failed:
                return nil
            case .endDue:
                self.state = .head(RawHead.Progress())
                return .end
            case .head(let progress):
                guard var bytes = self.unread, bytes.readableBytes > 0 else { return nil }
                switch try RawHead.parse(bytes, kind: self.kind, maxBytes: self.maxHeadBytes, progress: progress) {
                case .incomplete(let progress):
                    self.state = .head(progress)
                    return nil
                case .complete(let head, let length):
                    bytes.moveReaderIndex(forwardBy: length)
                    self.unread = bytes.readableBytes > 0 ? bytes : nil
                    guard let framer = try self.framer(for: head) else {
                        self.state = .head(RawHead.Progress())
                        continue  // an interim response
                    }
                    self.state = framer.isDone ? .endDue : .body(framer)
                    return .head(head)
                }
            case .body(var framer):
                guard var bytes = self.unread, bytes.readableBytes > 0 else { return nil }
                let used = try bytes.withUnsafeReadableBytes { try framer.consume($0) }
                let slice = bytes.readSlice(length: used)!
                self.unread = bytes.readableBytes > 0 ? bytes : nil
                self.state = framer.isDone ? .endDue : .body(framer)
                return .body(slice)
            }
        }
    }

    /// How the body after `head` is delimited; nil for an interim response (no body, and the real
    /// response still to come).
    private mutating func framer(for head: RawHead) throws -> BodyFramer? {
        switch self.kind {
        case .request:
            return BodyFramer(head.framing)
        case .response:
            if head.status < 200 {
                // 101 would switch protocols, which the proxy never asks for.
                if head.status == 101 { throw HeadError.malformed }
                return nil
            }
            let isHEAD = self.awaitingHEAD.isEmpty ? false : self.awaitingHEAD.removeFirst()
            if isHEAD || head.status == 204 || head.status == 304 { return BodyFramer(.none) }
            return BodyFramer(head.framing, untilClose: true)
        }
    }
}
