import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Learns who is asking before anything else runs: the page language, whether the request came
/// over https, and the client's address. Forwarded headers are believed only from the balancers
/// listed in `TRUSTED_PROXIES`; from anyone else they are ignored.
struct ClientMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let languageCookie = "survey_lang"

    let languages: [String]
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer = context.remoteAddress?.ipAddress
        let trusted = peer.map(trustedProxies.contains) ?? false
        if trusted {
            context.isSecure = request.headers[.xForwardedProto]?.lowercased() == "https"
            context.clientAddress = Self.clientAddress(forwardedFor: request.headers[.xForwardedFor], peer: peer, trusted: trustedProxies)
        } else {
            context.clientAddress = peer
        }
        if let chosen = request.cookies[Self.languageCookie]?.value, languages.contains(chosen) {
            context.language = chosen
        } else {
            context.language = LanguageNegotiation.pick(acceptLanguage: request.headers[.acceptLanguage], supported: languages)
        }

        var response = try await next(request, context)
        if context.isSecure {
            // Cookies set over https never travel over plain http.
            let cookies = response.headers[values: .setCookie]
            response.headers[.setCookie] = nil
            for cookie in cookies {
                response.headers.append(.init(name: .setCookie, value: cookie.contains("; Secure") ? cookie : cookie + "; Secure"))
            }
        }
        return response
    }

    /// The rightmost address of `X-Forwarded-For` that is not one of our own balancers: the one
    /// the last trusted hop saw. Addresses further left are whatever the client claimed.
    static func clientAddress(forwardedFor header: String?, peer: String?, trusted: Set<String>) -> String? {
        guard let header else { return peer }
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last { !trusted.contains($0) } ?? hops.first ?? peer
    }
}

extension HTTPField.Name {
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRequestID = Self("X-Request-Id")!
}
