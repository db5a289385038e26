import Logging
import Redis
import ServiceLifecycle
import Testing

@Suite struct LifecycleTests {
    @Test func runsAsServiceAndRejectsCommandsAfterShutdown() async throws {
        let server = try await RedisServer.start()
        let client = RedisClient(
            configuration: RedisConfiguration(host: "127.0.0.1", port: server.port),
            logger: TestSupport.logger
        )
        let group = ServiceGroup(services: [client], logger: TestSupport.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await client.ping()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.kind == .shutdown)
        withExtendedLifetime(server) {}
    }
}
