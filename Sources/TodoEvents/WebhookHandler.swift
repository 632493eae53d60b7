import Foundation
import Logging
import TodoCore
import TodoStore

/// The `webhooks` consumer group on `task-events`: queues a delivery per endpoint that receives
/// the event (`WebhookStore.enqueue`), in the consumer's transaction — so exactly once per
/// (endpoint, event), however often the event is delivered or replayed. Sending is the delivery
/// worker's (no network call holds the consumer's transaction).
public struct WebhookHandler: EventHandler {
    public static let group = "webhooks"
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func handle(_ event: DomainEvent, received: ConsumedEvent, conn: any SQLConnection) async throws {
        guard case .task(let e) = event else { return }
        try await WebhookStore.enqueue(
            e, eventID: received.id, offset: received.offset, document: received.cloudEvent, now: Date().truncatedToMillis, conn: conn)
    }
}
