import Foundation
import LibCrypto
import Redis

/// Counts failed logins in Redis, across every replica, under three scopes with limits of their
/// own, each within `window`; past any of them further attempts are refused until its window
/// ends, even with the right password:
/// - one account from one address (`pairLimit`, 5): guessing one password from one place;
/// - one address (`addressLimit`, 50): one place trying many accounts. Higher, because a survey is
///   often answered from one shared address (a household's or an office's Wi-Fi, a mobile
///   carrier's NAT) and one person's typos must not lock everyone behind it out;
/// - one account from anywhere (`accountLimit`, 30): guessing spread over many addresses. Higher
///   than the pair's, so that locking someone out (the researcher, whose email may be known)
///   takes failures from several addresses, each stopped at 5.
struct LoginThrottle: Sendable {
    let redis: RedisClient
    var pairLimit = 5
    var addressLimit = 50
    var accountLimit = 30
    var window: Duration = .seconds(15 * 60)

    enum Verdict: Equatable {
        case allowed
        /// Refused; the client may try again after this many seconds.
        case blocked(retryAfter: Int)
    }

    /// A counter: its key, its limit, and whether a successful login clears it (the account's
    /// do; the address's does not, or one good login would reset a spray over many accounts).
    private typealias Scope = (key: String, limit: Int, clearedBySuccess: Bool)

    /// The counters that apply. Keys hold a hash of the email, never the email.
    private func scopes(email: String, address: String?) -> [Scope] {
        let account = SHA256.hash(Array(email.lowercased().utf8)).hexString
        var scopes: [Scope] = [("throttle:login:account:" + account, accountLimit, true)]
        if let address = address.map(Self.network) {
            scopes.append(("throttle:login:address:" + address, addressLimit, false))
            scopes.append(("throttle:login:pair:" + SHA256.hash(Array("\(account) \(address)".utf8)).hexString, pairLimit, true))
        }
        return scopes
    }

    /// The address as counted: an IPv6 address by its /64 (one customer's network, in which a
    /// single machine can take as many addresses as it likes), an IPv4 address as it is.
    static func network(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        return Array(bytes.prefix(8)).hexString + "::/64"
    }

    func check(email: String, address: String?) async throws -> Verdict {
        let scopes = scopes(email: email, address: address)
        let replies = try await redis.pipeline(scopes.flatMap { [["GET", $0.key], ["PTTL", $0.key]] })
        return verdict(replies, limits: scopes.map(\.limit))
    }

    /// Records a failure; the verdict says whether this failure used up the allowance.
    func recordFailure(email: String, address: String?) async throws -> Verdict {
        let seconds = String(window.components.seconds)
        let scopes = scopes(email: email, address: address)
        let replies = try await redis.pipeline(scopes.flatMap { scope -> [[any RedisArgumentConvertible]] in
            [["INCR", scope.key], ["EXPIRE", scope.key, seconds, "NX"], ["GET", scope.key], ["PTTL", scope.key]]
        })
        // Keep each key's GET and PTTL replies.
        return verdict(stride(from: 0, to: replies.count, by: 4).flatMap { [replies[$0 + 2], replies[$0 + 3]] }, limits: scopes.map(\.limit))
    }

    /// A successful login clears the account's counts, everywhere and from this address (not
    /// the address's own).
    func recordSuccess(email: String, address: String?) async throws {
        _ = try await redis.send("DEL", arguments: scopes(email: email, address: address).filter(\.clearedBySuccess).map(\.key))
    }

    /// `pairs`: each scope's count and remaining time to live, in the order of `limits`.
    private func verdict(_ pairs: [RESPValue], limits: [Int]) -> Verdict {
        var wait = 0
        for (scope, index) in stride(from: 0, to: pairs.count, by: 2).enumerated() {
            guard let count = pairs[index].int, count >= limits[scope] else { continue }
            let ttl = max(1, Int((pairs[index + 1].int ?? 1000) + 999) / 1000)
            wait = max(wait, ttl)
        }
        return wait > 0 ? .blocked(retryAfter: wait) : .allowed
    }
}
