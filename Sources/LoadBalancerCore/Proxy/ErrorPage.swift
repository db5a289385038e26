import NIOCore
import NIOHTTP1

/// The balancer's own small HTML pages, for the errors it answers itself. They never include an
/// error's text: that goes to the log, not to the client. A site can replace them with its own,
/// in its language (`LB_ERROR_PAGES_DIR`), as nginx's `error_page` does.
public enum ErrorPage {
    /// The statuses the balancer answers itself.
    public static let statuses = [400, 405, 408, 413, 431, 501, 502, 503, 504, 505]

    /// The pages in `directory` named after a status (`502.html`); a status without a file keeps
    /// the built-in page. With a `layout.html` there, each status file is only what goes in the
    /// layout's `{content}` (and `{status}` is replaced by the code), so that the pages share one
    /// head and style. A directory with no page is a mistake, and so is a layout without
    /// `{content}`.
    public static func load(directory: String) throws(ConfigurationError) -> [Int: String] {
        let layout = BackendsFile.readFile("\(directory)/layout.html")
        if let layout, !layout.contains("{content}") {
            throw ConfigurationError("LB_ERROR_PAGES_DIR: \(directory)/layout.html has no {content} to put each page in")
        }
        var pages: [Int: String] = [:]
        for status in Self.statuses {
            guard let text = BackendsFile.readFile("\(directory)/\(status).html") else { continue }
            pages[status] = layout.map { $0.replacing("{content}", with: text).replacing("{status}", with: "\(status)") } ?? text
        }
        guard !pages.isEmpty else {
            throw ConfigurationError("LB_ERROR_PAGES_DIR: no page in \(directory) (expected files such as 502.html, 503.html, 504.html)")
        }
        return pages
    }

    static func body(for status: HTTPResponseStatus) -> String {
        let (title, message): (String, String)
        switch status.code {
        case 400: (title, message) = ("Bad request", "The request could not be understood.")
        case 405: (title, message) = ("Method not allowed", "This server does not open tunnels (CONNECT).")
        case 408: (title, message) = ("Request timeout", "The request took too long to arrive.")
        case 413: (title, message) = ("Request too large", "The request body is larger than this server accepts.")
        case 431: (title, message) = ("Request headers too large", "The request headers are larger than this server accepts.")
        case 501: (title, message) = ("Not implemented", "The request uses a transfer coding this server does not support.")
        case 502: (title, message) = ("Bad gateway", "The service could not answer this request. Please try again in a moment.")
        case 503: (title, message) = ("Service unavailable", "The service is temporarily unavailable. Please try again in a moment.")
        case 504: (title, message) = ("Gateway timeout", "The service took too long to answer. Please try again in a moment.")
        case 505: (title, message) = ("HTTP version not supported", "This server speaks HTTP/1.0 and HTTP/1.1.")
        default: (title, message) = (status.reasonPhrase, "")
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(status.code) \(title)</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">
            <h1>\(title)</h1><p>\(message)</p></body></html>

            """
    }

    /// The whole response for `status`, as bytes, and the length of its body.
    static func response(
        _ status: HTTPResponseStatus,
        minorVersion: Int,
        keepAlive: Bool,
        requestID: String?,
        retryAfter: Int? = nil,
        pages: [Int: String] = [:],
        allocator: ByteBufferAllocator
    ) -> (bytes: ByteBuffer, bodyLength: Int) {
        let body = pages[Int(status.code)] ?? Self.body(for: status)
        var buffer = allocator.buffer(capacity: body.utf8.count + 256)
        buffer.writeString("HTTP/1.\(minorVersion) \(status.code) \(status.reasonPhrase)\r\n")
        buffer.writeString("content-type: text/html; charset=utf-8\r\ncontent-length: \(body.utf8.count)\r\ncache-control: no-store\r\n")
        if let retryAfter { buffer.writeString("retry-after: \(retryAfter)\r\n") }
        if let requestID { buffer.writeString("x-request-id: \(requestID)\r\n") }
        ForwardingHeaders.writeConnection(minorVersion: minorVersion, keepAlive: keepAlive, into: &buffer)
        buffer.writeStaticString("\r\n")
        buffer.writeString(body)
        return (buffer, body.utf8.count)
    }
}
