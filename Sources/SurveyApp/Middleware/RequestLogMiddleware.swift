import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One info line per request: method, route pattern, status and time, with the request id that
/// every other line of the request carries too. Never the query string, the client's address,
/// a form value or an email: route patterns (`/survey/{page}`) hold no personal data.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.xRequestID] = context.id
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method)",
                "route": "\(context.endpointPath ?? "unmatched")",
                "status": "\(response.status.code)",
                "ms": "\(String(format: "%.1f", milliseconds))",
            ])
        return response
    }
}
