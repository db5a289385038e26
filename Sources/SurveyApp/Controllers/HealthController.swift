import Hummingbird
import MariaDB
import Redis

/// `/healthz`: the process is up. `/readyz`: MariaDB and Redis both answer, so a balancer may
/// send traffic here.
struct HealthController {
    let database: MariaDBClient
    let redis: RedisClient

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ in try await readiness() }
    }

    private func readiness() async throws -> Response {
        async let databaseUp = probe { _ = try await database.query("SELECT 1 AS up") }
        async let redisUp = probe { try await redis.ping() }
        let (db, cache) = await (databaseUp, redisUp)
        let body = "mariadb: \(db ? "up" : "down")\nredis: \(cache ? "up" : "down")\n"
        return Response(
            status: db && cache ? .ok : .serviceUnavailable,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func probe(_ check: () async throws -> Void) async -> Bool {
        do {
            try await check()
            return true
        } catch {
            return false
        }
    }
}
