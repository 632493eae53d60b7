import Foundation
import TodoCore

/// In-app notifications and the delivery queue of the notification-service.
public struct NotificationStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    // MARK: - Written by the notification-service's handler (in the consumer's transaction)

    /// The in-app notification of a reminder; nothing when it exists already (a redelivery).
    public static func recordInApp(_ data: JSONValue, reminderID: UUID, userID: UUID, now: Date, conn: any SQLConnection) async throws {
        let taskID = data["task_id"]?.stringValue.flatMap(UUID.init(uuidString:))
        let inserted = try await conn.first(
            """
            INSERT INTO notifications (id, user_id, reminder_id, task_id, title, body, created_at)
            VALUES (\(UUID.v7(at: now)), \(userID), \(reminderID), \(taskID), \(ReminderText.title(data)), \(ReminderText.body(data)), \(now))
            ON CONFLICT (reminder_id) DO NOTHING RETURNING id
            """)
        if inserted != nil { try await conn.notify(.notifications) }
    }

    /// Queues a delivery of a reminder on a channel; nothing when one exists (exactly once per
    /// (reminder, channel), whatever is redelivered or replayed).
    public static func queueDelivery(
        reminderID: UUID, channel: ReminderChannel, userID: UUID, event: String, now: Date, conn: any SQLConnection
    ) async throws {
        let inserted = try await conn.first(
            """
            INSERT INTO deliveries (id, reminder_id, channel, user_id, event, next_attempt_at, created_at)
            VALUES (\(UUID.v7(at: now)), \(reminderID), \(channel.rawValue), \(userID), \(event), \(now), \(now))
            ON CONFLICT (reminder_id, channel) DO NOTHING RETURNING id
            """)
        if inserted != nil { try await conn.notify(.deliveries) }
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
