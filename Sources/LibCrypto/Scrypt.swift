internal import CCrypto

/// scrypt key derivation (RFC 7914) through libcrypto's `EVP_PBE_scrypt`.
///
/// Deliberately slow and memory-hard: call it from a thread pool of its own, never on an event loop.
public enum Scrypt {
    public struct Parameters: Sendable, Hashable {
        /// log2 of the CPU/memory cost N.
        public var logN: Int
        public var r: Int
        public var p: Int

        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// N = 2^15, r = 8, p = 1: about 32 MiB and 100 ms a hash on a 2026 server core.
        public static let recommended = Parameters(logN: 15, r: 8, p: 1)

        /// The memory the derivation needs: 128 · r · N · p bytes, plus headroom.
        var maxMemory: UInt64 { UInt64(128 * r * p) << UInt64(logN) + (1 << 25) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String { "scrypt failed (parameters out of range or out of memory)" }
    }

    public static func derive(password: [UInt8], salt: [UInt8], parameters: Parameters, length: Int = 32) throws -> [UInt8] {
        guard (1...22).contains(parameters.logN), parameters.r > 0, parameters.p > 0 else { throw Failure() }
        var key = [UInt8](repeating: 0, count: length)
        let status = password.withUnsafeBytes { pw in
            salt.withUnsafeBufferPointer { s in
                EVP_PBE_scrypt(
                    pw.baseAddress?.assumingMemoryBound(to: CChar.self), pw.count, s.baseAddress, s.count,
                    UInt64(1) << UInt64(parameters.logN), UInt64(parameters.r), UInt64(parameters.p),
                    parameters.maxMemory, &key, length)
            }
        }
        guard status == 1 else { throw Failure() }
        return key
    }
}

/// Compares two byte strings in time that depends only on their length, so a comparison of
/// secrets (hashes, CSRF tokens) leaks nothing through timing.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
}
