import Foundation
import Logging
import Metrics
import TodoCore
import TodoStore

/// The notification-service's handler (group `notification-service`, topic `reminders`): for a
/// `reminder.due`, stores the in-app notification and queues the email delivery — each under a
/// unique key per (reminder, channel), in the consumer's transaction, so a redelivery or a replay
/// of the topic sends nothing twice. The email itself is sent by `EmailDeliveryService`, whose
/// retries never hold up this partition.
public struct ReminderHandler: BatchEventHandler {
    public static let group = "notification-service"
    let emailEnabled: Bool
    let logger: Logger

    static let inAppSent = Counter(label: "reminders_sent_total", dimensions: [("channel", "in_app")])
    static let inAppLatency = Metrics.Timer(label: "reminder_delivery_latency_seconds", dimensions: [("channel", "in_app")])

    public init(emailEnabled: Bool, logger: Logger) {
        self.emailEnabled = emailEnabled
        self.logger = logger
        _ = (Self.inAppSent, Self.inAppLatency)  // exported at 0 from the start, not from the first reminder
    }

    public func handle(_ event: DomainEvent, received: ConsumedEvent, conn: any SQLConnection) async throws {
        guard case .reminderDue(let reminder) = event else { return }
        try await record([NotificationStore.DueReminder(reminder, event: received.cloudEvent)], conn: conn)
    }

    /// The events' in-app notifications in one statement and their email deliveries in another.
    public func handle(batch events: [ConsumedEvent], conn: any SQLConnection) async throws {
        var due: [NotificationStore.DueReminder] = []
        for event in events {
            guard case .reminderDue(let reminder) = try event.decoded.get() else { continue }
            due.append(NotificationStore.DueReminder(reminder, event: event.cloudEvent))
        }
        try await record(due, conn: conn)
    }

    func record(_ reminders: [NotificationStore.DueReminder], conn: any SQLConnection) async throws {
        let now = Date().truncatedToMillis
        let inApp = reminders.filter { $0.reminder.channels.contains(.inApp) }
        var email: [NotificationStore.DueReminder] = []
        for due in reminders where due.reminder.channels.contains(.email) {
            if emailEnabled {
                email.append(due)
            } else {
                logger.warning(
                    "Email reminder not sent: the email channel is off (SMTP_HOST is not set)",
                    metadata: ["reminder_id": .string(due.reminder.reminderID.lowercased)])
            }
        }
        try await NotificationStore.recordInApp(inApp, now: now, conn: conn)
        try await NotificationStore.queueDeliveries(email, channel: .email, now: now, conn: conn)
        for due in inApp {
            Self.inAppSent.increment()
            Self.inAppLatency.recordNanoseconds(Int64(max(0, now.timeIntervalSince(due.reminder.remindAt)) * 1e9))
        }
    }
}
