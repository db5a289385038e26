import Foundation
import Hummingbird
import LibCrypto
import Redis

/// Keeps what a respondent typed on a survey page when their session ended before they saved it,
/// or when they left the page another way (signing out, going back, switching language), so that
/// when the page shows again it comes back filled in. Held in Redis for an hour, one entry per
/// page under a random token that only their browser has (an HttpOnly cookie), and handed back
/// once, only to the account that typed it.
struct PendingForms: Sendable {
    static let cookieName = "survey_pending"
    static let lifetime = 3600
    /// Not the `pending:` of the one-entry string keys before this layout: an upgrade leaves
    /// those to expire instead of meeting them with hash commands (WRONGTYPE).
    private static let keyPrefix = "pending-pages:"

    let redis: RedisClient

    /// One page's entry in the browser's hash (`pending-pages:<token>`, fields by page id).
    private struct Stash: Codable {
        let values: [String: [String]]
        /// The account that typed the values.
        let userID: Int64?
        /// Kept because the session had ended (rather than because the respondent left the page).
        let sessionEnded: Bool?
    }

    /// A page's answers fit in a few KiB (the longest answer takes 2000 characters); anything
    /// larger is not what the page sent, and is not kept (nor allowed to fill Redis).
    static let maximumBytes = 16 * 1024

    /// Stores `values` for `page`, typed by `userID`, beside what this browser kept for other
    /// pages (going back two pages keeps both); returns the cookie to set, nil when the values
    /// are too large to be a page's. Page ids come from the survey definition, so a browser holds
    /// at most one entry per page.
    func keep(
        _ request: Request, page: String, values: [String: [String]], userID: Int64, sessionEnded: Bool, secure: Bool
    ) async throws -> Cookie? {
        let data = try JSONEncoder().encode(Stash(values: values, userID: userID, sessionEnded: sessionEnded))
        guard data.count <= Self.maximumBytes else { return nil }
        let token = try Self.token(request) ?? SecureRandom.token()
        let key = Self.keyPrefix + token
        _ = try await redis.pipeline([["HSET", key, page, [UInt8](data)], ["EXPIRE", key, String(Self.lifetime)]])
        return Cookie(name: Self.cookieName, value: token, maxAge: Self.lifetime, path: "/survey", secure: secure, httpOnly: true, sameSite: .lax)
    }

    private static func token(_ request: Request) -> String? {
        guard let token = request.cookies[cookieName]?.value, token.utf8.count == 43 else { return nil }
        return token
    }

    struct Kept {
        let values: [String: [String]]
        /// Kept because the session had ended, rather than because the respondent left the page.
        let sessionHadEnded: Bool
        /// Nothing else is kept for this browser: its cookie can go.
        let wasLast: Bool
    }

    /// The values kept for `page` in this browser, removed from Redis as they are handed back.
    /// Values another account typed (someone else signed in on a shared computer), or whose
    /// owner is unknown, are dropped.
    func take(_ request: Request, page: String, userID: Int64) async throws -> Kept? {
        guard let token = Self.token(request) else { return nil }
        let key = Self.keyPrefix + token
        guard let bytes = try await redis.send("HGET", key, page).bytes,
              let stash = try? JSONDecoder().decode(Stash.self, from: Data(bytes))
        else { return nil }
        // Someone else's (left for its owner, until it expires), or of an unknown owner.
        guard stash.userID == userID else { return nil }
        let replies = try await redis.pipeline([["HDEL", key, page], ["HLEN", key]])
        return Kept(values: stash.values, sessionHadEnded: stash.sessionEnded ?? false, wasLast: (replies[1].int ?? 0) == 0)
    }

    /// Clears the browser's cookie once the values were used.
    static func expiredCookie(secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/survey", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
