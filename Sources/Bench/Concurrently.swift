/// Splits `total` operations over `workers` concurrent tasks and returns operations per second.
/// Each task calls `operation` with its own running index; with `executor`, each task prefers
/// the executor it returns.
func operationsPerSecond(
    total: Int, workers: Int, executor: (() -> any TaskExecutor)? = nil,
    _ operation: @escaping @Sendable (Int) async throws -> Void
) async throws -> Double {
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<workers {
            let share = total / workers + (worker < total % workers ? 1 : 0)
            group.addTask(executorPreference: executor?()) {
                for n in 0..<share { try await operation(n) }
            }
        }
        try await group.waitForAll()
    }
    return Double(total) / (ContinuousClock.now - start).seconds
}
