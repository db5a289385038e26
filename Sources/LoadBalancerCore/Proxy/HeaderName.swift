/// The header names the proxy treats specially, recognised without lowercasing (and so without
/// allocating): by length first, then byte by byte, ignoring ASCII case.
enum HeaderName: Sendable, Equatable {
    case ordinary
    /// Describes one connection only, never forwarded (RFC 9110 §7.6.1, plus the old
    /// `Proxy-Connection` and `Keep-Alive`).
    case hopByHop
    case connection
    case transferEncoding
    case contentLength
    case host
    case expect
    case requestID
    case forwardedFor
    case forwardedProto
    case forwardedHost
    /// `Forwarded` and `X-Real-IP`: believed from trusted proxies only.
    case otherForwarding

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self = Self.classify(bytes)
    }

    private static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> HeaderName {
        switch bytes.count {
        case 2: return Self.matches(bytes, "te") ? .hopByHop : .ordinary
        case 4: return Self.matches(bytes, "host") ? .host : .ordinary
        case 6: return Self.matches(bytes, "expect") ? .expect : .ordinary
        case 7: return Self.matches(bytes, "trailer") || Self.matches(bytes, "upgrade") ? .hopByHop : .ordinary
        case 9: return Self.matches(bytes, "forwarded") || Self.matches(bytes, "x-real-ip") ? .otherForwarding : .ordinary
        case 10:
            if Self.matches(bytes, "connection") { return .connection }
            return Self.matches(bytes, "keep-alive") ? .hopByHop : .ordinary
        case 12: return Self.matches(bytes, "x-request-id") ? .requestID : .ordinary
        case 14: return Self.matches(bytes, "content-length") ? .contentLength : .ordinary
        case 15: return Self.matches(bytes, "x-forwarded-for") ? .forwardedFor : .ordinary
        case 16:
            if Self.matches(bytes, "x-forwarded-host") { return .forwardedHost }
            return Self.matches(bytes, "proxy-connection") ? .hopByHop : .ordinary
        case 17:
            if Self.matches(bytes, "transfer-encoding") { return .transferEncoding }
            return Self.matches(bytes, "x-forwarded-proto") ? .forwardedProto : .ordinary
        case 18: return Self.matches(bytes, "proxy-authenticate") ? .hopByHop : .ordinary
        case 19: return Self.matches(bytes, "proxy-authorization") ? .hopByHop : .ordinary
        default: return .ordinary
        }
    }

    /// `bytes` equals the lowercase `literal`, ignoring ASCII case.
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        for index in 0..<bytes.count {
            var byte = bytes[index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if byte != expected[index] { return false }
        }
        return true
    }
}
