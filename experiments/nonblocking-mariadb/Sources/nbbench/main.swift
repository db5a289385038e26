import Foundation
import NBMariaDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// MARK: helpers (CPUTime and ReferenceTool as in /work/main/Sources/Bench)

func cpu(_ who: Int32) -> Double {
    var usage = rusage()
    getrusage(who, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
func cpuSelf() -> Double { cpu(RUSAGE_SELF.rawValue) }
func cpuChildren() -> Double { cpu(RUSAGE_CHILDREN.rawValue) }

extension Duration {
    var seconds: Double { let (s, a) = components; return Double(s) + Double(a) / 1e18 }
}

func slapInsert(_ c: NBConfiguration, count: Int, concurrency: Int) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/mariadb-slap")
    process.arguments = ["--no-defaults", "--protocol=tcp", "--host=\(c.host)", "--port=\(c.port)",
                         "--user=\(c.user)", "--password=\(c.password)",
                         "--concurrency=\(concurrency)", "--number-of-queries=\(count)", "--iterations=1",
                         "--create-schema=bench_slap",
                         "--create=CREATE TABLE bench_insert (id INT AUTO_INCREMENT PRIMARY KEY, n INT, s VARCHAR(64))",
                         "--query=INSERT INTO bench_insert (n, s) VALUES (1, 'abcdefghij')"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0,
          let line = output.split(separator: "\n").first(where: { $0.contains("Average number of seconds") }),
          let seconds = line.split(separator: ":").last.flatMap({ Double($0.replacingOccurrences(of: "seconds", with: "").trimmingCharacters(in: .whitespaces)) })
    else { throw NBError(code: 0, message: "unexpected mariadb-slap output: \(output.prefix(300))") }
    return Double(count) / seconds
}

/// Splits `total` operations over `workers` tasks (optionally preferring a reactor as task executor).
func operationsPerSecond(total: Int, workers: Int, executor: (Int) -> Reactor?,
                         _ operation: @escaping @Sendable (Int, Int) async throws -> Void) async throws -> Double {
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<workers {
            let share = total / workers + (worker < total % workers ? 1 : 0)
            let body: @Sendable () async throws -> Void = { for n in 0..<share { try await operation(worker, n) } }
            if let reactor = executor(worker) {
                group.addTask(executorPreference: reactor, operation: body)
            } else {
                group.addTask(operation: body)
            }
        }
        try await group.waitForAll()
    }
    return Double(total) / (ContinuousClock.now - start).seconds
}

// MARK: main

guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], let config = NBConfiguration(url: url) else {
    fatalError("set DATABASE_URL=mariadb://user:password@host:port/db")
}
let arguments = CommandLine.arguments
let inserts = arguments.count > 1 ? Int(arguments[1])! : 40_000
let concurrency = 16

let reactors = [Reactor(), Reactor()]

if arguments.contains("--timeout-test") {
    var c = config
    c.ioTimeoutSeconds = 1
    let conn = NBConnection(reactor: reactors[0])
    try await conn.connect(c)
    let start = ContinuousClock.now
    do {
        _ = try await conn.queryInts("SELECT SLEEP(3)")
        print("timeout test: no error after \(ContinuousClock.now - start)")
    } catch {
        print("timeout test: \(error) after \(ContinuousClock.now - start)")
    }
    exit(0)
}

if arguments.contains("--reconnect-test") {
    // The server kills a connection; the next statement fails; close + connect again on the same actor.
    let a = NBConnection(reactor: reactors[0]), killer = NBConnection(reactor: reactors[0])
    try await a.connect(config)
    try await killer.connect(config)
    let id = try await a.queryInts("SELECT CONNECTION_ID()")[0]
    print("reconnect test: connection id \(id), socket \(await a.socketFD)")
    try await killer.execute("KILL \(id)")
    do { _ = try await a.queryInts("SELECT 1"); print("  after KILL: no error?") } catch { print("  after KILL: \(error)") }
    await a.close()
    try await a.connect(config)
    let id2 = try await a.queryInts("SELECT CONNECTION_ID()")[0]
    print("  reconnected: connection id \(id2), socket \(await a.socketFD), SELECT 1 -> \(try await a.queryInts("SELECT 1"))")
    exit(0)
}

let setup = NBConnection(reactor: reactors[0])
try await setup.connect(config)
try await setup.execute("DROP TABLE IF EXISTS bench_insert")
try await setup.execute("CREATE TABLE bench_insert (id INT AUTO_INCREMENT PRIMARY KEY, n INT, s VARCHAR(64))")

let insertSQL = "INSERT INTO bench_insert (n, s) VALUES (?, ?)"

struct Mode: Sendable {
    let name: String
    let pools: [NBPool]          // worker w uses pools[w % pools.count]
    let executor: @Sendable (Int) -> Reactor?
    let reactors: [Reactor]
}

let onePool = try await NBPool.connect(config, size: concurrency, reactors: [reactors[0]])
let spreadPool = try await NBPool.connect(config, size: concurrency, reactors: reactors)
let perReactor = [0, 1].map { r in NBPool(connections: spreadPool.connections.enumerated().filter { $0.offset % 2 == r }.map(\.element)) }

let modes = [
    Mode(name: "1 reactor, callers on global pool", pools: [onePool], executor: { _ in nil }, reactors: [reactors[0]]),
    Mode(name: "1 reactor, callers on reactor", pools: [onePool], executor: { _ in reactors[0] }, reactors: [reactors[0]]),
    Mode(name: "2 reactors, callers on global pool", pools: [spreadPool], executor: { _ in nil }, reactors: reactors),
    Mode(name: "2 reactors, callers on own reactor", pools: perReactor, executor: { reactors[$0 % 2] }, reactors: reactors),
]

func runOurs(_ mode: Mode, count: Int) async throws -> Double {
    try await operationsPerSecond(total: count, workers: concurrency, executor: mode.executor) { worker, n in
        try await mode.pools[worker % mode.pools.count].execute(insertSQL, [.int(n), .string("abcdefghij")])
    }
}

print("MariaDB: \(inserts) single-row autocommit INSERTs at concurrency \(concurrency), non-blocking libmariadb + epoll reactor")
for mode in modes { _ = try await runOurs(mode, count: concurrency * 50) }  // warm up (prepares statements)

if let only = arguments.first(where: { $0.hasPrefix("--ours-only=") }).flatMap({ Int($0.dropFirst("--ours-only=".count)) }) {
    // One mode alone, no mariadb-slap (for profiling).
    let mode = modes[only - 1]
    let cpu0 = cpuSelf()
    let ips = try await runOurs(mode, count: inserts)
    print(String(format: "ours [%@]: %.0f/s, client CPU %.1f µs/INSERT", mode.name, ips, (cpuSelf() - cpu0) / Double(inserts) * 1e6))
    exit(0)
}

// Each mode is bracketed by mariadb-slap runs (slap, mode 1, slap, mode 2, ..., slap) and compared with
// the mean of its two neighbours, so that load from other processes on the machine hits both alike.
var slaps: [Double] = []
var slapCPUs: [Double] = []
@MainActor func slapOnce() throws {
    let c0 = cpuChildren()
    slaps.append(try slapInsert(config, count: inserts, concurrency: concurrency))
    slapCPUs.append((cpuChildren() - c0) / Double(inserts) * 1e6)
}
try slapOnce()
var results: [(String, Double, Double, Double, Double, Double)] = []
for mode in modes {
    let wakes0 = mode.reactors.reduce(0) { $0 + $1.wakeWrites.load(ordering: .relaxed) }
    let waits0 = mode.reactors.reduce(0) { $0 + $1.epollWaits.load(ordering: .relaxed) }
    let cpu0 = cpuSelf()
    let ips = try await runOurs(mode, count: inserts)
    let ownCPU = cpuSelf() - cpu0
    let wakes = mode.reactors.reduce(0) { $0 + $1.wakeWrites.load(ordering: .relaxed) } - wakes0
    let waits = mode.reactors.reduce(0) { $0 + $1.epollWaits.load(ordering: .relaxed) } - waits0
    try slapOnce()
    let reference = (slaps[slaps.count - 2] + slaps[slaps.count - 1]) / 2
    results.append((mode.name, ips, reference, ownCPU / Double(inserts) * 1e6, Double(wakes) / Double(inserts), Double(waits) / Double(inserts)))
}
let slapCPU = slapCPUs.reduce(0, +) / Double(slapCPUs.count)
let rows = try await setup.queryInts("SELECT COUNT(*) FROM bench_insert")[0]
let expected = concurrency * 50 * modes.count + inserts * modes.count
print("  mariadb-slap runs: \(slaps.map { String(format: "%.0f", $0) }.joined(separator: ", ")) /s; client CPU " + String(format: "%.1f µs/INSERT (mean)", slapCPU))
for (name, ips, reference, cpuPer, wakes, waits) in results {
    print(String(format: "  ours [%@]: %.0f/s  vs slap %.0f/s  ratio %.2f  client CPU %.1f µs/INSERT  eventfd wakes %.2f/INSERT  epoll_waits %.2f/INSERT",
                 name, ips, reference, ips / reference, cpuPer, wakes, waits))
}
print("  rows in bench_insert: \(rows) (expected \(expected))\(rows == expected ? "" : "  MISMATCH")")
await onePool.close()
await spreadPool.close()
await setup.close()
