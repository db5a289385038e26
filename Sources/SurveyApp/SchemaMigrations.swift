import Logging
import MariaDB

/// Applies the project's `Migrations/*.sql` files, waiting for the database if it is still starting
/// (as it is when the app and MariaDB are started together by docker compose).
struct SchemaMigrations {
    let configuration: AppConfiguration
    let database: MariaDBClient
    let logger: Logger
    var waitForDatabase: Duration = .seconds(60)

    @discardableResult
    func apply() async throws -> [Int] {
        let migrations = try MariaDBMigration.load(directory: configuration.resources.migrations)
        let migrator = MariaDBMigrator(client: database, migrations: migrations, logger: logger)
        let deadline = ContinuousClock.now + waitForDatabase
        while true {
            do {
                return try await migrator.migrate()
            } catch let error as MariaDBError where error.kind == .connection && ContinuousClock.now < deadline {
                logger.warning("database not reachable yet; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}

enum MariaDBClientFactory {
    static func make(_ configuration: AppConfiguration, logger: Logger) -> MariaDBClient {
        var logger = logger
        logger[metadataKey: "component"] = "mariadb"
        return MariaDBClient(configuration: configuration.database, logger: logger)
    }
}
