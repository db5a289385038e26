import Foundation
import Logging
import Redis

enum TestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "redis-tests")
        logger.logLevel = .error
        return logger
    }()

    /// A unique key prefix, so tests can share one server while running concurrently.
    static func keyPrefix() -> String {
        "test:\(UUID().uuidString):"
    }
}

/// Runs `body` with a client against `TEST_REDIS_URL` if set, else against a fresh local server.
/// The client is shut down (and the server killed) afterwards, also when `body` throws.
func withRedis(
    configure: (inout RedisConfiguration) -> Void = { _ in },
    _ body: (RedisClient, String) async throws -> Void
) async throws {
    var server: RedisServer?
    var configuration: RedisConfiguration
    if let url = ProcessInfo.processInfo.environment["TEST_REDIS_URL"], !url.isEmpty {
        configuration = try RedisConfiguration(url: url)
    } else {
        let started = try await RedisServer.start()
        configuration = RedisConfiguration(host: "127.0.0.1", port: started.port)
        server = started
    }
    configure(&configuration)
    let client = RedisClient(configuration: configuration, logger: TestSupport.logger)
    do {
        try await body(client, TestSupport.keyPrefix())
    } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
    withExtendedLifetime(server) {}
}
