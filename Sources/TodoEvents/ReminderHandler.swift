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

    public func handle(_ event: ConsumedEvent, conn: any SQLConnection, dialect: SQLDialect) async throws {
        try await handle(batch: [event], conn: conn, dialect: dialect)
    }

    /// The events' in-app notifications in one statement and their email deliveries in another.
    public func handle(batch events: [ConsumedEvent], conn: any SQLConnection, dialect: SQLDialect) async throws {
        let now = Date().truncatedToMillis
        var inApp: [NotificationStore.DueReminder] = []
        var email: [NotificationStore.DueReminder] = []
        for event in events where event.type == "reminder.due" {
            let data = event.data
            guard let reminderID = data["reminder_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
                let userID = data["user_id"]?.stringValue.flatMap(UUID.init(uuidString:))
            else { throw PermanentFailure("reminder.due without reminder_id or user_id") }
            guard case .array(let names)? = data["channels"] else { throw PermanentFailure("reminder.due without channels") }
            let channels = Set(names.compactMap { $0.stringValue.flatMap(ReminderChannel.init(rawValue:)) })
            let reminder = NotificationStore.DueReminder(reminderID: reminderID, userID: userID, event: event.cloudEvent)
            if channels.contains(.inApp) { inApp.append(reminder) }
            if channels.contains(.email) {
                if emailEnabled {
                    email.append(reminder)
                } else {
                    logger.warning(
                        "Email reminder not sent: the email channel is off (SMTP_HOST is not set)", metadata: ["reminder_id": .string(reminderID.lowercased)])
                }
            }
        }
        try await NotificationStore.recordInApp(inApp, now: now, conn: conn)
        try await NotificationStore.queueDeliveries(email, channel: .email, now: now, conn: conn)
        for reminder in inApp {
            Self.inAppSent.increment()
            if let remindAt = reminder.data["remind_at"]?.stringValue.flatMap(Timestamp.parse) {
                Self.inAppLatency.recordNanoseconds(Int64(max(0, now.timeIntervalSince(remindAt)) * 1e9))
            }
        }
    }
}
