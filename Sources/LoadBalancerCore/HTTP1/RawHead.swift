import NIOCore
import NIOHTTP1

/// An HTTP/1.x message head as it arrived: its bytes (a slice of what was read, not a copy) and
/// where the start line's parts and each header field lie in them. Nothing is turned into strings:
/// the proxy reads the few fields it acts on and copies the others to the next hop as bytes.
///
/// A head is only made by ``RawHead/parse(_:kind:maxBytes:progress:)``, which has checked every byte, so
/// that what the proxy forwards is read the same way by the next hop (no request smuggling through
/// a lax parse: no space before a colon, no folded lines, no bare CR, one framing).
struct RawHead {
    enum Kind {
        case request
        case response
    }

    /// Where one header field lies in `bytes`, and what the proxy makes of its name.
    struct Field {
        var name: HeaderName
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    /// How the body that follows is delimited.
    enum Framing: Equatable {
        /// No `Content-Length` or `Transfer-Encoding`: a request has no body, a response runs until
        /// the connection closes (unless its status or the request's method rules a body out).
        case none
        case length(Int)
        case chunked
    }

    /// The whole head, from its first byte to the blank line that ends it.
    let bytes: ByteBuffer
    let fields: [Field]
    /// 0 or 1: HTTP/1.0 or HTTP/1.1.
    let minorVersion: Int
    let framing: Framing

    /// Requests: the method, and the target at `targetStart..<targetEnd`. Responses: the status
    /// code, and the reason phrase at `targetStart..<targetEnd`.
    let method: HTTPMethod
    let status: Int
    let targetStart: Int32
    let targetEnd: Int32

    /// No `Connection: close` (and, for HTTP/1.0, a `Connection: keep-alive`).
    let isKeepAlive: Bool
    /// `Connection` names other headers (they are hop-by-hop too and must not be forwarded).
    let connectionNamesHeaders: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    let expectsContinue: Bool

    /// The request target, or the response's reason phrase.
    var target: String {
        self.string(self.targetStart, self.targetEnd)
    }

    func value(of field: Field) -> String { self.string(field.valueStart, field.valueEnd) }

    /// Whether the field's name is one of `names` (ranges of this head's bytes), ignoring ASCII case.
    func isNamed(_ field: Field, in names: [Range<Int>]) -> Bool {
        self.bytes.withUnsafeReadableBytes { raw in
            let name = Int(field.nameStart)..<Int(field.nameEnd)
            return names.contains { other in
                other.count == name.count && zip(name, other).allSatisfy { Self.lowercased(raw[$0]) == Self.lowercased(raw[$1]) }
            }
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    func nameContainsUnderscore(_ field: Field) -> Bool {
        self.bytes.withUnsafeReadableBytes { raw in
            raw[Int(field.nameStart)..<Int(field.nameEnd)].contains(UInt8(ascii: "_"))
        }
    }

    private func string(_ start: Int32, _ end: Int32) -> String {
        self.bytes.getString(at: self.bytes.readerIndex + Int(start), length: Int(end - start)) ?? ""
    }

    /// Writes the bytes `start..<end` of the head into `buffer`.
    func copy(_ start: Int32, _ end: Int32, into buffer: inout ByteBuffer) {
        self.bytes.withUnsafeReadableBytes { raw in
            _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[Int(start)..<Int(end)]))
        }
    }

    /// Writes one field as `name: value` CRLF.
    func copy(_ field: Field, into buffer: inout ByteBuffer) {
        self.bytes.withUnsafeReadableBytes { raw in
            _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[Int(field.nameStart)..<Int(field.nameEnd)]))
            _ = buffer.writeStaticString(": ")
            _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)]))
            _ = buffer.writeStaticString("\r\n")
        }
    }
}
