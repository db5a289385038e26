import Foundation
import LibCrypto
import Redis

/// Counts failed logins per account and per client address in Redis, across every replica.
/// After `limit` failures within `window`, further attempts are refused until the window ends,
/// even with the right password.
struct LoginThrottle: Sendable {
    let redis: RedisClient
    var limit = 5
    var window: Duration = .seconds(15 * 60)

    enum Verdict: Equatable {
        case allowed
        /// Refused; the client may try again after this many seconds.
        case blocked(retryAfter: Int)
    }

    /// Keys hold a hash of the email, never the email itself.
    private func keys(email: String, address: String?) -> [String] {
        let account = "throttle:login:account:" + SHA256.hash(Array(email.lowercased().utf8)).hexString
        guard let address else { return [account] }
        return [account, "throttle:login:address:" + address]
    }

    func check(email: String, address: String?) async throws -> Verdict {
        let keys = keys(email: email, address: address)
        let replies = try await redis.pipeline(keys.flatMap { [["GET", $0], ["PTTL", $0]] })
        return verdict(replies)
    }

    /// Records a failure; the verdict says whether this failure used up the allowance.
    func recordFailure(email: String, address: String?) async throws -> Verdict {
        let seconds = String(window.components.seconds)
        let keys = keys(email: email, address: address)
        let replies = try await redis.pipeline(keys.flatMap { key -> [[any RedisArgumentConvertible]] in
            [["INCR", key], ["EXPIRE", key, seconds, "NX"], ["GET", key], ["PTTL", key]]
        })
        // Keep each key's GET and PTTL replies.
        return verdict(stride(from: 0, to: replies.count, by: 4).flatMap { [replies[$0 + 2], replies[$0 + 3]] })
    }

    /// A successful login clears the account's count (not the address's).
    func recordSuccess(email: String) async throws {
        _ = try await redis.del(keys(email: email, address: nil)[0])
    }

    private func verdict(_ pairs: [RESPValue]) -> Verdict {
        var wait = 0
        for index in stride(from: 0, to: pairs.count, by: 2) {
            guard let count = pairs[index].int, count >= limit else { continue }
            let ttl = max(1, Int((pairs[index + 1].int ?? 1000) + 999) / 1000)
            wait = max(wait, ttl)
        }
        return wait > 0 ? .blocked(retryAfter: wait) : .allowed
    }
}
