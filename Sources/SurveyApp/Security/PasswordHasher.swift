import Foundation
import LibCrypto
import NIOPosix
import ServiceLifecycle

/// Hashes and checks passwords with scrypt on a thread pool of its own, so a burst of logins never
/// stalls the event loops or the pools that run database calls.
///
/// Stored form: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64, no padding). The parameters travel
/// with each hash, so raising them later re-hashes each account at its next login.
final class PasswordHasher: Service, Sendable {
    let parameters: Scrypt.Parameters
    private let threads: NIOThreadPool

    init(parameters: Scrypt.Parameters = .recommended, threads: Int = 2) {
        self.parameters = parameters
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    func shutdown() async throws {
        try await threads.shutdownGracefully()
    }

    func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await threads.runIfActive {
            let salt = try SecureRandom.bytes(16)
            let key = try Scrypt.derive(password: Array(password.utf8), salt: salt, parameters: parameters)
            return StoredHash(parameters: parameters, salt: salt, key: key).encoded
        }
    }

    enum Verdict: Equatable {
        case mismatch
        case match
        /// Right password, but hashed with weaker parameters than today's: store a new hash.
        case matchNeedsRehash
    }

    func verify(_ password: String, against stored: String) async throws -> Verdict {
        let current = parameters
        return try await threads.runIfActive {
            guard let stored = StoredHash(encoded: stored) else { return .mismatch }
            let key = try Scrypt.derive(password: Array(password.utf8), salt: stored.salt, parameters: stored.parameters, length: stored.key.count)
            guard constantTimeEquals(key, stored.key) else { return .mismatch }
            return stored.parameters == current ? .match : .matchNeedsRehash
        }
    }

    /// Spends the time of a real check, so "no such account" cannot be told from "wrong password"
    /// by the clock.
    func verifyNothing(_ password: String) async throws {
        _ = try await verify(password, against: Self.decoy)
    }

    private static let decoy = StoredHash(parameters: .recommended, salt: Array(repeating: 7, count: 16), key: Array(repeating: 0, count: 32)).encoded
}

struct StoredHash: Equatable {
    let parameters: Scrypt.Parameters
    let salt: [UInt8]
    let key: [UInt8]

    init(parameters: Scrypt.Parameters, salt: [UInt8], key: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.key = key
    }

    var encoded: String {
        "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Self.base64(salt))$\(Self.base64(key))"
    }

    init?(encoded: String) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return nil }
        var values: [String: Int] = [:]
        for pair in parts[2].split(separator: ",") {
            let kv = pair.split(separator: "=")
            guard kv.count == 2, let n = Int(kv[1]) else { return nil }
            values[String(kv[0])] = n
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"],
              let salt = Self.unbase64(parts[3]), let key = Self.unbase64(parts[4]), !key.isEmpty
        else { return nil }
        self.init(parameters: Scrypt.Parameters(logN: logN, r: r, p: p), salt: salt, key: key)
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func unbase64(_ text: Substring) -> [UInt8]? {
        var padded = String(text)
        while padded.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map { [UInt8]($0) }
    }
}
