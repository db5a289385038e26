import Foundation
import LibCrypto
import Testing

@testable import SurveyApp

@Suite("Password hashing and policy")
struct PasswordTests {
    @Test func scryptMatchesTheRFC7914TestVector() throws {
        // RFC 7914 §12: P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64.
        let key = try Scrypt.derive(password: Array("password".utf8), salt: Array("NaCl".utf8), parameters: .init(logN: 10, r: 8, p: 16), length: 64)
        #expect(key.prefix(8) == [0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00])
    }

    @Test func hashesCarryTheirParametersAndVerify() async throws {
        let hasher = PasswordHasher(parameters: .init(logN: 14, r: 8, p: 1))
        let hash = try await hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$scrypt$ln=14,r=8,p=1$"))
        #expect(try await hasher.verify("correct horse battery", against: hash) == .match)
        #expect(try await hasher.verify("correct horse batterY", against: hash) == .mismatch)
        #expect(try await hasher.verify("anything", against: "not a hash") == .mismatch)
        // Two hashes of one password differ (random salt).
        #expect(try await hasher.hash("correct horse battery") != hash)
    }

    @Test func raisedParametersAskForARehash() async throws {
        let old = try await PasswordHasher(parameters: .init(logN: 12, r: 8, p: 1)).hash("correct horse battery")
        let today = PasswordHasher(parameters: .init(logN: 14, r: 8, p: 1))
        #expect(try await today.verify("correct horse battery", against: old) == .matchNeedsRehash)
    }

    @Test func policyRefusesShortCommonAndEmailPasswords() {
        #expect(PasswordPolicy.problem(password: "short", email: "a@b.com") == .tooShort)
        #expect(PasswordPolicy.problem(password: "1234567890", email: "a@b.com") == .tooCommon)
        #expect(PasswordPolicy.problem(password: "Senha12345", email: "a@b.com") == .tooCommon)
        #expect(PasswordPolicy.problem(password: "aaaaaaaaaaaa", email: "a@b.com") == .tooCommon)
        #expect(PasswordPolicy.problem(password: "maria.silva", email: "maria.silva@example.com") == .sameAsEmail)
        #expect(PasswordPolicy.problem(password: "correct horse battery", email: "a@b.com") == nil)
    }
}
