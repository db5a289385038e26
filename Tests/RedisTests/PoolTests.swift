import Redis
import Testing

@Suite struct PoolTests {
    @Test func fiveHundredConcurrentTasksOverEightConnections() async throws {
        // Generous acquire timeout: the last of 500 waiters queues behind ~60 commands per
        // connection while the whole suite runs on two cores (exhaustion has its own test below).
        try await withRedis(configure: {
            $0.poolSize = 8
            $0.acquireTimeout = .seconds(60)
        }) { client, prefix in
            let counts = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        try await client.set(prefix + "k\(index)", value: index)
                        #expect(try await client.send("GET", prefix + "k\(index)").int == Int64(index))
                        return try await client.incr(prefix + "counter")
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(counts.sorted() == Array(1...500))
            #expect(try await client.send("GET", prefix + "counter").int == 500)
        }
    }

    @Test func exhaustedPoolFailsFastInsteadOfHanging() async throws {
        try await withRedis(configure: {
            $0.poolSize = 1
            $0.acquireTimeout = .milliseconds(200)
            $0.commandTimeout = .seconds(15)
        }) { client, prefix in
            async let blocked = client.send("BLPOP", prefix + "never", 10)
            try await Task.sleep(for: .milliseconds(300))

            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: RedisError.self) { try await client.ping() }
            let elapsed = clock.now - start
            #expect(error?.kind == .poolExhausted)
            #expect(elapsed >= .milliseconds(150))
            // The BLPOP holds the only connection for ~9.7 s more: giving up well before that proves
            // the acquire timeout fired (the bound is loose: the full suite loads both cores).
            #expect(elapsed < .seconds(7), "waited \(elapsed), should give up after ~200 ms")

            #expect(try await blocked == .null)
            try await client.ping()
        }
    }

    @Test func cancelledWaiterLeavesPoolIntact() async throws {
        try await withRedis(configure: {
            $0.poolSize = 1
            $0.acquireTimeout = .seconds(5)
            $0.commandTimeout = .seconds(15)
        }) { client, prefix in
            async let blocked = client.send("BLPOP", prefix + "never", 10)
            try await Task.sleep(for: .milliseconds(200))

            let waiter = Task { try await client.ping() }
            try await Task.sleep(for: .milliseconds(100))
            let clock = ContinuousClock()
            let start = clock.now
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            // The connection stays busy ~9.7 s more: the cancelled waiter returned without waiting for it.
            #expect(clock.now - start < .seconds(6))

            #expect(try await blocked == .null)
            // The single connection came back: both commands get it in turn.
            try await client.ping()
            try await client.ping()
        }
    }

    @Test func waitersAreServedFirstInFirstOut() async throws {
        try await withRedis(configure: {
            $0.poolSize = 1
            $0.commandTimeout = .seconds(5)
        }) { client, prefix in
            async let blocked = client.send("BLPOP", prefix + "never", 3)
            try await Task.sleep(for: .milliseconds(200))
            // With one connection the server sees the RPUSHes in the order the pool granted it.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<5 {
                    group.addTask { _ = try await client.send("RPUSH", prefix + "order", index) }
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await group.waitForAll()
            }
            _ = try await blocked
            let order = try await client.send("LRANGE", prefix + "order", 0, -1)
            #expect(order.array?.compactMap(\.int) == [0, 1, 2, 3, 4])
        }
    }
}
