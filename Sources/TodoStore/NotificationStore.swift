import Foundation
import TodoCore

/// In-app notifications and the delivery queue of the notification-service.
public struct NotificationStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    // MARK: - Written by the notification-service's handler (in the consumer's transaction)

    /// A reminder as the notification-service writes it: its in-app notification, its email
    /// delivery.
    public struct DueReminder: Sendable {
        public var reminder: ReminderDue
        /// The `reminder.due` CloudEvent, as consumed (the email delivery keeps it whole: a
        /// delivery given up is dead-lettered with its original).
        public var event: JSONValue

        public init(_ reminder: ReminderDue, event: JSONValue) {
            self.reminder = reminder
            self.event = event
        }
    }

    /// The in-app notifications of reminders, in one statement; nothing for one that exists
    /// already (a redelivery). Returns how many were new.
    @discardableResult
    public static func recordInApp(_ reminders: [DueReminder], now: Date, conn: any SQLConnection) async throws -> Int {
        guard !reminders.isEmpty else { return 0 }
        let rows = reminders.map { r -> SQLQuery in
            let due = r.reminder
            return
                "(\(UUID.v7(at: now)), \(due.userID), \(due.reminderID), \(due.taskID), \(ReminderText.title(due)), \(ReminderText.body(due)), \(now))"
        }
        let inserted = try await conn.query(
            """
            INSERT INTO notifications (id, user_id, reminder_id, task_id, title, body, created_at)
            VALUES \(SQLQuery(rows, separator: ", ")) ON CONFLICT (reminder_id) DO NOTHING RETURNING id
            """)
        if !inserted.isEmpty { try await conn.notify(.notifications) }
        return inserted.count
    }

    /// Queues the deliveries of reminders on a channel, in one statement; nothing for a
    /// (reminder, channel) that has one (exactly once, whatever is redelivered or replayed).
    /// Returns how many were new.
    @discardableResult
    public static func queueDeliveries(_ reminders: [DueReminder], channel: ReminderChannel, now: Date, conn: any SQLConnection) async throws -> Int {
        guard !reminders.isEmpty else { return 0 }
        let rows = reminders.map { r -> SQLQuery in
            "(\(UUID.v7(at: now)), \(r.reminder.reminderID), \(channel.rawValue), \(r.reminder.userID), \(r.event.serialized()), \(now), \(now))"
        }
        let inserted = try await conn.query(
            """
            INSERT INTO deliveries (id, reminder_id, channel, user_id, event, next_attempt_at, created_at)
            VALUES \(SQLQuery(rows, separator: ", ")) ON CONFLICT (reminder_id, channel) DO NOTHING RETURNING id
            """)
        if !inserted.isEmpty { try await conn.notify(.deliveries) }
        return inserted.count
    }

    // MARK: - In-app API

    static let columns = "id, seq, reminder_id, task_id, title, body, created_at, read_at"

    static func notification(_ row: SQLRow) throws -> AppNotification {
        AppNotification(
            id: try row.uuid("id"), seq: try row.int("seq"), reminderID: row.optionalUUID("reminder_id"), taskID: row.optionalUUID("task_id"),
            title: try row.string("title"), body: try row.string("body"), createdAt: try row.date("created_at"), readAt: row.optionalDate("read_at"))
    }

    /// Newest first; `before` (a `seq`) pages back; `unreadOnly` leaves out what was read.
    public func list(userID: UUID, unreadOnly: Bool, before: Int?, limit: Int) async throws -> [AppNotification] {
        var filters: [SQLQuery] = ["user_id = \(userID)"]
        if unreadOnly { filters.append("read_at IS NULL") }
        if let before { filters.append("seq < \(before)") }
        let query: SQLQuery = """
            SELECT \(raw: Self.columns) FROM notifications WHERE \(SQLQuery(filters, separator: " AND ")) ORDER BY seq DESC LIMIT \(limit)
            """
        return try await db.read { conn in try await conn.query(query).map(Self.notification) }
    }

    /// Oldest first, after `seq` (what a live stream sends, and what it resends on reconnect).
    public func since(userID: UUID, seq: Int, limit: Int = 100) async throws -> [AppNotification] {
        try await db.read { conn in
            try await conn.query(
                "SELECT \(raw: Self.columns) FROM notifications WHERE user_id = \(userID) AND seq > \(seq) ORDER BY seq LIMIT \(limit)"
            ).map(Self.notification)
        }
    }

    public func unreadCount(userID: UUID) async throws -> Int {
        try await db.read { conn in
            try await conn.first("SELECT COUNT(*) AS n FROM notifications WHERE user_id = \(userID) AND read_at IS NULL")!.int("n")
        }
    }

    /// Marks one read (idempotent); `notFound` for another person's or a missing id.
    public func markRead(id: UUID, userID: UUID, now: Date = Date()) async throws -> AppNotification {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            try await conn.execute(
                "UPDATE notifications SET read_at = \(now) WHERE id = \(id) AND user_id = \(userID) AND read_at IS NULL")
            guard let row = try await conn.first("SELECT \(raw: Self.columns) FROM notifications WHERE id = \(id) AND user_id = \(userID)")
            else { throw TodoError.notFound(resource: "notification") }
            try await conn.notify(.notifications)
            return try Self.notification(row)
        }
    }

    /// Marks all read; returns how many were unread.
    public func markAllRead(userID: UUID, now: Date = Date()) async throws -> Int {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let rows = try await conn.query(
                "UPDATE notifications SET read_at = \(now) WHERE user_id = \(userID) AND read_at IS NULL RETURNING id")
            if !rows.isEmpty { try await conn.notify(.notifications) }
            return rows.count
        }
    }
}
