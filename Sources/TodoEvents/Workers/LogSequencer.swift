import Foundation
import Logging
import ServiceLifecycle
import TodoStore

/// Gives committed outbox events their log offsets (see `EventLog.sequence`). Runs in every
/// process that writes events; on PostgreSQL an advisory lock lets one of them work at a time.
/// It works through a backlog at once, is woken when events are appended (NOTIFY on PostgreSQL,
/// in-process on SQLite), and otherwise checks every `idle` interval.
public struct LogSequencer: Service {
    let log: EventLog
    let wakeup: Wakeup
    let logger: Logger
    let idle: Duration

    public init(db: any SQLDatabase, logger: Logger, idle: Duration = .seconds(1)) {
        log = EventLog(db: db)
        wakeup = db.signals[.outbox]
        self.logger = logger
        self.idle = idle
    }

    public func run() async throws {
        await pollUntilShutdown("event sequencing", logger: logger, idle: idle, wakeup: wakeup) { try await log.sequence() }
    }
}
