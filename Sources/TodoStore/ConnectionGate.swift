import Foundation
import Metrics
import Synchronization

/// No connection became free within the pool's wait limit (`DB_POOL_TIMEOUT`): the API answers
/// 503 with `Retry-After`; a background service backs off and tries again.
public struct PoolExhausted: Error, CustomStringConvertible {
    public let waited: Duration
    public var description: String { "no database connection became free within \(waited) (the pool is exhausted)" }
}

/// Admission to the PostgreSQL pool: at most `limit` connections leased at once, in arrival
/// order; a caller waits at most `timeout`, then gets `PoolExhausted` — a bounded wait instead of
/// postgres-nio's unbounded queue, so an exhausted pool sheds load rather than piling up requests.
/// Exports `db_pool_connections{state="in_use"|"waiting"}`, `db_pool_connections_max` and
/// `db_pool_wait_seconds` (time to get a connection), what `DatabaseConnectionPoolUsage` alerts on.
final class ConnectionGate: Sendable {
    private struct State {
        var inUse = 0
        var nextID = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []

        /// Takes a permit if one is free and nobody waits for it (arrival order).
        mutating func take(limit: Int) -> Bool {
            guard inUse < limit && waiters.isEmpty else { return false }
            inUse += 1
            return true
        }
    }

    let limit: Int
    let timeout: Duration
    private let state = Mutex(State())
    private let inUseGauge = Gauge(label: "db_pool_connections", dimensions: [("state", "in_use")])
    private let waitingGauge = Gauge(label: "db_pool_connections", dimensions: [("state", "waiting")])
    private let waitTimer = Metrics.Timer(label: "db_pool_wait_seconds")

    init(limit: Int, timeout: Duration) {
        self.limit = max(1, limit)
        self.timeout = timeout
        Gauge(label: "db_pool_connections_max").record(self.limit)
        inUseGauge.record(0)
        waitingGauge.record(0)
    }

    /// Runs `body` holding one of the `limit` permits.
    func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    func acquire() async throws {
        let started = ContinuousClock.now
        let (granted, id, inUse) = state.withLock { s -> (Bool, Int, Int) in
            if s.take(limit: limit) { return (true, 0, s.inUse) }
            s.nextID += 1
            return (false, s.nextID, s.inUse)
        }
        if granted {
            inUseGauge.record(inUse)
            waitTimer.recordNanoseconds(0)
            return
        }
        // The wait's deadline is a `Deadline`, cancelled when the permit comes: a sleeping task
        // per waiter (with a copy of the request's task-locals) lived out the full timeout even
        // when the permit came at once, and under load those tasks were the largest share of the
        // process's memory (26 MB at 4,000 requests/s).
        var expiry: Deadline?
        defer { expiry?.cancel() }
        let ok = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let freedMeanwhile = state.withLock { s in
                if s.take(limit: limit) { return true }
                s.waiters.append((id, c))
                return false
            }
            if freedMeanwhile {
                c.resume(returning: true)
                return
            }
            waitingGauge.record(state.withLock { $0.waiters.count })
            expiry = Deadline(after: timeout) { [weak self] in
                guard let self else { return }
                let expired = self.state.withLock { s -> CheckedContinuation<Bool, Never>? in
                    guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return s.waiters.remove(at: i).continuation
                }
                expired?.resume(returning: false)
            }
        }
        let waited = ContinuousClock.now - started
        waitTimer.recordNanoseconds(waited.nanoseconds)
        waitingGauge.record(state.withLock { $0.waiters.count })
        guard ok else { throw PoolExhausted(waited: timeout) }
        inUseGauge.record(state.withLock { $0.inUse })
    }

    /// Hands the permit to the longest waiter, or returns it.
    func release() {
        let (next, inUse) = state.withLock { s -> (CheckedContinuation<Bool, Never>?, Int) in
            if !s.waiters.isEmpty { return (s.waiters.removeFirst().continuation, s.inUse) }
            s.inUse -= 1
            return (nil, s.inUse)
        }
        if let next { next.resume(returning: true) } else { inUseGauge.record(inUse) }
    }

    var inUse: Int { state.withLock { $0.inUse } }
}
