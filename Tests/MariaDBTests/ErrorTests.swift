import ChildProcess
import Foundation
import Logging
import MariaDB
import Testing

@Suite("Errors carry the server's code and never the bound values")
struct ErrorTests {
    @Test func duplicateKeyIsRecognisedAndRedacted() async throws {
        try await TestDatabase.with { db, _ in
            try await db.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE u (email VARCHAR(100) PRIMARY KEY)") }
            let secret = "maria.silva@example.com"
            try await db.execute("INSERT INTO u VALUES (\(secret))")
            let error = await #expect(throws: MariaDBError.self) {
                try await db.execute("INSERT INTO u VALUES (\(secret))")
            }
            #expect(error?.isDuplicateKey == true)
            #expect(error?.code == 1062)
            #expect(error?.sqlState == "23000")
            #expect(error?.kind == .server)
            #expect(error.map { !$0.description.contains(secret) } == true)
            #expect(error.map { $0.description.contains("PRIMARY") } == true)
        }
    }

    /// A refused connection names the host and the reason: the client library's messages carry
    /// no user data, and the apostrophe of "Can't" is not a quote to redact from.
    @Test func aRefusedConnectionSaysWhereAndWhy() async throws {
        var configuration = try TestDatabase.adminConfiguration()
        configuration.port = 1
        configuration.tls = .disabled
        let client = MariaDBClient(configuration: configuration, logger: Logger(label: "refused"))
        let error = await #expect(throws: MariaDBError.self) { try await client.query("SELECT 1") }
        await client.shutdown()
        #expect(error?.code == 2002)
        #expect(error?.message.contains("Can't connect to server on '127.0.0.1'") == true, "\(String(describing: error?.message))")
    }

    @Test func syntaxErrorsAndWrongBindCountsAreClear() async throws {
        try await TestDatabase.with { db, _ in
            let syntax = await #expect(throws: MariaDBError.self) { try await db.query("SELEC 1") }
            #expect(syntax?.code == 1064)
            let count = await #expect(throws: MariaDBError.self) {
                try await db.query(SQLQuery(unsafeSQL: "SELECT ?, ?", binds: [.int(1)]))
            }
            #expect(count?.kind == .usage)
            // The connection is still fine afterwards.
            let rows = try await db.query("SELECT 1 AS one")
            #expect(try rows[0].decode("one", as: Int.self) == 1)
        }
    }

    @Test func deadlockIsRecognised() async throws {
        try await TestDatabase.with(poolSize: 2) { db, _ in
            try await db.withConnection { c in
                try await c.execute(unsafeSQL: "CREATE TABLE d (id INT PRIMARY KEY, n INT) ENGINE=InnoDB")
                try await c.execute(unsafeSQL: "INSERT INTO d VALUES (1, 0), (2, 0)")
            }
            // Two transactions lock the rows in opposite order; InnoDB kills one of them.
            async let first = failure { try await db.withTransaction { c in
                try await c.execute("UPDATE d SET n = n + 1 WHERE id = \(1)")
                try await Task.sleep(for: .milliseconds(300))
                try await c.execute("UPDATE d SET n = n + 1 WHERE id = \(2)")
            } }
            async let second = failure { try await db.withTransaction { c in
                try await c.execute("UPDATE d SET n = n + 1 WHERE id = \(2)")
                try await Task.sleep(for: .milliseconds(300))
                try await c.execute("UPDATE d SET n = n + 1 WHERE id = \(1)")
            } }
            let deadlocks = [await first, await second].compactMap { $0 as? MariaDBError }
            #expect(deadlocks.count == 1)
            #expect(deadlocks.first?.isDeadlock == true)
        }
    }

    @Test func transactionsCommitOrRollBack() async throws {
        try await TestDatabase.with { db, _ in
            try await db.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE tx (n INT) ENGINE=InnoDB") }
            try await db.withTransaction { c in try await c.execute("INSERT INTO tx VALUES (\(1))") }
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await db.withTransaction { c in
                    try await c.execute("INSERT INTO tx VALUES (\(2))")
                    throw Boom()
                }
            }
            let rows = try await db.query("SELECT n FROM tx")
            #expect(try rows.map { try $0.decode("n", as: Int.self) } == [1])
        }
    }

    @Test func urlParsing() throws {
        let c = try MariaDBConfiguration(url: "mariadb://app:p%40ss@db.example:3310/survey?tls=verify-ca&ca=/etc/ca.pem&pool=12")
        #expect(c.host == "db.example")
        #expect(c.port == 3310)
        #expect(c.user == "app")
        #expect(c.password == "p@ss")
        #expect(c.database == "survey")
        #expect(c.tls == .verifyCA(caFile: "/etc/ca.pem"))
        #expect(c.poolSize == 12)
        #expect(throws: MariaDBError.self) { try MariaDBConfiguration(url: "postgres://a@b/c") }
        #expect(throws: MariaDBError.self) { try MariaDBConfiguration(url: "mariadb://a@b/c?tls=verify-ca") }
        #expect(throws: MariaDBError.self) { try MariaDBConfiguration(url: "mariadb://b:1/c") }
    }

    @Test func tlsIsVerifiedAgainstTheCA() async throws {
        guard let ca = ProcessInfo.processInfo.environment["TEST_DATABASE_CA"] else {
            throw TestSetupError("TEST_DATABASE_CA is not set: `make test` starts MariaDB with TLS")
        }
        var configuration = try TestDatabase.adminConfiguration()
        configuration.tls = .verifyIdentity(caFile: ca)
        let client = MariaDBClient(configuration: configuration, logger: Logger(label: "tls"))
        let cipher = try await client.withConnection { try await $0.tlsCipher() }
        #expect(cipher?.isEmpty == false)
        await client.shutdown()

        // A CA that did not sign the server's certificate is refused.
        let otherCA = NSTemporaryDirectory() + "other-ca-\(UUID().uuidString).pem"
        let status = try await ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
            "-keyout", otherCA + ".key", "-out", otherCA,
        ])
        try #require(status == 0)
        defer { try? FileManager.default.removeItem(atPath: otherCA); try? FileManager.default.removeItem(atPath: otherCA + ".key") }
        configuration.tls = .verifyCA(caFile: otherCA)
        let untrusting = MariaDBClient(configuration: configuration, logger: Logger(label: "tls"))
        let error = await #expect(throws: MariaDBError.self) { try await untrusting.query("SELECT 1") }
        #expect(error?.kind == .connection)
        await untrusting.shutdown()
    }

    /// A statement the server does not answer within the I/O timeout fails as a lost connection,
    /// over plain TCP (libmariadb's read timeout) and over TLS, where libmariadb's non-blocking
    /// reads ask for no timeout and the reactor has to end the wait itself. The pool then serves
    /// again on a fresh connection.
    @Test(arguments: [false, true])
    func aStatementTheServerDoesNotAnswerInTimeFails(overTLS: Bool) async throws {
        guard let ca = ProcessInfo.processInfo.environment["TEST_DATABASE_CA"] else {
            throw TestSetupError("TEST_DATABASE_CA is not set: `make test` starts MariaDB with TLS")
        }
        try await TestDatabase.with(poolSize: 1, configure: {
            $0.ioTimeout = .seconds(2)
            $0.tls = overTLS ? .verifyIdentity(caFile: ca) : .disabled
        }) { db, _ in
            let cipher = try await db.withConnection { try await $0.tlsCipher() }
            #expect((cipher != nil) == overTLS)
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: MariaDBError.self) { try await db.query("SELECT SLEEP(8) AS s") }
            let waited = clock.now - started
            #expect(error?.kind == .connection)
            #expect(error?.code == 2013)
            #expect(error?.mayHaveRun == true)
            if overTLS { #expect(error?.message == "the server did not answer within 2 s (I/O timeout)") }
            // Bounded by the timeout, well before the statement would end (room for a loaded machine).
            #expect(waited >= .milliseconds(1900) && waited < .seconds(6), "waited \(waited)")
            #expect(try await db.query("SELECT 1 AS one").count == 1)
        }
    }

    /// A server that stops answering in the middle of the TLS handshake. libmariadb bounds the
    /// handshake by the connect timeout itself (unlike TLS reads and writes afterwards, the
    /// reactor's stall limit covers those); this keeps a connect from ever hanging.
    @Test func aTLSHandshakeTheServerDoesNotFinishFailsWithinTheConnectTimeout() async throws {
        let admin = try TestDatabase.adminConfiguration()
        let server = try StallingServer(upstreamPort: admin.port)
        defer { server.stop() }
        var configuration = admin
        configuration.port = server.port
        configuration.tls = .required
        configuration.connectTimeout = .seconds(2)
        let client = MariaDBClient(configuration: configuration, logger: Logger(label: "tls"))
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: MariaDBError.self) { try await client.query("SELECT 1") }
        let waited = clock.now - started
        await client.shutdown()
        #expect(error?.kind == .connection)
        #expect(waited >= .milliseconds(1900) && waited < .seconds(6), "waited \(waited)")
    }

    @Test func tlsRequiredFailsAgainstAServerWithoutTLS() async throws {
        try await LocalServer.with { server in
            try await server.run("start", "mariadb")
            var configuration = try MariaDBConfiguration(url: server.databaseURL)
            configuration.tls = .required
            let client = MariaDBClient(configuration: configuration, logger: Logger(label: "tls"))
            let error = await #expect(throws: MariaDBError.self) { try await client.query("SELECT 1") }
            #expect(error?.kind == .connection)
            #expect(error?.message.contains("TLS") == true)
            await client.shutdown()
        }
    }
}

func failure(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
