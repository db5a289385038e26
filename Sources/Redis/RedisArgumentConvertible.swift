#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value that can be sent as one command argument.
///
/// Arguments travel as length-prefixed byte strings, so any bytes (NUL, CRLF, invalid UTF-8)
/// are allowed.
public protocol RedisArgumentConvertible {
    /// The exact bytes sent to the server for this argument.
    var redisArgumentBytes: [UInt8] { get }
}

extension String: RedisArgumentConvertible {
    public var redisArgumentBytes: [UInt8] { Array(utf8) }
}

extension Substring: RedisArgumentConvertible {
    public var redisArgumentBytes: [UInt8] { Array(utf8) }
}

extension Array: RedisArgumentConvertible where Element == UInt8 {
    public var redisArgumentBytes: [UInt8] { self }
}

extension ArraySlice: RedisArgumentConvertible where Element == UInt8 {
    public var redisArgumentBytes: [UInt8] { Array(self) }
}

extension Int: RedisArgumentConvertible {
    public var redisArgumentBytes: [UInt8] { Array(String(self).utf8) }
}

extension Int64: RedisArgumentConvertible {
    public var redisArgumentBytes: [UInt8] { Array(String(self).utf8) }
}

extension Double: RedisArgumentConvertible {
    /// Swift's shortest round-trip form ("0.1", "1e-05", "inf") is what Redis' strtold parses.
    public var redisArgumentBytes: [UInt8] { Array(description.utf8) }
}

extension Data: RedisArgumentConvertible {
    public var redisArgumentBytes: [UInt8] { Array(self) }
}
