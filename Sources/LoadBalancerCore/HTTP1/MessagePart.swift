import NIOCore

/// One piece of an HTTP/1.x message as the proxy receives it: the head, body bytes exactly as they
/// came (a chunked body keeps its framing), then the end.
enum MessagePart {
    case head(RawHead)
    case body(ByteBuffer)
    case end
}
