import Redis
import Testing

@Suite struct ResilienceTests {
    /// Always uses its own server, since it kills it.
    @Test func recoversAfterRedisRestart() async throws {
        let server = try await RedisServer.start()
        // A long command timeout, so the BLPOP below is still waiting on the server when it is
        // killed even if this busy machine runs the kill seconds late.
        let configuration = RedisConfiguration(host: "127.0.0.1", port: server.port, poolSize: 4, commandTimeout: .seconds(60))
        let client = RedisClient(configuration: configuration, logger: TestSupport.logger)
        defer { withExtendedLifetime(server) {} }
        do {
            try await restartScenario(client: client, server: server)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    private func restartScenario(client: RedisClient, server: RedisServer) async throws {
        let key = TestSupport.keyPrefix() + "k"
        try await occupyEveryConnection(client)
        try await client.set(key, value: "before")

        try await server.kill()
        try await server.restart()
        // Every pooled connection now holds a socket the old server closed. The liveness check
        // must notice before sending, so even the first command succeeds.
        #expect(try await client.get(key) == nil, "data is gone: the server ran without persistence")
        try await occupyEveryConnection(client)
        try await client.set(key, value: "after")
        #expect(try await client.getString(key) == "after")

        try await server.kill()
        let whileDown = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(whileDown?.kind == .connection)

        // A command in flight when the server dies fails and is not re-sent.
        try await server.restart()
        let inFlight = Task { try await client.send("BLPOP", key + ":list", 30) }
        try await Task.sleep(for: .milliseconds(200))
        try await server.kill()
        let broken = await #expect(throws: RedisError.self) { try await inFlight.value }
        #expect(broken?.kind == .connection)

        try await server.restart()
        for _ in 0..<10 {
            try await client.ping()
        }
    }

    /// Holds `poolSize` commands at once so every pooled connection gets connected.
    private func occupyEveryConnection(_ client: RedisClient) async throws {
        let key = TestSupport.keyPrefix() + "warm"
        try await withThrowingTaskGroup(of: RESPValue.self) { group in
            for _ in 0..<client.configuration.poolSize {
                group.addTask { try await client.send("BLPOP", key, 0.2) }
            }
            for try await reply in group {
                #expect(reply == .null)
            }
        }
    }

    @Test func commandTimeoutDiscardsConnectionAndPoolRecovers() async throws {
        try await withRedis(configure: {
            $0.poolSize = 2
            // Short against the BLPOP below, long against any other command even when every
            // suite runs at once on two cores (300 ms once timed out an ECHO there).
            $0.commandTimeout = .seconds(2)
        }) { client, prefix in
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: RedisError.self) {
                try await client.send("BLPOP", prefix + "never", 60)
            }
            #expect(error?.kind == .timeout)
            // Well under the 60 s the server would block: the client gave up on its own (the bound
            // is loose: the full suite keeps both cores and the Redis threads busy).
            #expect(clock.now - start < .seconds(30))

            for index in 0..<5 {
                #expect(try await client.send("ECHO", index).int == Int64(index))
            }
            // The abandoned BLPOP stays blocked on the server until Redis notices the closed socket;
            // wait for that, so only a re-sent BLPOP could consume the element pushed next.
            let deadline = clock.now + .seconds(5)
            while clock.now < deadline {
                let info = try await client.send("INFO", "clients").string ?? ""
                if info.contains("blocked_clients:0") { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            // The BLPOP is not re-sent: had it been, this element would be consumed.
            _ = try await client.send("RPUSH", prefix + "never", "x")
            #expect(try await client.send("LLEN", prefix + "never") == .integer(1))
        }
    }
}
