import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import Logging
import MariaDB

/// `SurveyApp` runs the web app (`serve`, the default) and the operations tasks.
@main
struct SurveyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "SurveyApp",
        abstract: "The market-research survey platform.",
        subcommands: [ServeCommand.self, MigrateCommand.self, UserCommand.self, SeedCommand.self, RebuildCountsCommand.self],
        defaultSubcommand: ServeCommand.self)
}

/// Options every subcommand shares: command-line values win over the environment.
struct CommonOptions: ParsableArguments {
    @Option(help: "Log level (trace, debug, info, notice, warning, error). Overrides LOG_LEVEL.")
    var logLevel: String?

    func reader(extra: [AbsoluteConfigKey: ConfigValue] = [:]) -> ConfigReader {
        var values = extra
        if let logLevel { values["log.level"] = .init(.string(logLevel), isSecret: false) }
        return ConfigReader(providers: [
            InMemoryProvider(values: values),
            EnvironmentVariablesProvider(),
        ])
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the web app (the default).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on. Overrides HTTP_HOST.") var hostname: String?
    @Option(help: "Port to listen on. Overrides HTTP_PORT.") var port: Int?

    func run() async throws {
        var extra: [AbsoluteConfigKey: ConfigValue] = [:]
        if let hostname { extra["http.host"] = .init(.string(hostname), isSecret: false) }
        if let port { extra["http.port"] = .init(.int(port), isSecret: false) }
        let configuration = try AppConfiguration(reader: common.reader(extra: extra))
        let app = try await buildApplication(configuration)
        try await app.runService()
    }
}

extension CommonOptions {
    /// Runs an operations task: the configuration, a database client (quiet below warnings) with
    /// the schema migrated first, shut down however `body` ends.
    func withMigratedDatabase(
        allowLocalInfile: Bool = false, _ body: (MariaDBClient, AppConfiguration) async throws -> Void
    ) async throws {
        var configuration = try AppConfiguration(reader: reader())
        configuration.database.allowLocalInfile = allowLocalInfile
        var logger = makeLogger(level: configuration.logLevel)
        logger.logLevel = max(logger.logLevel, .warning)
        let database = MariaDBClientFactory.make(configuration, logger: logger)
        do {
            try await SchemaMigrations(configuration: configuration, database: database, logger: logger).apply()
            try await body(database, configuration)
            await database.shutdown()
        } catch {
            await database.shutdown()
            throw error
        }
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try AppConfiguration(reader: common.reader())
        let logger = makeLogger(level: configuration.logLevel)
        let database = MariaDBClientFactory.make(configuration, logger: logger)
        do {
            let applied = try await SchemaMigrations(configuration: configuration, database: database, logger: logger).apply()
            print(applied.isEmpty ? "The schema is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
            await database.shutdown()
        } catch {
            await database.shutdown()
            throw error
        }
    }
}
