import Foundation
import LoadBalancerCore
import NIOCore
import NIOHTTP1
import Testing

/// The access log: one JSON line per request, written off the event loops, all of it by the end
/// of a shutdown.
@Suite struct AccessLogLiveTests {
    @Test func everyRequestGetsAJSONLineWithoutItsQueryString() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lb-access-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.accessLog = .file(file) }) { _, port in
                let connection = try await TestConnection.connect(port: port)
                #expect(try await connection.request(.GET, "/page?token=secret", headers: [("X-Request-ID", "req-1")]).status == 200)
                #expect(try await connection.request(.POST, "/echo", body: [ByteBuffer(string: "hello")]).status == 200)
                await connection.close()
            }
        }
        // The balancer has shut down: every line is in the file.
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let entries = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        #expect(entries.first?["request_id"] as? String == "req-1")
        #expect(entries.first?["path"] as? String == "/page")
        #expect(entries.first?["status"] as? Int == 200)
        #expect(entries.first?["upstream"] as? String == upstreams[0].address)
        #expect(entries.last?["method"] as? String == "POST")
        #expect(!lines.joined().contains("secret"))
        for key in ["time", "request_id", "method", "path", "status", "upstream", "upstream_time", "total_time", "bytes", "client"] {
            #expect(entries.allSatisfy { $0[key] != nil }, "missing \(key)")
        }
    }
}
