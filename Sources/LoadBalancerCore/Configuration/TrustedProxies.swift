#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The peers whose `X-Forwarded-*` headers are believed: addresses or CIDR ranges, IPv4 or IPv6.
/// From anyone else those headers are replaced, so a client cannot forge its address.
public struct TrustedProxies: Sendable, Hashable {
    struct Range: Sendable, Hashable {
        var bytes: [UInt8]
        var prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == self.bytes.count else { return false }
            var remaining = self.prefixLength
            var index = 0
            while remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                if address[index] & mask != self.bytes[index] & mask { return false }
                remaining -= 8
                index += 1
            }
            return true
        }
    }

    var ranges: [Range]

    public static let none = TrustedProxies(ranges: [])

    init(ranges: [Range]) {
        self.ranges = ranges
    }

    /// Parses a comma- or space-separated list such as `127.0.0.1, 10.0.0.0/8, ::1`.
    public init(parsing text: String) throws(ConfigurationError) {
        var ranges: [Range] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            let parts = item.split(separator: "/", maxSplits: 1)
            guard let bytes = Self.parseIP(String(parts[0])) else {
                throw ConfigurationError("LB_TRUSTED_PROXIES: `\(item)` is not an IP address or CIDR range")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let value = Int(parts[1]), (0...bytes.count * 8).contains(value) else {
                    throw ConfigurationError("LB_TRUSTED_PROXIES: `\(item)` has a bad prefix length")
                }
                prefix = value
            }
            ranges.append(Range(bytes: bytes, prefixLength: prefix))
        }
        self.ranges = ranges
    }

    public var isEmpty: Bool { self.ranges.isEmpty }

    public func contains(_ address: SocketAddress?) -> Bool {
        guard !self.ranges.isEmpty, let address, let bytes = Self.bytes(of: address) else { return false }
        return self.ranges.contains { $0.contains(bytes) }
    }

    /// The raw address; an IPv4-mapped IPv6 address is given as IPv4.
    static func bytes(of address: SocketAddress) -> [UInt8]? {
        guard let text = address.ipAddress, let bytes = Self.parseIP(text) else { return nil }
        if bytes.count == 16 && bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12..<16])
        }
        return bytes
    }

    static func parseIP(_ text: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        if buffer.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 {
            return Array(buffer[0..<4])
        }
        if buffer.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 {
            return buffer
        }
        return nil
    }
}
