import Foundation
import Hummingbird
import LibCrypto

/// Cross-site request forgery protection by double submission: a random token lives in an
/// HttpOnly, SameSite=Lax cookie and in a hidden field of every form, and a POST is accepted only
/// when the two agree. Another site can neither read the cookie nor make the browser send it on a
/// cross-site POST, and no replica has to remember anything. The token is renewed at login and
/// logout.
enum CSRF {
    static let cookieName = "survey_csrf"
    static let fieldName = "_csrf"

    /// The token for the forms of this page, and the cookie to set when the visitor had none.
    static func token(for request: Request, secure: Bool) throws -> (token: String, cookie: Cookie?) {
        if let existing = request.cookies[cookieName]?.value, isWellFormed(existing) {
            return (existing, nil)
        }
        return try fresh(secure: secure)
    }

    static func fresh(secure: Bool) throws -> (token: String, cookie: Cookie) {
        let token = try SecureRandom.token(bits: 256)
        return (token, Cookie(name: cookieName, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .lax))
    }

    static func isValid(_ form: FormData, _ request: Request) -> Bool {
        guard let cookie = request.cookies[cookieName]?.value, isWellFormed(cookie),
              let submitted = form.first(fieldName)
        else { return false }
        return constantTimeEquals(Array(cookie.utf8), Array(submitted.utf8))
    }

    private static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }
}
