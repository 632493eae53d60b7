import Foundation
import Logging
import ServiceLifecycle
import TodoStore

/// Fires reminders on time (in `todo backend` and `todo serve`): sleeps until the earliest
/// pending reminder and is woken early when reminders change (the `reminders` signal: NOTIFY on
/// PostgreSQL, in-process on SQLite), so its precision is the sleep's, not a polling interval.
/// Several replicas may run it; each reminder fires once (see `ReminderStore.fireDue`).
public struct ReminderScheduler: Service {
    let store: ReminderStore
    let wakeup: Wakeup
    let catchUp: Duration
    let logger: Logger
    /// The longest sleep (a reminder written by a process that cannot signal us, or a lost
    /// LISTEN connection, is found within this).
    let longestSleep: Duration

    public init(db: any SQLDatabase, catchUp: Duration, logger: Logger, longestSleep: Duration = .seconds(30)) {
        store = ReminderStore(db: db)
        wakeup = db.signals[.reminders]
        self.catchUp = catchUp
        self.logger = logger
        self.longestSleep = longestSleep
    }

    public func run() async throws {
        let (store, catchUp, logger) = (self.store, self.catchUp, self.logger)
        await runUntilShutdown(
            "reminder scheduler", logger: logger, wakeup: wakeup, longestSleep: longestSleep,
            work: {
                let result = try await store.fireDue(catchUp: catchUp)
                if result.missed > 0 {
                    logger.warning(
                        "Reminders missed while the scheduler was down were recorded, not sent",
                        metadata: ["missed": "\(result.missed)", "catch_up_seconds": "\(catchUp.components.seconds)"])
                }
                return result.total
            },
            nextDue: { try await store.nextDue() })
    }
}
