import Foundation

/// A person's webhook endpoint: where task events are POSTed, signed (Standard Webhooks).
public struct Webhook: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var url: String
    public var description: String
    /// The task event types it receives (`task.created`, …); empty: all of them.
    public var eventTypes: [TaskEventType]
    public var enabled: Bool
    /// Why it was turned off (`failing`: deliveries failed for `WebhookPolicy.disableAfter`).
    public var disabledReason: String?
    /// Since when every delivery has failed (nil: the last one succeeded).
    public var failingSince: Date?
    /// During a secret rotation, until when deliveries are signed with the previous secret too.
    public var previousSecretUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, userID: UUID, url: String, description: String = "", eventTypes: [TaskEventType] = [], enabled: Bool = true,
        disabledReason: String? = nil, failingSince: Date? = nil, previousSecretUntil: Date? = nil, createdAt: Date, updatedAt: Date
    ) {
        (self.id, self.userID, self.url, self.description, self.eventTypes, self.enabled) = (id, userID, url, description, eventTypes, enabled)
        (self.disabledReason, self.failingSince, self.previousSecretUntil) = (disabledReason, failingSince, previousSecretUntil)
        (self.createdAt, self.updatedAt) = (createdAt, updatedAt)
    }

    public func receives(_ type: TaskEventType) -> Bool { eventTypes.isEmpty || eventTypes.contains(type) }
}

/// What happened to one delivery of one event to one endpoint.
public enum WebhookDeliveryState: String, Sendable {
    /// Waiting for its time (first attempt, or a retry), or for an earlier delivery of the same task.
    case pending
    /// Claimed by a worker (until its lease ends).
    case sending
    /// The endpoint answered 2xx.
    case delivered
    /// Given up: out of attempts, the endpoint refused for good, or it is disabled.
    case failed
}

/// One delivery, as the log shows it.
public struct WebhookDelivery: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var webhookID: UUID
    public var eventID: UUID
    public var eventType: String
    /// Deliveries of one key (the task) are sent in the order their events were written.
    public var orderKey: String
    /// The body sent: the event's CloudEvent document.
    public var payload: String
    public var state: WebhookDeliveryState
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastStatus: Int?
    public var lastError: String?
    /// The first bytes of the endpoint's last answer (never more is kept).
    public var responsePrefix: String?
    public var durationMs: Int?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(
        id: UUID, webhookID: UUID, eventID: UUID, eventType: String, orderKey: String, payload: String, state: WebhookDeliveryState,
        attempts: Int, nextAttemptAt: Date, lastStatus: Int? = nil, lastError: String? = nil, responsePrefix: String? = nil,
        durationMs: Int? = nil, createdAt: Date, deliveredAt: Date? = nil
    ) {
        (self.id, self.webhookID, self.eventID, self.eventType, self.orderKey, self.payload) = (id, webhookID, eventID, eventType, orderKey, payload)
        (self.state, self.attempts, self.nextAttemptAt, self.lastStatus, self.lastError) = (state, attempts, nextAttemptAt, lastStatus, lastError)
        (self.responsePrefix, self.durationMs, self.createdAt, self.deliveredAt) = (responsePrefix, durationMs, createdAt, deliveredAt)
    }
}

/// How deliveries are retried and when an endpoint is turned off.
public enum WebhookPolicy {
    /// The waits after each failed attempt (then it is given up): 5 s, 30 s, 2 min, 10 min, 30 min,
    /// 1 h, 3 h, 6 h — about 11 hours of trying, as Standard Webhooks suggests.
    public static let backoff: [Duration] = [.seconds(5), .seconds(30), .minutes(2), .minutes(10), .minutes(30), .hours(1), .hours(3), .hours(6)]
    /// An endpoint every delivery has failed for this long is turned off (its owner is notified).
    public static let disableAfter: Duration = .hours(24)
    /// A request gets this long, connecting included.
    public static let timeout: Duration = .seconds(10)
    /// At most this much of an answer is kept.
    public static let responsePrefix = 256
    /// A rotated secret keeps signing alongside the new one for this long.
    public static let rotationOverlap: Duration = .hours(24)
}
