import Redis
import Testing

@Suite struct RoundTripTests {
    @Test func binaryValuesSurviveUnchanged() async throws {
        try await withRedis { client, prefix in
            let withNul: [UInt8] = [0x61, 0x00, 0x62, 0x00, 0x00]
            try await client.set(prefix + "nul", value: withNul)
            #expect(try await client.get(prefix + "nul") == withNul)

            let everyByte = (0...255).map { UInt8($0) }
            try await client.set(prefix + "bytes", value: everyByte)
            #expect(try await client.get(prefix + "bytes") == everyByte)

            let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try await client.set(prefix + "large", value: large)
            #expect(try await client.get(prefix + "large") == large)

            try await client.set(prefix + "empty", value: "")
            #expect(try await client.get(prefix + "empty") == [])
        }
    }

    @Test func textWithEmojiQuotesAndCRLF() async throws {
        try await withRedis { client, prefix in
            let emoji = "😀🎉 ok"
            try await client.set(prefix + "emoji", value: emoji)
            #expect(try await client.getString(prefix + "emoji") == emoji)
            #expect(try await client.get(prefix + "emoji")?.count == emoji.utf8.count)

            // A text protocol would let this value smuggle in a second command; RESP's length
            // prefixes must keep it one opaque argument.
            let key = prefix + "key with spaces \"double\" 'single' \r\n end"
            let value = "value \"quoted\"\r\nSET \(prefix)injected 1\r\n"
            try await client.set(key, value: value)
            #expect(try await client.getString(key) == value)
            #expect(try await client.exists(prefix + "injected") == false)

            let binaryKey: [UInt8] = Array((prefix + "bin").utf8) + [0x00, 0xFF, 0x0D, 0x0A]
            _ = try await client.send("SET", binaryKey, 42)
            #expect(try await client.send("GET", binaryKey) == .bulkString(Array("42".utf8)))
            #expect(try await client.send("STRLEN", binaryKey) == .integer(2))
        }
    }

    @Test func argumentTypesEncodeAsRedisExpects() async throws {
        try await withRedis { client, prefix in
            let key = prefix + "float"
            _ = try await client.send("SET", key, 1.5)
            #expect(try await client.send("INCRBYFLOAT", key, 0.25).string == "1.75")
            _ = try await client.send("SET", arguments: [prefix + "int64", Int64.min])
            #expect(try await client.send("GET", prefix + "int64").int == Int64.min)
            let substring = "abcdef".dropFirst(2)
            _ = try await client.send("SET", prefix + "sub", substring)
            #expect(try await client.getString(prefix + "sub") == "cdef")
        }
    }

    @Test func conveniencesMapReplies() async throws {
        try await withRedis { client, prefix in
            try await client.ping()
            #expect(try await client.get(prefix + "missing") == nil)
            #expect(try await client.incr(prefix + "n") == 1)
            #expect(try await client.incr(prefix + "n") == 2)
            #expect(try await client.ttl(prefix + "n") == -1)
            #expect(try await client.expire(prefix + "n", in: .seconds(100)))
            #expect((1...100).contains(try await client.ttl(prefix + "n")))
            #expect(try await client.ttl(prefix + "missing") == -2)
            // Long enough to outlive the next three commands on a machine busy with every suite.
            try await client.set(prefix + "short", value: "x", expireIn: .seconds(60))
            #expect((1...60).contains(try await client.ttl(prefix + "short")))
            #expect(try await client.exists(prefix + "short"))
            #expect(try await client.del(prefix + "n", prefix + "short", prefix + "missing") == 2)
            #expect(try await client.exists(prefix + "n") == false)
        }
    }
}
