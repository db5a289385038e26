/// Typed wrappers for common commands; anything else goes through ``RedisClient/send(_:_:)``.
extension RedisClient {
    /// `GET`: the raw value, or `nil` if the key does not exist.
    public func get(_ key: String) async throws -> [UInt8]? {
        switch try await send("GET", key) {
        case .null: return nil
        case .bulkString(let bytes): return bytes
        default: throw Self.unexpectedReply(to: "GET")
        }
    }

    /// `GET` decoded as UTF-8; invalid sequences become U+FFFD.
    public func getString(_ key: String) async throws -> String? {
        try await get(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `SET`, optionally with an expiry (sent as `PX`, rounded up to whole milliseconds).
    public func set(_ key: String, value: some RedisArgumentConvertible, expireIn: Duration? = nil) async throws {
        if let expireIn {
            _ = try await send("SET", key, value, "PX", Self.milliseconds(expireIn))
        } else {
            _ = try await send("SET", key, value)
        }
    }

    /// `DEL`: the number of keys that existed and were removed.
    @discardableResult
    public func del(_ keys: String...) async throws -> Int64 {
        try Self.integer(try await send("DEL", arguments: keys), for: "DEL")
    }

    /// `INCR`: the value after incrementing.
    @discardableResult
    public func incr(_ key: String) async throws -> Int64 {
        try Self.integer(try await send("INCR", key), for: "INCR")
    }

    /// `PEXPIRE`: `true` if the key exists and now expires after `timeout`.
    @discardableResult
    public func expire(_ key: String, in timeout: Duration) async throws -> Bool {
        try Self.integer(try await send("PEXPIRE", key, Self.milliseconds(timeout)), for: "PEXPIRE") == 1
    }

    /// `TTL` in seconds, as Redis reports it: -2 if the key does not exist, -1 if it has no expiry.
    public func ttl(_ key: String) async throws -> Int64 {
        try Self.integer(try await send("TTL", key), for: "TTL")
    }

    /// `EXISTS` for one key.
    public func exists(_ key: String) async throws -> Bool {
        try Self.integer(try await send("EXISTS", key), for: "EXISTS") > 0
    }

    /// `PING`; throws unless the server answers `PONG`.
    public func ping() async throws {
        guard try await send("PING") == .simpleString("PONG") else {
            throw Self.unexpectedReply(to: "PING")
        }
    }

    private static func integer(_ reply: RESPValue, for command: String) throws -> Int64 {
        guard case .integer(let value) = reply else { throw unexpectedReply(to: command) }
        return value
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return max(millis, 1)
    }

    private static func unexpectedReply(to command: String) -> RedisError {
        RedisError(kind: .protocol, message: "unexpected reply type to \(command)")
    }
}
