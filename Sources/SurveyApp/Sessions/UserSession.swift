import Foundation

/// What a signed-in session holds, stored in Redis under its random id. No email, no answers.
struct UserSession: Codable, Sendable, Equatable {
    enum Role: String, Codable, Sendable {
        case respondent, researcher, admin
    }

    let userID: Int64
    let role: Role
    /// When the user signed in (seconds since 1970): the session ends 12 h later whatever happens.
    let signedInAt: Int64
}
