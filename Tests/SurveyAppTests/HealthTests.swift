import Hummingbird
import HummingbirdTesting
import Logging
import MariaDB
import Configuration
import Testing

@testable import SurveyApp

@Suite("Operations endpoints and start-up")
struct HealthTests {
    @Test func startupMigratesAndReadinessSeesBothServers() async throws {
        try await AppTestSupport.withConfiguration { configuration in
            let app = try await buildApplication(configuration)
            try await app.test(.live) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "mariadb: up\nredis: up\n")
                }
                try await client.execute(uri: "/", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                }
            }
            // The migrations in Migrations/ were applied before the server took requests.
            let check = MariaDBClient(configuration: configuration.database, logger: Logger(label: "check"))
            let rows = try await check.query("SELECT COUNT(*) AS n FROM schema_migrations")
            #expect(try rows[0].decode("n", as: Int.self) >= 1)
            let users = try await check.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'users'")
            #expect(try users[0].decode("n", as: Int.self) == 1)
            await check.shutdown()
        }
    }

    @Test func readinessFailsWhenRedisIsDown() async throws {
        let closedPort = 1  // nothing listens on port 1 here
        try await AppTestSupport.withConfiguration(overrides: ["redis.url": "redis://127.0.0.1:\(closedPort)/0"]) { configuration in
            let app = try await buildApplication(configuration)
            try await app.test(.live) { client in
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body) == "mariadb: up\nredis: down\n")
                }
            }
        }
    }

    @Test func missingDatabaseURLIsAClearError() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try AppConfiguration(reader: .init(provider: InMemoryProvider(values: [:])))
        }
        #expect(error?.description.contains("DATABASE_URL") == true)
    }
}
