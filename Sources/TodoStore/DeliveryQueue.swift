import Foundation
import TodoCore

/// One delivery of a reminder on one channel, as the worker sees it.
public struct Delivery: Sendable, Equatable {
    public var id: UUID
    public var reminderID: UUID
    public var channel: ReminderChannel
    public var userID: UUID
    /// The `reminder.due` CloudEvent, as consumed (kept whole for the dead letters).
    public var event: JSONValue
    /// What it says, typed (`CloudEventCodec`), or why it cannot be read.
    public var reminder: Result<ReminderDue, EventDecodingFailure> { CloudEventCodec.decodeReminderDue(event) }
    /// Attempts so far, this one included.
    public var attempts: Int
    public var createdAt: Date
}

/// The queue of email deliveries. A worker claims due ones for `lease` (state `sending`); it
/// then marks each sent, schedules its next attempt, or gives it up to the dead letters. A worker
/// that dies mid-send leaves its claims to expire, and they are claimed again — so a send can be
/// repeated only in that window; nothing is ever silently dropped. Claims skip rows other workers
/// hold (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and one slow delivery never holds up the others:
/// retries wait in the table, not in the worker.
public struct DeliveryQueue: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// Claims up to `limit` due deliveries.
    public func claim(now: Date = Date(), lease: Duration = .minutes(2), limit: Int = 20) async throws -> [Delivery] {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let rows = try await conn.query(
                """
                SELECT id, reminder_id, channel, user_id, event, attempts, created_at FROM deliveries
                WHERE state IN ('pending', 'sending') AND next_attempt_at <= \(now) AND channel = 'email'
                ORDER BY next_attempt_at LIMIT \(limit)\(conn.skipLocked())
                """)
            guard !rows.isEmpty else { return [] }
            let ids = try rows.map { SQLValue.uuid(try $0.uuid("id")) }
            try await conn.execute(
                """
                UPDATE deliveries SET state = 'sending', attempts = attempts + 1, next_attempt_at = \(now + lease)
                WHERE id IN \(list: ids)
                """)
            return try rows.map { row in
                Delivery(
                    id: try row.uuid("id"), reminderID: try row.uuid("reminder_id"),
                    channel: ReminderChannel(rawValue: try row.string("channel")) ?? .email, userID: try row.uuid("user_id"),
                    event: (try? JSONValue.parse(Data(try row.string("event").utf8))) ?? .null, attempts: try row.int("attempts") + 1,
                    createdAt: try row.date("created_at"))
            }
        }
    }

    /// Gives claims back unsent (the worker is stopping): due again at once for any worker, the
    /// attempt not counted. Only claims still held (`sending`) are touched, so one whose outcome
    /// was recorded meanwhile keeps it.
    public func release(_ ids: [UUID], now: Date = Date()) async throws {
        guard !ids.isEmpty else { return }
        let now = now.truncatedToMillis
        try await db.write { conn in
            try await conn.execute(
                """
                UPDATE deliveries SET state = 'pending', attempts = attempts - 1, next_attempt_at = \(now)
                WHERE state = 'sending' AND id IN \(list: ids.map { SQLValue.uuid($0) })
                """)
            try await conn.notify(.deliveries)
        }
    }

    /// When the earliest waiting delivery is due (nil when none waits).
    public func nextDue() async throws -> Date? {
        try await db.read { conn in
            try await conn.first("SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE state IN ('pending', 'sending') AND channel = 'email'")?
                .optionalDate("t")
        }
    }

    public func markSent(_ id: UUID, now: Date = Date()) async throws {
        try await markSent([(id, now)])
    }

    /// Records several sends in one transaction, each with its own time (the worker flushes the
    /// outcomes of a batch together: one write instead of one per message). A sent invitation
    /// email forgets its link (`InvitationEmail.redacted`): the token is kept nowhere else.
    public func markSent(_ sent: [(id: UUID, at: Date)]) async throws {
        guard !sent.isEmpty else { return }
        try await db.write { conn in
            let rows = sent.map { s -> SQLQuery in
                "(\(conn.cast(.uuid(s.id), as: .uuid)), \(conn.cast(.date(s.at.truncatedToMillis), as: .timestamptz)))"
            }
            try await conn.execute(
                """
                WITH v(id, t) AS (VALUES \(SQLQuery(rows, separator: ", ")))
                UPDATE deliveries SET state = 'sent', sent_at = v.t, last_error = NULL,
                  event = CASE WHEN substr(deliveries.event, 1, \(raw: String(Self.invitationPrefix.utf8.count))) = \(Self.invitationPrefix)
                    THEN \(InvitationEmail.redacted) ELSE deliveries.event END
                FROM v WHERE deliveries.id = v.id
                """)
        }
    }

    /// How a stored invitation email begins (`InvitationEmail.document`, serialized).
    static let invitationPrefix = "{\"type\":\"\(InvitationEmail.type)\""

    /// A transient failure: tries again at `at`.
    public func retry(_ id: UUID, at: Date, error: String) async throws {
        try await db.write { conn in
            try await conn.execute(
                "UPDATE deliveries SET state = 'pending', next_attempt_at = \(at.truncatedToMillis), last_error = \(error) WHERE id = \(id)")
        }
        db.signals[.deliveries].signal()
    }

    /// Gives a delivery up: recorded in `dead_letters` (group `notification-service`, the event,
    /// the error, the attempts, first and last failure) and as a record on `reminders-dlq`, in one
    /// transaction. `todo dlq retry` / `POST /api/admin/retry-dlq` put it back.
    public func markDead(_ delivery: Delivery, error: String, group: String, now: Date = Date()) async throws {
        let now = now.truncatedToMillis
        try await db.write { conn in
            try await conn.execute(
                "UPDATE deliveries SET state = 'dead', last_error = \(error) WHERE id = \(delivery.id) AND state <> 'sent'")
            let eventID = delivery.event["id"]?.stringValue.flatMap(UUID.init(uuidString:)) ?? delivery.id
            try await conn.execute(
                """
                INSERT INTO dead_letters (id, group_name, topic, event_id, cloud_event, error, attempts, first_failure_at, last_failure_at)
                VALUES (\(delivery.id), \(group), \(Topic.reminders), \(eventID), \(delivery.event.serialized()), \(error),
                  \(delivery.attempts), \(delivery.createdAt), \(now))
                ON CONFLICT (id) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, last_failure_at = excluded.last_failure_at,
                  state = 'dead'
                """)
            try await EventOutbox.append(
                OutboxEvent(
                    topic: Topic.deadLetter(Topic.reminders), type: "reminder.due.dead", key: delivery.userID.lowercased,
                    subject: delivery.reminderID.lowercased, time: now,
                    data: .object([
                        ("original", delivery.event), ("source_topic", .string(Topic.reminders.rawValue)), ("group", .string(group)),
                        ("channel", .string(delivery.channel.rawValue)), ("error", .string(error)),
                        ("retry_count", .int(Int64(delivery.attempts))), ("failed_at", .string(Timestamp.millis(now))),
                    ])),
                conn: conn)
        }
    }
}
