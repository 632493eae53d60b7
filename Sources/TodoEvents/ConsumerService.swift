import Foundation
import Logging
import ServiceLifecycle

/// Runs a consumer until shutdown: drains what is available, then waits `idle` (or one second
/// after a failure, e.g. while the database is away) and looks again.
public struct ConsumerService: Service {
    let consumer: Consumer
    let logger: Logger
    let idle: Duration

    public init(consumer: Consumer, logger: Logger, idle: Duration = .milliseconds(50)) {
        self.consumer = consumer
        self.logger = logger
        self.idle = idle
    }

    public func run() async throws {
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let n = try await consumer.drain()
                if failing { logger.info("Consumer resumed", metadata: ["group": .string(consumer.group)]) }
                failing = false
                if n > 0 { continue }
            } catch {
                if !failing { logger.error("Consumer failed; retrying", metadata: ["group": .string(consumer.group), "error": "\(error)"]) }
                failing = true
            }
            await sleepUnlessShuttingDown(for: failing ? .seconds(1) : idle)
        }
    }
}
