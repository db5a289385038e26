/// A reply from the server.
///
/// The linked hiredis (0.14) speaks RESP2 only, so RESP3 types (double, boolean, map) never
/// arrive: Redis sends them in their RESP2 shape (bulk strings, integers, flat arrays).
public enum RESPValue: Sendable, Hashable {
    /// A nil bulk string or nil array, e.g. GET of a missing key or a BLPOP that timed out.
    case null
    /// A status reply such as `OK` or `PONG`.
    case simpleString(String)
    /// An error reply; ``RedisClient/send(_:_:)`` throws these, ``RedisClient/pipeline(_:)`` returns them.
    case error(String)
    case integer(Int64)
    /// Binary-safe payload; bytes are kept as sent because values need not be UTF-8.
    case bulkString([UInt8])
    case array([RESPValue])

    /// The UTF-8 text of a bulk or simple string; `nil` for other kinds or invalid UTF-8.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The integer value; bulk strings holding a decimal number are accepted as well, because
    /// Redis returns numbers stored with SET/GET as bulk strings.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString, .simpleString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The raw bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// Whether this is the nil reply.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The elements of an array reply.
    public var array: [RESPValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}
