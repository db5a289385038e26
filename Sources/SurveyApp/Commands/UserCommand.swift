import ArgumentParser
import Foundation
import LibCrypto
import Logging
import MariaDB

/// `SurveyApp user create|grant|revoke`: accounts and roles from a terminal, for operators.
/// Passwords are read from standard input (one line), never from the command line, where `ps`
/// and shell history would show them.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Create accounts and grant or revoke roles.",
        subcommands: [Create.self, Grant.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account; the password is read from standard input.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Email address of the account.") var email: String
        @Option(help: "respondent, researcher or admin.") var role: String = "researcher"

        private var account: String { email.trimmingCharacters(in: .whitespaces).lowercased() }

        // Checked before `run`, so that a mistake prints this command's usage, not the app's.
        func validate() throws {
            guard UserSession.Role(rawValue: role) != nil else { throw ValidationError("--role is respondent, researcher or admin") }
            guard EmailAddress.isPlausible(account) else { throw ValidationError("\(account) is not an email address") }
        }

        func run() async throws {
            guard let role = UserSession.Role(rawValue: role) else { return }  // refused by validate()
            let email = account
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                throw CommandFailure("no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | SurveyApp user create --email \(email)`")
            }
            if let problem = PasswordPolicy.problem(password: password, email: email) {
                throw CommandFailure("the password on standard input is refused: \(problem.explanation)")
            }
            try await UserCommand.withUsers(common) { users, configuration in
                let hasher = PasswordHasher(parameters: .init(logN: configuration.security.scryptLogN, r: 8, p: 1), threads: 1)
                let hash = try await hasher.hash(password)
                try await hasher.shutdown()
                guard try await users.create(email: email, passwordHash: hash, role: role) != nil else {
                    throw CommandFailure("\(email) already has an account (use `user grant` to change its role)")
                }
                print("Created \(email) as \(role.rawValue).")
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give an account a role (researcher by default).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Email address of the account.") var email: String
        @Option(help: "researcher or admin.") var role: String = "researcher"

        func validate() throws {
            guard let role = UserSession.Role(rawValue: role), role != .respondent else { throw ValidationError("--role is researcher or admin") }
        }

        func run() async throws {
            guard let role = UserSession.Role(rawValue: role) else { return }  // refused by validate()
            try await UserCommand.setRole(role, email: email, common: common)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account a respondent again.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Email address of the account.") var email: String

        func run() async throws {
            try await UserCommand.setRole(.respondent, email: email, common: common)
        }
    }

    static func setRole(_ role: UserSession.Role, email: String, common: CommonOptions) async throws {
        try await withUsers(common) { users, _ in
            guard let user = try await users.find(email: email.trimmingCharacters(in: .whitespaces)) else {
                throw CommandFailure("no account has the email \(email)")
            }
            try await users.updateRole(id: user.id, role: role)
            print("\(user.email) is now \(role.rawValue).")
        }
    }

    /// Runs `body` with the accounts of the configured database, migrated first.
    static func withUsers(_ common: CommonOptions, _ body: (any UserRepository, AppConfiguration) async throws -> Void) async throws {
        try await common.withMigratedDatabase { database, configuration in
            try await body(MariaDBUserRepository(database: database), configuration)
        }
    }
}

extension PasswordPolicy.Problem {
    var explanation: String {
        switch self {
        case .tooShort: "it has fewer than \(PasswordPolicy.minimumLength) characters"
        case .tooCommon: "it is one of the most common passwords"
        case .sameAsEmail: "it is the email address"
        }
    }
}

/// A command that cannot do what was asked, for a reason that is not how it was called: printed
/// as `Error: …` with exit status 1, without the usage text a `ValidationError` brings.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
