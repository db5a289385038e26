import Redis
import Testing

@Suite struct PipelineTests {
    @Test func thousandCommandsReturnThousandRepliesInOrder() async throws {
        try await withRedis { client, prefix in
            let commands: [[any RedisArgumentConvertible]] = (0..<1000).map { index in
                index.isMultiple(of: 2) ? ["ECHO", "reply-\(index)"] : ["INCR", prefix + "counter"]
            }
            let replies = try await client.pipeline(commands)
            #expect(replies.count == 1000)
            for (index, reply) in replies.enumerated() {
                if index.isMultiple(of: 2) {
                    #expect(reply.string == "reply-\(index)")
                } else {
                    #expect(reply == .integer(Int64(index / 2 + 1)))
                }
            }
            #expect(try await client.send("GET", prefix + "counter").int == 500)
        }
    }
}
