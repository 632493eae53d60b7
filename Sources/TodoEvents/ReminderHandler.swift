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
public struct ReminderHandler: EventHandler {
    public static let group = "notification-service"
    let emailEnabled: Bool
    let logger: Logger

    static let inAppSent = Counter(label: "reminders_sent_total", dimensions: [("channel", "in_app")])
    static let inAppLatency = Metrics.Timer(label: "reminder_delivery_latency_seconds", dimensions: [("channel", "in_app")])

    public init(emailEnabled: Bool, logger: Logger) {
        self.emailEnabled = emailEnabled
        self.logger = logger
    }

    public func handle(_ event: ConsumedEvent, conn: any SQLConnection, dialect: SQLDialect) async throws {
        guard event.type == "reminder.due" else { return }
        let data = event.data
        guard let reminderID = data["reminder_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
            let userID = data["user_id"]?.stringValue.flatMap(UUID.init(uuidString:))
        else { throw PermanentFailure("reminder.due without reminder_id or user_id") }
        guard case .array(let names)? = data["channels"] else { throw PermanentFailure("reminder.due without channels") }
        let channels = Set(names.compactMap { $0.stringValue.flatMap(ReminderChannel.init(rawValue:)) })
        let now = Date().truncatedToMillis
        if channels.contains(.inApp) {
            try await NotificationStore.recordInApp(data, reminderID: reminderID, userID: userID, now: now, conn: conn)
            Self.inAppSent.increment()
            if let remindAt = data["remind_at"]?.stringValue.flatMap(Timestamp.parse) {
                Self.inAppLatency.recordNanoseconds(Int64(max(0, now.timeIntervalSince(remindAt)) * 1e9))
            }
        }
        if channels.contains(.email) {
            if emailEnabled {
                try await NotificationStore.queueDelivery(
                    reminderID: reminderID, channel: .email, userID: userID, event: event.cloudEvent.serialized(), now: now, conn: conn)
            } else {
                logger.warning("Email reminder not sent: the email channel is off (SMTP_HOST is not set)", metadata: ["reminder_id": .string(reminderID.lowercased)])
            }
        }
    }
}
