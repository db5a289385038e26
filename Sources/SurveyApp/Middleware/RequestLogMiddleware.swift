import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One info line per request: method, route pattern, status and time, with the request id that
/// every other line of the request carries too. Never the query string, the client's address,
/// a form value or an email: route patterns (`/survey/{page}`) hold no personal data.
///
/// Behind one of `trustedProxies`, the balancer's `X-Request-ID` becomes the request's id, so its
/// access log and the app's lines (and the id the client sees) match.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        if let id = request.headers[.xRequestID], Self.isUsable(id),
           let peer = context.remoteAddress?.ipAddress, trustedProxies.contains(peer) {
            context.logger[metadataKey: "hb.request.id"] = .string(id)
        }
        var response = try await next(request, context)
        response.headers[.xRequestID] = context.id
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        // Health checks and metric scrapes come every few seconds from the balancer and the
        // monitoring: at info they would bury the requests of people.
        let routine = ["/healthz", "/readyz", "/metrics"].contains(context.endpointPath) && response.status.code < 400
        context.logger.log(
            level: routine ? .debug : .info,
            "request",
            metadata: [
                "method": "\(request.method)",
                "route": "\(context.endpointPath ?? "unmatched")",
                "status": "\(response.status.code)",
                "ms": "\(String(format: "%.1f", milliseconds))",
            ])
        return response
    }

    /// 8 to 64 letters, digits, dashes or underscores: an id, nothing that could forge a log line.
    static func isUsable(_ id: String) -> Bool {
        (8...64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        }
    }
}
