import Foundation
import LibCrypto

/// The cost of one password hash as the app makes it (scrypt N=2^15, r=8, p=1 through libcrypto),
/// beside the `openssl kdf` command doing the same derivation. Both use the same library, so the
/// ratio should sit near 1; the useful figure is the time per hash, which bounds logins per
/// second per hashing thread.
struct PasswordHashBench {
    let iterations: Int

    func run(report: BenchReport) throws {
        let parameters = Scrypt.Parameters.recommended
        let salt = try SecureRandom.bytes(16)
        _ = try Scrypt.derive(password: Array("warm up".utf8), salt: salt, parameters: parameters)
        let start = ContinuousClock.now
        for n in 0..<iterations {
            _ = try Scrypt.derive(password: Array("correct horse battery \(n)".utf8), salt: salt, parameters: parameters)
        }
        let ours = (ContinuousClock.now - start).seconds / Double(iterations)

        // The reference: one `openssl kdf` process per hash, timed by the CPU it used (its start-up
        // is a millisecond or two of that).
        let before = CPUTime.children()
        for n in 0..<iterations {
            _ = try ReferenceTool.run("/usr/bin/openssl", [
                "kdf", "-keylen", "32", "-kdfopt", "pass:correct horse battery \(n)", "-kdfopt", "hexsalt:00112233445566778899aabbccddeeff",
                "-kdfopt", "n:32768", "-kdfopt", "r:8", "-kdfopt", "p:1", "-kdfopt", "maxmem_bytes:67108864", "SCRYPT",
            ])
        }
        let reference = (CPUTime.children() - before) / Double(iterations)
        print(String(format: "  password hash (scrypt N=2^15 r=8 p=1): %.1f ms ours, %.1f ms openssl kdf", ours * 1000, reference * 1000))
        report.add("password hashes/s/thread vs openssl kdf", ours: 1 / ours, reference: 1 / reference, unit: "/s", target: nil)
    }
}
