import Foundation
import TodoCore

/// The reminder scheduler's side of the database: when the next reminder is due, and firing the
/// due ones. Firing writes each reminder's `reminder.due` event to `reminders` in the transaction
/// that marks it fired, so a reminder fires exactly once however many schedulers run: on
/// PostgreSQL they claim rows with `FOR UPDATE SKIP LOCKED` (each takes different ones), on SQLite
/// the single writer serializes them.
public struct ReminderStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// The earliest time a pending reminder is due (nil when none is scheduled).
    public func nextDue() async throws -> Date? {
        try await db.read { conn in
            try await conn.first("SELECT MIN(remind_at) AS t FROM reminders WHERE state = 'pending' AND remind_at IS NOT NULL")?
                .optionalDate("t")
        }
    }

    /// What one pass did.
    public struct Fired: Sendable, Equatable {
        public var fired: Int = 0
        public var missed: Int = 0
        public var total: Int { fired + missed }

        public init(fired: Int = 0, missed: Int = 0) {
            self.fired = fired
            self.missed = missed
        }
    }

    /// Fires up to `limit` reminders due at `now`. One missed by more than `catchUp` (the scheduler
    /// was down) is marked `missed` instead: after an outage people get the recent ones, not a flood.
    public func fireDue(now: Date = Date(), catchUp: Duration, limit: Int = 500) async throws -> Fired {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let rows = try await conn.query(
                """
                SELECT r.id, r.task_id, u.id AS user_id, r.channels, r.remind_at, t.title, t.due_at, t.overdue_at, t.due_date, t.due_local, t.due_tz,
                  u.email, u.time_zone
                FROM reminders r JOIN tasks t ON t.id = r.task_id
                  JOIN users u ON u.id = CASE WHEN r.recipient = 'assignee' AND t.assignee_id IS NOT NULL THEN t.assignee_id ELSE r.user_id END
                WHERE r.state = 'pending' AND r.remind_at IS NOT NULL AND r.remind_at <= \(now)
                ORDER BY r.remind_at LIMIT \(limit)\(conn.skipLocked(of: "r"))
                """)
            var result = Fired()
            var fired: [SQLValue] = []
            var missed: [SQLValue] = []
            var events: [OutboxEvent] = []
            for row in rows {
                let id = try row.uuid("id")
                let remindAt = try row.date("remind_at")
                guard remindAt + catchUp >= now else {
                    missed.append(.uuid(id))
                    continue
                }
                let due = TaskStore.due(row)
                let reminder = ReminderDue(
                    reminderID: id, taskID: try row.uuid("task_id"), userID: try row.uuid("user_id"), title: try row.string("title"), due: due?.due,
                    dueAt: due?.at, remindAt: remindAt,
                    channels: try row.string("channels").split(separator: ",").compactMap { ReminderChannel(rawValue: String($0)) },
                    email: try row.string("email"), timeZone: try row.timeZone("time_zone"), timestamp: now)
                events.append(CloudEventCodec.encode(reminder))
                fired.append(.uuid(id))
            }
            try await EventOutbox.append(contentsOf: events, conn: conn)
            if !fired.isEmpty {
                try await conn.execute("UPDATE reminders SET state = 'fired', fired_at = \(now) WHERE id IN \(list: fired)")
            }
            if !missed.isEmpty {
                try await conn.execute("UPDATE reminders SET state = 'missed' WHERE id IN \(list: missed)")
            }
            result.fired = fired.count
            result.missed = missed.count
            return result
        }
    }
}
