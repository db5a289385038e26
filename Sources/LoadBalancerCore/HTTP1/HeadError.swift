import NIOHTTP1

/// Why a message head was refused, and the status a client gets for it.
enum HeadError: Error, Equatable {
    /// Longer than the configured limit before its blank line.
    case tooLarge
    /// Not HTTP/1.x syntax, or framing that could be read two ways.
    case malformed
    /// `HTTP/2.0` and the like on an HTTP/1 connection.
    case unsupportedVersion
    /// A request `Transfer-Encoding` other than `chunked`.
    case unsupportedTransferEncoding

    var status: HTTPResponseStatus {
        switch self {
        case .tooLarge: .requestHeaderFieldsTooLarge
        case .malformed: .badRequest
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferEncoding: .notImplemented
        }
    }
}
