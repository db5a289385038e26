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
    /// `Forwarded`, `X-Real-IP` and every other `X-Forwarded-*` (`-Port`, `-Prefix`, `-Ssl`…):
    /// passed on from trusted proxies only, as a backend may build URLs or decide on HTTPS from them.
    case otherForwarding

    /// The name in `raw[range]`.
    init(_ raw: UnsafeRawBufferPointer, _ range: Range<Int>) {
        func `is`(_ literal: StaticString) -> Bool { RawHead.equals(raw, range, literal) }
        switch range.count {
        case 2: self = `is`("te") ? .hopByHop : .ordinary
        case 4: self = `is`("host") ? .host : .ordinary
        case 6: self = `is`("expect") ? .expect : .ordinary
        case 7: self = `is`("trailer") || `is`("upgrade") ? .hopByHop : .ordinary
        case 9: self = `is`("forwarded") || `is`("x-real-ip") ? .otherForwarding : .ordinary
        case 10: self = `is`("connection") ? .connection : `is`("keep-alive") ? .hopByHop : .ordinary
        case 12: self = `is`("x-request-id") ? .requestID : .ordinary
        case 14: self = `is`("content-length") ? .contentLength : .ordinary
        case 15: self = `is`("x-forwarded-for") ? .forwardedFor : .ordinary
        case 16: self = `is`("x-forwarded-host") ? .forwardedHost : `is`("proxy-connection") ? .hopByHop : .ordinary
        case 17: self = `is`("transfer-encoding") ? .transferEncoding : `is`("x-forwarded-proto") ? .forwardedProto : .ordinary
        case 18: self = `is`("proxy-authenticate") ? .hopByHop : .ordinary
        case 19: self = `is`("proxy-authorization") ? .hopByHop : .ordinary
        default: self = .ordinary
        }
        if self == .ordinary && range.count > 12 && RawHead.equals(raw, range.lowerBound..<(range.lowerBound + 12), "x-forwarded-") {
            self = .otherForwarding
        }
    }
}
