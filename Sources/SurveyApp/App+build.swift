import Foundation
import Hummingbird
import Logging
import MariaDB
import Redis

func makeLogger(level: Logger.Level) -> Logger {
    var logger = Logger(label: "SurveyApp")
    logger.logLevel = level
    return logger
}

/// Builds the application from its configuration: clients, routes, services and start-up work.
func buildApplication(_ configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    // A peer that vanishes mid-write must not kill the process.
    signal(SIGPIPE, SIG_IGN)
    let logger = makeLogger(level: configuration.logLevel)
    // A broken definition stops the start with every problem listed, before any page is served.
    let survey = try SurveyDefinition.load(path: configuration.resources.survey)
    let catalog = try MessageCatalog.load(directory: configuration.resources.locales)
    guard Set(survey.languages).isSubset(of: catalog.languages) else {
        throw ConfigurationError("the survey is written in \(survey.languages) but Locales/ has \(catalog.languages)")
    }
    logger.info("survey definition loaded", metadata: ["survey": "\(survey.id)", "version": "\(survey.version)"])
    let database = MariaDBClientFactory.make(configuration, logger: logger)
    let redis = RedisClient(configuration: configuration.redis, logger: logger)

    let router = Router()
    HealthController(database: database, redis: redis).addRoutes(to: router)
    HomeController().addRoutes(to: router)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: nil),
        logger: logger)
    app.addServices(database, redis)
    if configuration.migrateOnStart {
        app.beforeServerStarts {
            try await SchemaMigrations(configuration: configuration, database: database, logger: logger).apply()
        }
    }
    return app
}
