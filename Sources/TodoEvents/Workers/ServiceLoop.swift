import Foundation
import Logging
import ServiceLifecycle
import TodoCore
import TodoStore

/// The loop of a polling service: runs `work` until graceful shutdown — again at once while it
/// finds something to do (it returns how much it did), otherwise when `wakeup` is signalled or
/// after `idle` (a fallback when signals are lost). See `runUntilShutdown`.
public func pollUntilShutdown(_ what: String, logger: Logger, idle: Duration, wakeup: Wakeup? = nil, _ work: () async throws -> Int) async {
    await runUntilShutdown(what, logger: logger, wakeup: wakeup ?? Wakeup(), longestSleep: idle, work: work, nextDue: { nil })
}

/// The one loop of every background service (sequencer, consumers, relay, housekeeping, reminder
/// scheduler, email worker): runs `work` again at once while it finds something to do; otherwise
/// sleeps until `nextDue` (a reminder's time, a retry's time), `wakeup` is signalled, or
/// `longestSleep` passes — whichever is first. After a failure it backs off exponentially with
/// jitter (250 ms doubling to 10 s) while the failures last, so a database, sidecar or broker
/// outage is not hammered; the failure is logged once per outage (an ERROR, but nothing for the
/// database being unavailable: the database logs that outage itself, once), and the recovery
/// too. It stops at once when graceful shutdown begins.
public func runUntilShutdown(
    _ what: String, logger: Logger, wakeup: Wakeup, longestSleep: Duration, work: () async throws -> Int,
    nextDue: () async throws -> Date?
) async {
    var failures = 0
    var reported = false
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        let seen = wakeup.generation
        do {
            let done = try await work()
            if reported { logger.info("Work resumed", metadata: ["work": .string(what), "failures": "\(failures)"]) }
            failures = 0
            reported = false
            if done > 0 { continue }
            var sleep = longestSleep
            if let next = try await nextDue() {
                // Due now but taken by another replica (SKIP LOCKED): look again shortly.
                sleep = min(sleep, max(.milliseconds(5), .between(Date(), next)))
            }
            await wakeup.wait(since: seen, timeout: sleep)
        } catch {
            if !reported && !isTransientDatabaseFailure(error) {
                logger.error("Work failed; retrying with backoff", metadata: ["work": .string(what), "error": "\(error)"])
                reported = true
            }
            failures += 1
            await sleepUnlessShuttingDown(for: RetryPolicy.serviceLoop.delay(afterAttempt: failures))
        }
    }
}
