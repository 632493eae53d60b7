import Foundation

/// An in-app notification.
public struct AppNotification: Sendable, Equatable, Identifiable {
    public var id: UUID
    /// Its position in the person's stream (the SSE event id; `Last-Event-ID` resumes after it).
    public var seq: Int
    public var reminderID: UUID?
    public var taskID: UUID?
    public var title: String
    public var body: String
    public var createdAt: Date
    public var readAt: Date?

    public init(id: UUID, seq: Int, reminderID: UUID?, taskID: UUID?, title: String, body: String, createdAt: Date, readAt: Date?) {
        self.id = id
        self.seq = seq
        self.reminderID = reminderID
        self.taskID = taskID
        self.title = title
        self.body = body
        self.createdAt = createdAt
        self.readAt = readAt
    }

    public var json: JSONValue {
        .object([
            ("id", .string(id.lowercased)), ("seq", .int(Int64(seq))),
            ("reminder_id", reminderID.map { .string($0.lowercased) } ?? .null), ("task_id", taskID.map { .string($0.lowercased) } ?? .null),
            ("title", .string(title)), ("body", .string(body)), ("read", .bool(readAt != nil)),
            ("created_at", .string(Timestamp.millis(createdAt))), ("read_at", readAt.map { .string(Timestamp.millis($0)) } ?? .null),
        ])
    }
}

/// The words of a reminder, from its `reminder.due` event data — the same for the in-app
/// notification and the email. Times are shown in the person's time zone.
public enum ReminderText {
    public static func title(_ reminder: ReminderDue) -> String {
        "Reminder: " + reminder.title
    }

    /// "Due Tuesday, 1 December 2026 at 09:00 (Europe/Berlin)." or "Due Tuesday, 1 December 2026."
    public static func body(_ reminder: ReminderDue) -> String {
        let zone = reminder.timeZone.zone
        if case .allDay(let day)? = reminder.due {
            return "Due \(longDate(day))."
        }
        if let at = reminder.dueAt {
            let local = Zones.local(at: at, in: zone)
            return "Due \(longDate(local.date)) at \(pad(local.hour)):\(pad(local.minute)) (\(reminder.timeZone))."
        }
        return "No due date."
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    static func longDate(_ d: LocalDate) -> String {
        "\(d.weekday.name), \(d.day) \(months[d.month - 1]) \(d.year)"
    }
}
