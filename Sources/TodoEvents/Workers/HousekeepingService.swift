import Foundation
import Logging
import ServiceLifecycle
import TodoCore
import TodoStore

/// Runs `Housekeeping.sweep` once an hour (and once shortly after start).
public struct HousekeepingService: Service {
    let housekeeping: Housekeeping
    let logger: Logger
    let interval: Duration

    public init(
        db: any SQLDatabase, logger: Logger, eventRetention: Duration = .days(7), requirePublished: Bool = false,
        interval: Duration = .seconds(3600)
    ) {
        housekeeping = Housekeeping(db: db, eventRetention: eventRetention, requirePublished: requirePublished)
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await sleepUnlessShuttingDown(for: .seconds(5))
        await pollUntilShutdown("housekeeping", logger: logger, idle: interval) {
            let removed = try await housekeeping.sweep()
            if removed > 0 { logger.info("Housekeeping removed expired rows", metadata: ["rows": "\(removed)"]) }
            return removed
        }
    }
}
