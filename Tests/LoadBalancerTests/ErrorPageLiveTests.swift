import LoadBalancerCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The balancer's own pages, against real sockets.
@Suite struct ErrorPageLiveTests {
    @Test func aChunkedBodyOverTheLimitGets413() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.client.maxBodyBytes = 1000 }) { _, port in
                let connection = try await TestConnection.connect(port: port)
                let response = try await connection.request(.POST, "/upload", body: [ByteBuffer(repeating: 1, count: 2000)])
                #expect(response.status == 413)
                #expect(response.text.contains("Request too large"))
                #expect(response.headers["connection"] == ["close"])
                await connection.close()
                // The backend never saw a complete request.
                #expect(upstreams[0].requestCount == 0)
            }
        }
    }

    @Test func headersOverTheLimitGet431() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams) { _, port in
                let connection = try await TestConnection.connect(port: port)
                let response = try await connection.request(.GET, "/", headers: [("X-Big", String(repeating: "b", count: 20_000))])
                #expect(response.status == 431)
                await connection.close()
                #expect(upstreams[0].requestCount == 0)
            }
        }
    }

    @Test func unreachableBackendsGet502() async throws {
        let ports = [try await closedPort(), try await closedPort()]
        try await withBalancer([], configure: { configuration in
            configuration.backends = ports.map { BackendSpec(host: "127.0.0.1", port: $0) }
        }) { balancer, port in
            let connection = try await TestConnection.connect(port: port)
            for _ in 0..<3 {
                let response = try await connection.request(.GET, "/")
                #expect(response.status == 502)
                #expect(response.text.contains("Bad gateway"))
            }
            await connection.close()
            #expect(balancer.registry.snapshot().allSatisfy { $0.stats.connectFailures >= 1 })
        }
    }

    /// The site's own pages (`LB_ERROR_PAGES_DIR`), here the ones `make run` uses, replace the
    /// built-in English ones; a directory without any page is refused at start.
    @Test func theSitesOwnPagesReplaceTheBuiltInOnes() async throws {
        // This file is <repository>/Tests/LoadBalancerTests/ErrorPageLiveTests.swift.
        let repository = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        let pages = try ErrorPage.load(directory: repository + "/Public/errors")
        #expect(Set(pages.keys) == Set(ErrorPage.statuses))
        #expect(throws: ConfigurationError.self) { try ErrorPage.load(directory: repository + "/Tests") }
        // A layout with nowhere to put the pages is refused, not served as every page.
        var template = Array("/tmp/lb-pages-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer {
            unlink(directory + "/layout.html")
            rmdir(directory)
        }
        let file = try #require(fopen(directory + "/layout.html", "w"))
        fputs("<!doctype html><title>x</title>", file)
        fclose(file)
        #expect(throws: ConfigurationError("LB_ERROR_PAGES_DIR: \(directory)/layout.html has no {content} to put each page in")) {
            try ErrorPage.load(directory: directory)
        }

        let ports = [try await closedPort()]
        try await withBalancer([], configure: { configuration in
            configuration.backends = ports.map { BackendSpec(host: "127.0.0.1", port: $0) }
            configuration.errorPages = pages
        }) { _, port in
            let connection = try await TestConnection.connect(port: port)
            let response = try await connection.request(.POST, "/survey/household", body: [ByteBuffer(string: "age_band=B")])
            #expect(response.status == 502)
            #expect(response.text == pages[502])
            // The layout around the status's own text.
            #expect(response.text.hasPrefix("<!doctype html>\n<html lang=\"pt-BR\">"))
            #expect(response.text.contains("<title>Erro 502 · Error 502</title>"))
            #expect(response.text.contains("<main>\n<h1>Não foi possível atender agora</h1>"))
            #expect(response.text.contains("volte e envie de novo"))
            #expect(!response.text.contains("{content}") && !response.text.contains("{status}"))
            #expect(response.headers["content-type"] == ["text/html; charset=utf-8"])
            await connection.close()
        }
    }

    /// Every backend down by its checks and none answering when tried anyway (all of them really
    /// gone): the client is told to come back (503, `Retry-After`), not "bad gateway".
    @Test func backendsThatAreAllGoneGet503WithRetryAfter() async throws {
        let ports = [try await closedPort(), try await closedPort()]
        try await withBalancer([], configure: { configuration in
            configuration.backends = ports.map { BackendSpec(host: "127.0.0.1", port: $0) }
            Self.checkFast(&configuration)
        }) { balancer, port in
            #expect(await eventually { balancer.registry.snapshot().allSatisfy { !$0.up } })
            let connection = try await TestConnection.connect(port: port)
            Self.expectUnavailablePage(try await connection.request(.GET, "/"))
            await connection.close()
            #expect(balancer.registry.snapshot().allSatisfy { $0.stats.connectFailures >= 1 })  // both were tried
        }
    }

    /// Every backend failing its checks (most likely a server they all share is down): requests
    /// still go to them, so the client gets the app's own answer, not the balancer's 503 page;
    /// once one passes again, traffic goes only to it. The balancer's own 503 page is for when no
    /// backend may take a request at all (all drained here).
    @Test func whenEveryBackendFailsItsChecksRequestsStillReachThem() async throws {
        let upstreams = try await startUpstreams(2, behaviour: .status(503))
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { configuration in
                Self.checkFast(&configuration)
            }) { balancer, port in
                #expect(await eventually { balancer.registry.snapshot().allSatisfy { !$0.up } })
                let connection = try await TestConnection.connect(port: port)
                let response = try await connection.request(.GET, "/")
                #expect(response.status == 503)
                #expect(response.text == "status 503")  // the backend's answer
                #expect(upstreams.map(\.proxiedCount).reduce(0, +) == 1)
                // A backend whose checks pass again comes back (rise = 2), and takes every request.
                upstreams[0].behaviour = .normal
                #expect(await eventually { balancer.snapshot(upstreams[0].address)?.up == true })
                let before = upstreams[1].proxiedCount
                for _ in 0..<4 { #expect(try await connection.request(.GET, "/").status == 200) }
                #expect(upstreams[1].proxiedCount == before)
                // Nothing may take a request: the balancer's own page.
                for upstream in upstreams { _ = balancer.registry.setDrained(upstream.address, true) }
                Self.expectUnavailablePage(try await connection.request(.GET, "/"))
                await connection.close()
            }
        }
    }

    @Test func aBackendThatDoesNotAnswerGets504() async throws {
        let upstreams = try await startUpstreams(1, behaviour: .hang)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.upstream.responseTimeout = .milliseconds(300) }) { balancer, port in
                let connection = try await TestConnection.connect(port: port)
                let response = try await connection.request(.GET, "/")
                #expect(response.status == 504)
                #expect(response.text.contains("Gateway timeout"))
                await connection.close()
                #expect(balancer.snapshot(upstreams[0].address)?.stats.timeouts == 1)
            }
        }
    }

    @Test func a413IsReadByAClientStillSendingItsBody() async throws {
        let upstreams = try await startUpstreams(1)
        try await stopping(upstreams) {
            try await withBalancer(upstreams, configure: { $0.client.maxBodyBytes = 1000 }) { _, port in
                let raw = try await RawConnection.connect(port: port)
                try await raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n")
                // The client keeps sending after the answer: the balancer reads and drops it, then closes.
                for _ in 0..<20 {
                    guard raw.isOpen else { break }
                    try? await raw.send(String(repeating: "z", count: 10_000))
                }
                try await raw.waitForClose()
                #expect(raw.received().hasPrefix("HTTP/1.1 413 Payload Too Large"))
                #expect(upstreams[0].requestCount == 0)
            }
        }
    }

    /// Active checks of `/readyz` every 100 ms, so a test sees a backend go down within a second.
    private static func checkFast(_ configuration: inout LoadBalancerConfiguration) {
        configuration.health.path = "/readyz"
        configuration.health.interval = .milliseconds(100)
    }

    /// The balancer's own 503 page, telling the client to come back.
    private static func expectUnavailablePage(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == 503, sourceLocation: sourceLocation)
        #expect(response.headers["retry-after"] == ["5"], sourceLocation: sourceLocation)
        #expect(response.text.contains("temporarily unavailable"), sourceLocation: sourceLocation)
    }
}
