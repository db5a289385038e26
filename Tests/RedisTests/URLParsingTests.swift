import Redis
import Testing

@Suite struct URLParsingTests {
    @Test func parsesFullURL() throws {
        let configuration = try RedisConfiguration(url: "redis://alice:s%40cr%3At@cache.internal:6380/3")
        #expect(configuration.host == "cache.internal")
        #expect(configuration.port == 6380)
        #expect(configuration.username == "alice")
        #expect(configuration.password == "s@cr:t")
        #expect(configuration.database == 3)
        #expect(configuration.poolSize == 8)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.commandTimeout == .seconds(2))
        #expect(configuration.acquireTimeout == .seconds(5))
    }

    @Test func appliesDefaults() throws {
        let plain = try RedisConfiguration(url: "redis://localhost")
        #expect(plain.host == "localhost")
        #expect(plain.port == 6379)
        #expect(plain.database == 0)
        #expect(plain.password == nil)
        #expect(plain.username == nil)

        let passwordOnly = try RedisConfiguration(url: "redis://:pw@127.0.0.1:6379/")
        #expect(passwordOnly.password == "pw")
        #expect(passwordOnly.username == nil)
        #expect(passwordOnly.database == 0)

        let ipv6 = try RedisConfiguration(url: "REDIS://[::1]:7000/1")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 7000)
        #expect(ipv6.database == 1)
    }

    @Test(arguments: [
        "", "http://localhost:6379", "rediss://localhost:6379", "redis://", "redis://:6379",
        "redis://host:", "redis://host:abc", "redis://host:0", "redis://host:70000",
        "redis://host/abc", "redis://host/-1", "redis://user@host", "redis://:%zz@host",
        "redis://host:6379/0?timeout=1", "redis://[::1", "redis://[::1]x",
    ])
    func rejectsBadURL(_ url: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.kind == .invalidURL)
        #expect(error?.message.isEmpty == false)
    }

    @Test func errorsAndDescriptionsHideThePassword() throws {
        let error = #expect(throws: RedisError.self) {
            try RedisConfiguration(url: "redis://:topsecret@host:notaport")
        }
        #expect(error.map { "\($0)".contains("topsecret") } == false)

        let configuration = try RedisConfiguration(url: "redis://bob:topsecret@host:6379/2")
        #expect(!"\(configuration)".contains("topsecret"))
        #expect(!String(reflecting: configuration).contains("topsecret"))
        #expect("\(configuration)".contains("bob"))
    }
}
