import Hummingbird
import Logging
import NIOHTTP1

/// Turns every error into a page in the site's layout. A user's mistake (404, 413, 429…) gets its
/// own explanation; MariaDB or Redis out of reach gets a 503 page that asks to try again shortly;
/// anything else unexpected is logged with its type and shown as a plain 500 page, never with
/// the error's text, a stack trace or SQL.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var status = HTTPResponse.Status.internalServerError
            var headers = HTTPFields()
            if let error = error as? any HTTPResponseError {
                status = error.status
                if let httpError = error as? HTTPError { headers = httpError.headers }
            } else if DependencyUnavailable.isOutage(error) {
                status = .serviceUnavailable
            } else if error is HTTPParserError {
                // The request's body broke off (the client went away mid-upload) or was malformed:
                // the client's doing, not a server error to alert on.
                status = .badRequest
                context.logger.info("request body unreadable", metadata: ["error": "\(error)"])
            }
            if status == .serviceUnavailable, headers[.retryAfter] == nil {
                headers[.retryAfter] = DependencyUnavailable.retryAfter
            }
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["error.type": "\(String(reflecting: type(of: error)))", "error": "\(error)"])
            }
            let known: Set<Int> = [400, 403, 404, 405, 413, 429, 500, 503]
            let key = "errors.\(known.contains(status.code) ? status.code : (status.code >= 500 ? 500 : 400))"
            var values: [String: Any] = ["status": status.code, "heading": renderer.catalog.text(key + ".heading", context.language),
                                         "message": renderer.catalog.text(key + ".message", context.language)]
            if let retry = headers[.retryAfter] { values["retry"] = renderer.catalog.text("errors.retry", context.language, ["seconds": retry]) }
            do {
                return try renderer.render("error", titleKey: key + ".heading", status: status, request: request, context: context, values: values, headers: headers)
            } catch {
                return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: "\(status.code) \(status.reasonPhrase)\n")))
            }
        }
    }
}
