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
/// after `idle` (a fallback when signals are lost), and after a second when it failed. A failure
/// is logged once per outage, and the recovery too.
public func pollUntilShutdown(_ what: String, logger: Logger, idle: Duration, wakeup: Wakeup? = nil, _ work: () async throws -> Int) async {
    var failing = false
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        let seen = wakeup?.generation ?? 0
        do {
            let done = try await work()
            if failing { logger.info("Work resumed", metadata: ["work": .string(what)]) }
            failing = false
            if done > 0 { continue }
        } catch {
            if !failing { logger.error("Work failed; retrying", metadata: ["work": .string(what), "error": "\(error)"]) }
            failing = true
        }
        if let wakeup, !failing {
            await wakeup.wait(since: seen, timeout: idle)
        } else {
            await sleepUnlessShuttingDown(for: failing ? .seconds(1) : idle)
        }
    }
}
