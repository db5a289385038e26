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

    struct Resources: Sendable {
        /// Holds `Views/` and `Migrations/`: beside the binary in a release layout, else the working folder.
        var directory: String
        var migrations: String
        var views: String
        /// The survey definition file.
        var survey: String
        /// The interface strings, one JSON file per language.
        var locales: String
    }

    var http: HTTP
    var database: MariaDBConfiguration
    var redis: RedisConfiguration
    var resources: Resources
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
        if let size = reader.int(forKey: "database.pool.size") { database.poolSize = size }
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
            locales: reader.string(forKey: "locales.dir", default: directory + "/Locales"))

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
