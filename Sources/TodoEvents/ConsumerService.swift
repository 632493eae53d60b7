import Foundation
import Logging
import ServiceLifecycle

/// Runs a consumer until shutdown: drains what is available, then waits `idle` (or one second
/// after a failure, e.g. while the database is away) and looks again (`pollUntilShutdown`).
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
        await pollUntilShutdown("consumer group \(consumer.group)", logger: logger, idle: idle) { try await consumer.drain() }
    }
}
