import NIOCore
import NIOHTTP1

private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")
private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")

// The parser: two passes over the head's bytes, one to find its end and one to read it. Heads are a
// few hundred bytes that usually arrive in one read, so the second pass runs on bytes in the cache.
extension RawHead {
    enum ParseResult {
        /// The blank line has not arrived yet: parse again with `progress` once more bytes are in
        /// the same buffer, and no byte is scanned twice.
        case incomplete(Progress)
        /// A head, and how many bytes of the buffer it took (empty lines before a request
        /// included).
        case complete(RawHead, length: Int)
    }

    /// How far an incomplete head has been scanned.
    struct Progress {
        /// The first byte after the empty lines a request may be preceded by, once known.
        var start = 0
        var startKnown = false
        /// The start of the line being received, and how far it has been searched for its end.
        var lineStart = 0
        var scanned = 0
    }

    /// Reads a head from the start of `buffer`'s readable bytes.
    static func parse(_ buffer: ByteBuffer, kind: Kind, maxBytes: Int, progress: Progress = Progress()) throws(HeadError) -> ParseResult {
        var progress = progress
        let found: (start: Int, end: Int)? = try buffer.withUnsafeReadableBytes { raw throws(HeadError) in
            try Self.findEnd(raw, kind: kind, maxBytes: maxBytes, progress: &progress)
        }
        guard let found else { return .incomplete(progress) }
        let bytes = buffer.getSlice(at: buffer.readerIndex + found.start, length: found.end - found.start)!
        let head = try bytes.withUnsafeReadableBytes { raw throws(HeadError) in
            try Self.read(raw, bytes: bytes, kind: kind)
        }
        return .complete(head, length: found.end)
    }

    /// Where the head starts (after the empty lines a request may be preceded by) and ends (after
    /// its blank line); nil if the blank line is not there yet (`progress` then says how far the
    /// search got). The limit counts from the first byte, empty lines included, so that endless
    /// ones cannot pile up unread.
    private static func findEnd(_ raw: UnsafeRawBufferPointer, kind: Kind, maxBytes: Int, progress: inout Progress) throws(HeadError) -> (start: Int, end: Int)? {
        if !progress.startKnown {
            if kind == .request {
                // RFC 9112 §2.2: empty lines before a request line are ignored.
                while progress.start < raw.count && (raw[progress.start] == cr || raw[progress.start] == lf) { progress.start += 1 }
            }
            guard progress.start < raw.count else {
                if raw.count > maxBytes { throw .tooLarge }
                return nil
            }
            progress.startKnown = true
            progress.lineStart = progress.start
            progress.scanned = progress.start
        }
        while true {
            guard let newline = Self.index(of: lf, in: raw, from: max(progress.lineStart, progress.scanned)) else {
                if raw.count > maxBytes { throw .tooLarge }
                progress.scanned = raw.count
                return nil
            }
            let length = newline - progress.lineStart
            if length == 0 || (length == 1 && raw[progress.lineStart] == cr) {
                if progress.lineStart == progress.start { throw .malformed }
                return (progress.start, newline + 1)
            }
            progress.lineStart = newline + 1
            progress.scanned = progress.lineStart
            if progress.lineStart > maxBytes { throw .tooLarge }
        }
    }

    private static func index(of byte: UInt8, in raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < raw.count {
            if raw[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// Reads a complete head (`raw` runs from its first byte to its blank line).
    private static func read(_ raw: UnsafeRawBufferPointer, bytes: ByteBuffer, kind: Kind) throws(HeadError) -> RawHead {
        // The start line.
        var lineEnd = Self.index(of: lf, in: raw, from: 0)!
        let firstLine = Self.trimCR(raw, 0, lineEnd)
        var method = HTTPMethod.GET
        var status = 0
        var minor = 1
        var targetStart = 0
        var targetEnd = 0
        switch kind {
        case .request:
            (method, targetStart, targetEnd, minor) = try Self.readRequestLine(raw, firstLine)
        case .response:
            (minor, status, targetStart, targetEnd) = try Self.readStatusLine(raw, firstLine)
        }

        // The fields, and what the proxy needs from them.
        var fields: [Field] = []
        fields.reserveCapacity(12)
        var contentLength: Int?
        var transferEncodings = 0
        var chunked = false
        var close = false
        var keepAlive = false
        var connectionNamesHeaders = false
        var expectsContinue = false
        var hosts = 0
        var lineStart = lineEnd + 1
        while true {
            lineEnd = Self.index(of: lf, in: raw, from: lineStart)!
            let line = Self.trimCR(raw, lineStart, lineEnd)
            if line.isEmpty { break }
            let field = try Self.readField(raw, line)
            fields.append(field)
            let value = Int(field.valueStart)..<Int(field.valueEnd)
            switch field.name {
            case .contentLength:
                let length = try Self.readContentLength(raw, value)
                if let contentLength, contentLength != length { throw .malformed }
                contentLength = length
            case .transferEncoding:
                transferEncodings += 1
                chunked = Self.lastCodingIsChunked(raw, value, only: kind == .request)
                if kind == .request && (!chunked || transferEncodings > 1) { throw .unsupportedTransferEncoding }
            case .connection:
                Self.forEachToken(raw, value) { token in
                    if Self.equals(raw, token, "close") {
                        close = true
                    } else if Self.equals(raw, token, "keep-alive") {
                        keepAlive = true
                    } else {
                        connectionNamesHeaders = true
                    }
                }
            case .host:
                // RFC 9112 §3.2: two Hosts could name two different servers.
                hosts += 1
                if kind == .request && hosts > 1 { throw .malformed }
            case .expect:
                if kind == .request && minor == 1 && Self.equals(raw, value, "100-continue") { expectsContinue = true }
            default:
                break
            }
            lineStart = lineEnd + 1
        }

        // RFC 9112 §3.2: an HTTP/1.1 request without Host gets a 400 (a backend would have to
        // guess which site it is for).
        if kind == .request && minor == 1 && hosts == 0 { throw .malformed }

        // One framing only (RFC 9112 §6.1): both, or chunked in HTTP/1.0, could be read two ways.
        var framing = Framing.none
        if transferEncodings > 0 {
            if contentLength != nil || minor == 0 { throw .malformed }
            // A response coded otherwise than chunked runs until the connection closes.
            if chunked { framing = .chunked } else { close = true }
        } else if let contentLength {
            framing = .length(contentLength)
        }
        return RawHead(
            bytes: bytes,
            fields: fields,
            minorVersion: minor,
            framing: framing,
            method: method,
            status: status,
            targetStart: Int32(targetStart),
            targetEnd: Int32(targetEnd),
            isKeepAlive: minor == 0 ? keepAlive && !close : !close,
            connectionNamesHeaders: connectionNamesHeaders,
            expectsContinue: expectsContinue
        )
    }

    private static func trimCR(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Range<Int> {
        end > start && raw[end - 1] == cr ? start..<(end - 1) : start..<end
    }

    /// `METHOD SP target SP HTTP/1.x`
    private static func readRequestLine(_ raw: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HeadError) -> (HTTPMethod, Int, Int, Int) {
        var index = line.lowerBound
        while index < line.upperBound && Self.isTokenByte(raw[index]) { index += 1 }
        let methodEnd = index
        guard methodEnd > line.lowerBound, index < line.upperBound, raw[index] == space else { throw .malformed }
        index += 1
        let targetStart = index
        while index < line.upperBound && raw[index] > space && raw[index] != 0x7F { index += 1 }
        let targetEnd = index
        guard targetEnd > targetStart, index < line.upperBound, raw[index] == space else { throw .malformed }
        let minor = try Self.readVersion(raw, (index + 1)..<line.upperBound)
        return (Self.method(raw, line.lowerBound..<methodEnd), targetStart, targetEnd, minor)
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]`
    private static func readStatusLine(_ raw: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HeadError) -> (Int, Int, Int, Int) {
        guard line.count >= 12 else { throw .malformed }
        let minor = try Self.readVersion(raw, line.lowerBound..<(line.lowerBound + 8))
        var index = line.lowerBound + 8
        guard raw[index] == space else { throw .malformed }
        var status = 0
        for _ in 0..<3 {
            index += 1
            let digit = raw[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { throw .malformed }
            status = status * 10 + Int(digit)
        }
        index += 1
        guard status >= 100 else { throw .malformed }
        var reasonStart = index
        if index < line.upperBound {
            guard raw[index] == space else { throw .malformed }
            reasonStart += 1
            for position in reasonStart..<line.upperBound where !Self.isValueByte(raw[position]) { throw .malformed }
        }
        return (minor, status, reasonStart, line.upperBound)
    }

    /// `HTTP/1.0` or `HTTP/1.1` → 0 or 1.
    private static func readVersion(_ raw: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HeadError) -> Int {
        guard range.count == 8, Self.equals(raw, range.lowerBound..<(range.lowerBound + 5), "HTTP/", caseSensitive: true),
            raw[range.lowerBound + 6] == UInt8(ascii: ".")
        else { throw .malformed }
        let major = raw[range.lowerBound + 5] &- UInt8(ascii: "0")
        let minor = raw[range.lowerBound + 7] &- UInt8(ascii: "0")
        guard major <= 9, minor <= 9 else { throw .malformed }
        guard major == 1, minor <= 1 else { throw .unsupportedVersion }
        return Int(minor)
    }

    /// `name: OWS value OWS`; nothing between the name and its colon, no folded lines.
    private static func readField(_ raw: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HeadError) -> Field {
        var index = line.lowerBound
        while index < line.upperBound && Self.isTokenByte(raw[index]) { index += 1 }
        let nameEnd = index
        guard nameEnd > line.lowerBound, index < line.upperBound, raw[index] == UInt8(ascii: ":") else { throw .malformed }
        index += 1
        while index < line.upperBound && (raw[index] == space || raw[index] == tab) { index += 1 }
        let valueStart = index
        var valueEnd = index
        while index < line.upperBound {
            let byte = raw[index]
            guard Self.isValueByte(byte) else { throw .malformed }
            index += 1
            if byte != space && byte != tab { valueEnd = index }
        }
        let name = HeaderName(raw, line.lowerBound..<nameEnd)
        return Field(name: name, nameStart: Int32(line.lowerBound), nameEnd: Int32(nameEnd), valueStart: Int32(valueStart), valueEnd: Int32(valueEnd))
    }

    /// Digits only, at most 18 of them: no sign, no list, no spaces inside.
    private static func readContentLength(_ raw: UnsafeRawBufferPointer, _ value: Range<Int>) throws(HeadError) -> Int {
        guard !value.isEmpty, value.count <= 18 else { throw .malformed }
        var length = 0
        for index in value {
            let digit = raw[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { throw .malformed }
            length = length * 10 + Int(digit)
        }
        return length
    }

    /// Whether the last coding of a `Transfer-Encoding` value is `chunked` (with `only`, whether
    /// it is the only one).
    private static func lastCodingIsChunked(_ raw: UnsafeRawBufferPointer, _ value: Range<Int>, only: Bool) -> Bool {
        var count = 0
        var last: Range<Int>?
        Self.forEachToken(raw, value) { token in
            count += 1
            last = token
        }
        guard let last, Self.equals(raw, last, "chunked") else { return false }
        return !only || count == 1
    }

    /// Calls `body` with each comma-separated token of a value, spaces trimmed, empty ones skipped.
    static func forEachToken(_ raw: UnsafeRawBufferPointer, _ value: Range<Int>, _ body: (Range<Int>) -> Void) {
        var start = value.lowerBound
        while start < value.upperBound {
            var end = start
            while end < value.upperBound && raw[end] != UInt8(ascii: ",") { end += 1 }
            var tokenStart = start
            var tokenEnd = end
            while tokenStart < tokenEnd && (raw[tokenStart] == space || raw[tokenStart] == tab) { tokenStart += 1 }
            while tokenEnd > tokenStart && (raw[tokenEnd - 1] == space || raw[tokenEnd - 1] == tab) { tokenEnd -= 1 }
            if tokenEnd > tokenStart { body(tokenStart..<tokenEnd) }
            start = end + 1
        }
    }

    /// `raw[range]` equals the lowercase `literal`, ignoring ASCII case unless told otherwise.
    static func equals(_ raw: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString, caseSensitive: Bool = false) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        for offset in 0..<range.count {
            let byte = raw[range.lowerBound + offset]
            if (caseSensitive ? byte : Self.lowercased(byte)) != expected[offset] { return false }
        }
        return true
    }

    private static func method(_ raw: UnsafeRawBufferPointer, _ range: Range<Int>) -> HTTPMethod {
        switch range.count {
        case 3:
            if Self.equals(raw, range, "GET", caseSensitive: true) { return .GET }
            if Self.equals(raw, range, "PUT", caseSensitive: true) { return .PUT }
        case 4:
            if Self.equals(raw, range, "POST", caseSensitive: true) { return .POST }
            if Self.equals(raw, range, "HEAD", caseSensitive: true) { return .HEAD }
        case 6:
            if Self.equals(raw, range, "DELETE", caseSensitive: true) { return .DELETE }
        default:
            break
        }
        return HTTPMethod(rawValue: String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self))
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// field-vchar, SP or HTAB: no control characters (so no CR, LF or NUL) and no DEL.
    static func isValueByte(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= space && byte != 0x7F)
    }
}
