import Redis
import Testing

/// AUTH and SELECT run on every (re)connect; these servers always start locally since they need
/// their own credentials.
@Suite struct AuthTests {
    @Test func passwordFromURLAndDatabaseSelection() async throws {
        let server = try await RedisServer.start(extraArguments: ["--requirepass", "p@ss word"])
        let url = "redis://:p%40ss%20word@127.0.0.1:\(server.port)/5"
        let key = TestSupport.keyPrefix() + "k"
        try await withClient(try RedisConfiguration(url: url)) { client in
            try await client.set(key, value: "in-db-5")
            #expect(try await client.send("CLIENT", "INFO").string?.contains(" db=5 ") == true)
        }
        try await withClient(try RedisConfiguration(url: "redis://:p%40ss%20word@127.0.0.1:\(server.port)")) { client in
            #expect(try await client.exists(key) == false)
            _ = try await client.send("SELECT", 5)
            #expect(try await client.exists(key))
        }
        withExtendedLifetime(server) {}
    }

    @Test func aclUserAndPassword() async throws {
        let server = try await RedisServer.start(extraArguments: ["--user", "alice", "on", ">s3cret", "~*", "+@all"])
        let configuration = RedisConfiguration(
            host: "127.0.0.1", port: server.port, password: "s3cret", username: "alice", database: 0
        )
        try await withClient(configuration) { client async throws in
            #expect(try await client.send("ACL", "WHOAMI").string == "alice")
        }
        withExtendedLifetime(server) {}
    }

    @Test func wrongPasswordIsAConnectionErrorWithoutThePassword() async throws {
        let server = try await RedisServer.start(extraArguments: ["--requirepass", "right"])
        let configuration = RedisConfiguration(host: "127.0.0.1", port: server.port, password: "wrong-secret")
        try await withClient(configuration) { client async throws in
            let error = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(error?.kind == .connection)
            #expect(error?.message.contains("WRONGPASS") == true)
            #expect(error.map { "\($0)".contains("wrong-secret") } == false)
        }
        withExtendedLifetime(server) {}
    }

    private func withClient(_ configuration: RedisConfiguration, _ body: (RedisClient) async throws -> Void) async throws {
        let client = RedisClient(configuration: configuration, logger: TestSupport.logger)
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}
