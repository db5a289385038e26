import Configuration
import Foundation
import Logging
import MariaDB
import Redis

/// Everything the app reads from its environment. Keys are dotted (`http.port`) and map to
/// environment variables (`HTTP_PORT`); the README lists them all.
struct AppConfiguration: Sendable {
    struct HTTP: Sendable {
        var host: String
        var port: Int
    }

    struct Sessions: Sendable {
        /// A session unused this long ends (sliding).
        var idleTimeout: Duration
        /// Every session ends this long after sign-in.
        var absoluteTimeout: Duration
    }

    struct Security: Sendable {
        /// Balancers whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (exact addresses).
        var trustedProxies: Set<String>
        /// log2 of scrypt's N for new password hashes.
        var scryptLogN: Int
        var hashThreads: Int
    }

    /// A researcher account created or updated at start-up (`RESEARCHER_EMAIL`, `RESEARCHER_PASSWORD`).
    struct Researcher: Sendable {
        var email: String
        var password: String
    }

    struct Resources: Sendable {
        /// Holds `Views/` and `Migrations/`: beside the binary in a release layout, else the working folder.
        var directory: String
        var migrations: String
        var views: String
        /// The survey definition file.
        var survey: String
        /// The interface strings, one JSON file per language.
        var locales: String
        /// Static files served under `/static` (the stylesheet).
        var publicFiles: String
    }

    var http: HTTP
    var database: MariaDBConfiguration
    var redis: RedisConfiguration
    var resources: Resources
    var sessions: Sessions
    var security: Security
    var researcher: Researcher?
    var viability: ViabilitySettings
    /// Id ranges a research scan of `responses` is split into, run at once (RESEARCH_SCAN_PARALLELISM).
    var researchScanParallelism: Int
    var logLevel: Logger.Level
    /// Apply pending migrations when the server starts (off: run `SurveyApp migrate` yourself).
    var migrateOnStart: Bool

    init(reader: ConfigReader) throws {
        http = HTTP(
            host: reader.string(forKey: "http.host", default: "127.0.0.1"),
            port: reader.int(forKey: "http.port", default: 8080))

        guard let databaseURL = reader.string(forKey: "database.url") else {
            throw ConfigurationError("DATABASE_URL is not set (for example mariadb://survey:secret@127.0.0.1:3306/survey)")
        }
        database = try MariaDBConfiguration(url: databaseURL)
        // The app's transactions lock the rows they change (SELECT … FOR UPDATE) and read nothing
        // twice. Under REPEATABLE READ, locking a row not there yet (a respondent's first save)
        // takes a gap lock, and two respondents starting at once deadlock on each other's insert;
        // READ COMMITTED takes no gap locks.
        database.transactionIsolation = .readCommitted
        if let size = reader.int(forKey: "database.pool.size") { database.poolSize = size }
        if let threads = reader.int(forKey: "database.io.threads") {
            guard (1...64).contains(threads) else { throw ConfigurationError("DATABASE_IO_THREADS must be 1 to 64") }
            database.ioThreads = threads
        }
        if let ca = reader.string(forKey: "database.ca"), database.tls == .disabled {
            database.tls = .verifyIdentity(caFile: ca)
        }

        redis = try RedisConfiguration(url: reader.string(forKey: "redis.url", default: "redis://127.0.0.1:6379/0"))
        if let size = reader.int(forKey: "redis.pool.size") { redis.poolSize = size }

        let directory = reader.string(forKey: "resources.dir") ?? Self.defaultResourcesDirectory()
        resources = Resources(
            directory: directory,
            migrations: reader.string(forKey: "migrations.dir", default: directory + "/Migrations"),
            views: reader.string(forKey: "views.dir", default: directory + "/Views"),
            survey: reader.string(forKey: "survey.file", default: directory + "/Surveys/market-research.json"),
            locales: reader.string(forKey: "locales.dir", default: directory + "/Locales"),
            publicFiles: reader.string(forKey: "public.dir", default: directory + "/Public"))

        sessions = Sessions(
            idleTimeout: .seconds(reader.int(forKey: "session.idle.seconds", default: 30 * 60)),
            absoluteTimeout: .seconds(reader.int(forKey: "session.absolute.seconds", default: 12 * 3600)))
        let proxies = reader.string(forKey: "trusted.proxies", default: "127.0.0.1,::1")
        security = Security(
            trustedProxies: Set(proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }),
            scryptLogN: reader.int(forKey: "password.scrypt.log.n", default: 15),
            hashThreads: reader.int(forKey: "password.hash.threads", default: 2))
        guard (10...20).contains(security.scryptLogN) else { throw ConfigurationError("PASSWORD_SCRYPT_LOG_N must be 10 to 20 (15 is recommended)") }

        viability = .standard
        viability.households = reader.int(forKey: "viability.households", default: ViabilitySettings.standard.households)
        if let rates = reader.string(forKey: "viability.capture.rates") {
            let values = rates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == 3, values.allSatisfy({ (0...1).contains($0) }) else {
                throw ConfigurationError("VIABILITY_CAPTURE_RATES is three shares from 0 to 1: pessimistic,base,optimistic (for example 0.2,0.35,0.5)")
            }
            (viability.pessimistic, viability.base, viability.optimistic) = (values[0], values[1], values[2])
        }

        researchScanParallelism = reader.int(forKey: "research.scan.parallelism", default: 2)
        guard (1...32).contains(researchScanParallelism) else {
            throw ConfigurationError("RESEARCH_SCAN_PARALLELISM must be 1 to 32 (the database server's cores, at most)")
        }

        if let email = reader.string(forKey: "researcher.email"), !email.isEmpty {
            guard let password = reader.string(forKey: "researcher.password", isSecret: true), password.count >= PasswordPolicy.minimumLength else {
                throw ConfigurationError("RESEARCHER_EMAIL is set, so RESEARCHER_PASSWORD must be too, with at least \(PasswordPolicy.minimumLength) characters")
            }
            researcher = Researcher(email: email.lowercased(), password: password)
        }

        let level = reader.string(forKey: "log.level", default: "info")
        guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsed
        migrateOnStart = reader.bool(forKey: "migrate.on.start", default: true)
    }

    /// The folder beside the executable when it ships `Migrations/` (release layout), else the
    /// current folder (running from a checkout).
    static func defaultResourcesDirectory() -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: beside + "/Migrations") { return beside }
        return FileManager.default.currentDirectoryPath
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
