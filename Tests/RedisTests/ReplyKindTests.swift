import Redis
import Testing

@Suite struct ReplyKindTests {
    @Test func everyReplyKindIsMapped() async throws {
        try await withRedis { client, prefix in
            #expect(try await client.send("SET", prefix + "s", "v") == .simpleString("OK"))
            #expect(try await client.send("INCR", prefix + "i") == .integer(1))
            #expect(try await client.send("GET", prefix + "missing") == .null)
            #expect(try await client.send("GET", prefix + "missing").isNull)

            _ = try await client.send("RPUSH", prefix + "list", "a", "b", "c")
            let range = try await client.send("LRANGE", prefix + "list", 0, -1)
            #expect(range == .array([.bulkString([0x61]), .bulkString([0x62]), .bulkString([0x63])]))
            #expect(range.array?.compactMap(\.string) == ["a", "b", "c"])

            let mget = try await client.send("MGET", prefix + "s", prefix + "missing", prefix + "i")
            #expect(mget == .array([.bulkString(Array("v".utf8)), .null, .bulkString(Array("1".utf8))]))
            #expect(mget.array?[1].isNull == true)
            #expect(mget.array?[2].int == 1)
            #expect(mget.array?[0].bytes == Array("v".utf8))
            #expect(try await client.send("LRANGE", prefix + "none", 0, -1) == .array([]))
        }
    }

    @Test func errorReplyIsThrownAsServerError() async throws {
        try await withRedis { client, prefix in
            _ = try await client.send("SET", prefix + "str", "v")
            let error = await #expect(throws: RedisError.self) {
                try await client.send("LPUSH", prefix + "str", "x")
            }
            #expect(error?.kind == .server)
            #expect(error?.message.hasPrefix("WRONGTYPE") == true)
            // The connection is still in sync after an error reply.
            #expect(try await client.getString(prefix + "str") == "v")
        }
    }

    @Test func errorDescriptionNeverEchoesArguments() async throws {
        try await withRedis { client, _ in
            let secret = "hunter2-secret-token"
            let error = await #expect(throws: RedisError.self) {
                try await client.send("NOSUCHCOMMAND", secret)
            }
            #expect(error?.kind == .server)
            #expect(error?.message.hasPrefix("ERR unknown command") == true)
            #expect(error.map { String(describing: $0).contains(secret) } == false)
            #expect(error?.message.contains(secret) == false)
        }
    }

    @Test func errorReplyIsReturnedInsidePipeline() async throws {
        try await withRedis { client, prefix in
            let replies = try await client.pipeline([
                ["SET", prefix + "p", "v"],
                ["LPUSH", prefix + "p", "x"],
                ["GET", prefix + "p"],
            ])
            #expect(replies.count == 3)
            #expect(replies[0] == .simpleString("OK"))
            guard case .error(let text) = replies[1] else {
                Issue.record("expected an error reply, got \(replies[1])")
                return
            }
            #expect(text.hasPrefix("WRONGTYPE"))
            #expect(replies[2].string == "v")
        }
    }

    @Test func multiExecThroughPipeline() async throws {
        try await withRedis { client, prefix in
            let replies = try await client.pipeline([
                ["MULTI"],
                ["INCR", prefix + "c"],
                ["INCRBY", prefix + "c", 10],
                ["EXEC"],
            ])
            #expect(replies == [
                .simpleString("OK"), .simpleString("QUEUED"), .simpleString("QUEUED"),
                .array([.integer(1), .integer(11)]),
            ])
            #expect(try await client.pipeline([]) == [])
        }
    }
}
