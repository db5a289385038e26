import Foundation
import Hummingbird
import LibCrypto
import Redis

/// Keeps what a respondent typed on a survey page when their session ended before they saved it,
/// so that after logging in again the page comes back filled in. Held in Redis for an hour under
/// a random token that only their browser has (an HttpOnly cookie), and handed back once.
struct PendingForms: Sendable {
    static let cookieName = "survey_pending"
    static let lifetime = 3600

    let redis: RedisClient

    private struct Stash: Codable {
        let page: String
        let values: [String: [String]]
    }

    /// Stores `values` for `page`; returns the cookie to set.
    func keep(page: String, values: [String: [String]], secure: Bool) async throws -> Cookie {
        let token = try SecureRandom.token()
        let data = try JSONEncoder().encode(Stash(page: page, values: values))
        try await redis.set("pending:" + token, value: [UInt8](data), expireIn: .seconds(Self.lifetime))
        return Cookie(name: Self.cookieName, value: token, maxAge: Self.lifetime, path: "/survey", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// The values kept for `page` in this browser, removed from Redis as they are handed back.
    func take(_ request: Request, page: String) async throws -> [String: [String]]? {
        guard let token = request.cookies[Self.cookieName]?.value, token.utf8.count == 43 else { return nil }
        guard let bytes = try await redis.get("pending:" + token),
              let stash = try? JSONDecoder().decode(Stash.self, from: Data(bytes)), stash.page == page
        else { return nil }
        _ = try await redis.del("pending:" + token)
        return stash.values
    }

    /// Clears the browser's cookie once the values were used.
    static func expiredCookie(secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/survey", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
