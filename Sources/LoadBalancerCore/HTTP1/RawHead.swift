import NIOCore
import NIOHTTP1

/// An HTTP/1.x message head as it arrived: its bytes (a slice of what was read, not a copy) and
/// where the start line's parts and each header field lie in them. Nothing is turned into strings:
/// the proxy reads the few fields it acts on and copies the others to the next hop as bytes.
///
/// A head is only made by ``RawHead/parse(_:kind:maxBytes:)``, which has checked every byte, so
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

    /// Requests: the method and the target (`firstStart..<firstEnd` and `secondStart..<secondEnd`).
    /// Responses: the status code (in `status`) and the reason phrase (`secondStart..<secondEnd`).
    let method: HTTPMethod
    let status: Int
    let targetStart: Int32
    let targetEnd: Int32

    /// `Connection: close` (or, for HTTP/1.0, no `Connection: keep-alive`).
    let wantsClose: Bool
    /// `Connection` names other headers (they are hop-by-hop too and must not be forwarded).
    let connectionNamesHeaders: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    let expectsContinue: Bool

    var isKeepAlive: Bool { !self.wantsClose }

    /// The request target, or the response's reason phrase.
    var target: String {
        self.string(self.targetStart, self.targetEnd)
    }

    func name(of field: Field) -> String { self.string(field.nameStart, field.nameEnd) }
    func value(of field: Field) -> String { self.string(field.valueStart, field.valueEnd) }

    /// The value of the first field of this kind, if any.
    func firstValue(_ name: HeaderName) -> String? {
        guard let field = self.fields.first(where: { $0.name == name }) else { return nil }
        return self.value(of: field)
    }

    /// The value of the first field with this name (lowercase), if any.
    func firstValue(named lowercaseName: String) -> String? {
        for field in self.fields where self.nameEquals(field, lowercaseName) {
            return self.value(of: field)
        }
        return nil
    }

    func nameEquals(_ field: Field, _ lowercaseName: String) -> Bool {
        let length = Int(field.nameEnd - field.nameStart)
        guard length == lowercaseName.utf8.count else { return false }
        return self.bytes.withUnsafeReadableBytes { raw in
            var index = Int(field.nameStart)
            for expected in lowercaseName.utf8 {
                var byte = raw[index]
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != expected { return false }
                index += 1
            }
            return true
        }
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
