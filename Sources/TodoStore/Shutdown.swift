import Foundation
import Logging
import ServiceLifecycle

/// Sleeps for `duration`, returning early when graceful shutdown begins, so a service's loop sees
/// the shutdown at once instead of after its longest sleep (a pod would otherwise hang on
/// SIGTERM until it is killed).
public func sleepUnlessShuttingDown(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}

/// The loop of a polling service: runs `work` until graceful shutdown — again at once while it
/// finds something to do (it returns how much it did), otherwise when `wakeup` is signalled or
/// after `idle` (a fallback when signals are lost). After a failure it backs off exponentially
/// with jitter (250 ms doubling to 10 s) while the failures last — a database, sidecar or broker
/// outage is not hammered. A failure is logged once per outage, and the recovery too.
public func pollUntilShutdown(_ what: String, logger: Logger, idle: Duration, wakeup: Wakeup? = nil, _ work: () async throws -> Int) async {
    var failures = 0
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        let seen = wakeup?.generation ?? 0
        do {
            let done = try await work()
            if failures > 0 { logger.info("Work resumed", metadata: ["work": .string(what), "failures": "\(failures)"]) }
            failures = 0
            if done > 0 { continue }
        } catch {
            if failures == 0 { logger.error("Work failed; retrying with backoff", metadata: ["work": .string(what), "error": "\(error)"]) }
            failures += 1
        }
        if failures > 0 {
            await sleepUnlessShuttingDown(for: failureBackoff(failures))
        } else if let wakeup {
            await wakeup.wait(since: seen, timeout: idle)
        } else {
            await sleepUnlessShuttingDown(for: idle)
        }
    }
}

/// The pause after the n-th consecutive failure: 250 ms · 2ⁿ⁻¹ capped at 10 s, of which a random
/// 50–100 % (replicas that failed together do not retry together).
func failureBackoff(_ n: Int) -> Duration {
    let ceiling = min(10_000.0, 250.0 * pow(2, Double(min(n, 16) - 1)))
    return .milliseconds(Int(ceiling * Double.random(in: 0.5...1)))
}
