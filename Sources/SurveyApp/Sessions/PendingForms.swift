import Foundation
import Hummingbird
import LibCrypto
import Redis

/// Keeps what a respondent typed on a survey page when their session ended before they saved it,
/// or when they left the page another way (signing out, going back, switching language), so that
/// when the page shows again it comes back filled in. Held in Redis for an hour under a random
/// token that only their browser has (an HttpOnly cookie), and handed back once: only to the
/// account that typed it when that is known.
struct PendingForms: Sendable {
    static let cookieName = "survey_pending"
    static let lifetime = 3600

    let redis: RedisClient

    private struct Stash: Codable {
        let page: String
        let values: [String: [String]]
        /// The account that typed the values.
        let userID: Int64?
        /// Kept because the session had ended (rather than because the respondent left the page).
        let sessionEnded: Bool?
    }

    /// A page's answers fit in a few KiB (the longest answer takes 2000 characters); anything
    /// larger is not what the page sent, and is not kept (nor allowed to fill Redis).
    static let maximumBytes = 16 * 1024

    /// Stores `values` for `page`, typed by `userID`; returns the cookie to set, nil when the
    /// values are too large to be a page's.
    func keep(page: String, values: [String: [String]], userID: Int64, sessionEnded: Bool, secure: Bool) async throws -> Cookie? {
        let data = try JSONEncoder().encode(Stash(page: page, values: values, userID: userID, sessionEnded: sessionEnded))
        guard data.count <= Self.maximumBytes else { return nil }
        let token = try SecureRandom.token()
        try await redis.set("pending:" + token, value: [UInt8](data), expireIn: .seconds(Self.lifetime))
        return Cookie(name: Self.cookieName, value: token, maxAge: Self.lifetime, path: "/survey", secure: secure, httpOnly: true, sameSite: .lax)
    }

    struct Kept {
        let values: [String: [String]]
        /// Kept because the session had ended, rather than because the respondent left the page.
        let sessionHadEnded: Bool
    }

    /// The values kept for `page` in this browser, removed from Redis as they are handed back.
    /// Values another account typed (someone else signed in on a shared computer), or whose
    /// owner is unknown, are dropped.
    func take(_ request: Request, page: String, userID: Int64) async throws -> Kept? {
        guard let token = request.cookies[Self.cookieName]?.value, token.utf8.count == 43 else { return nil }
        guard let bytes = try await redis.get("pending:" + token),
              let stash = try? JSONDecoder().decode(Stash.self, from: Data(bytes))
        else { return nil }
        // Someone else's (left for its owner, until it expires), or of an unknown owner.
        guard stash.userID == userID else { return nil }
        guard stash.page == page else { return nil }
        _ = try await redis.del("pending:" + token)
        return Kept(values: stash.values, sessionHadEnded: stash.sessionEnded ?? false)
    }

    /// Clears the browser's cookie once the values were used.
    static func expiredCookie(secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/survey", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
