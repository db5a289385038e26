internal import CCrypto

/// Bytes from libcrypto's CSPRNG, for session ids, CSRF tokens and nonces.
public enum SecureRandom {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String { "the system's random number generator failed" }
    }

    public static func bytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw Failure() }
        return bytes
    }

    /// `bits` random bits as URL-safe base64 without padding (256 bits → 43 characters).
    public static func token(bits: Int = 256) throws -> String {
        let raw = try bytes((bits + 7) / 8)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out = [UInt8]()
        var accumulator: UInt32 = 0
        var bitCount = 0
        for byte in raw {
            accumulator = accumulator << 8 | UInt32(byte)
            bitCount += 8
            while bitCount >= 6 {
                bitCount -= 6
                out.append(alphabet[Int((accumulator >> UInt32(bitCount)) & 0x3f)])
            }
        }
        if bitCount > 0 { out.append(alphabet[Int((accumulator << UInt32(6 - bitCount)) & 0x3f)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
