import Foundation
import Hummingbird
import Redis

/// Hummingbird's key-value store for sessions, kept in Redis so any replica can serve any request.
/// Values are JSON; expiries are Redis TTLs, so an abandoned session simply disappears.
struct RedisPersistDriver: PersistDriver {
    let redis: RedisClient

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        var arguments: [any RedisArgumentConvertible] = [key, try JSONEncoder().encode(value).bytes, "NX"]
        if let expires { arguments += ["PX", String(expires.milliseconds)] }
        let reply = try await redis.send("SET", arguments: arguments)
        if reply.isNull { throw PersistError.duplicate }
    }

    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        var arguments: [any RedisArgumentConvertible] = [key, try JSONEncoder().encode(value).bytes]
        // Without a new expiry the old one stands (an update must not make a session immortal).
        arguments += expires.map { ["PX", String($0.milliseconds)] } ?? ["KEEPTTL"]
        _ = try await redis.send("SET", arguments: arguments)
    }

    func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: type)?.object
    }

    /// One round trip: the value and its remaining time to live.
    func getWithTTL<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        guard key.utf8.count <= 128 else { return nil }  // not an id we issued
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline([["GET", key], ["PTTL", key]])
        } catch {
            // Hummingbird's session middleware treats any failure as "no session": say it was not.
            SessionStoreOutage.current?.record()
            throw error
        }
        guard let bytes = replies[0].bytes else { return nil }
        guard let object = try? JSONDecoder().decode(type, from: Data(bytes)) else { throw PersistError.invalidConversion }
        let ttl = replies[1].int.flatMap { $0 >= 0 ? Duration.milliseconds($0) : nil }
        return (object, ttl)
    }

    func remove(key: String) async throws {
        _ = try await redis.del(key)
    }
}

extension Data {
    var bytes: [UInt8] { [UInt8](self) }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
