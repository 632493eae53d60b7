import Foundation
import TodoCore

/// Deletes what has outlived its use: idempotency records past their 24 hours, refresh tokens
/// that expired (or were revoked or used) more than a week ago, and events past their retention.
///
/// Event retention (like Kafka's `retention.ms`, but never losing unread work): an event older
/// than `eventRetention` goes once every consumer group that reads its topic has moved past it
/// (and, in Dapr mode, once the sidecar accepted it). A processed-event mark goes with the event
/// (once the event is no longer in the log it can never be replayed).
public struct Housekeeping: Sendable {
    let db: any SQLDatabase
    let eventRetention: Duration
    let requirePublished: Bool
    /// Rows per statement, so a large backlog never becomes one huge transaction.
    let batch = 5000

    public init(db: any SQLDatabase, eventRetention: Duration = .days(7), requirePublished: Bool = false) {
        self.db = db
        self.eventRetention = eventRetention
        self.requirePublished = requirePublished
    }

    /// One pass; returns how many rows it removed (call again while it removes something).
    @discardableResult
    public func sweep(now: Date = Date()) async throws -> Int {
        let keyCutoff = (now - IdempotencyStore.retention).truncatedToMillis
        let tokenCutoff = (now - .days(7)).truncatedToMillis
        let eventCutoff = (now - eventRetention).truncatedToMillis
        let published: SQLQuery = requirePublished ? " AND e.published_at IS NOT NULL" : ""
        let batch = self.batch
        return try await db.write { conn in
            let keys = try await conn.query("DELETE FROM idempotency_keys WHERE created_at < \(keyCutoff) RETURNING key")
            let tokens = try await conn.query(
                """
                DELETE FROM refresh_tokens WHERE expires_at < \(tokenCutoff) OR revoked_at < \(tokenCutoff) OR used_at < \(tokenCutoff)
                RETURNING id
                """)
            let events = try await conn.query(
                """
                DELETE FROM events WHERE seq IN (
                  SELECT e.seq FROM events e WHERE e.created_at < \(eventCutoff) AND e.log_offset IS NOT NULL\(published)
                    AND NOT EXISTS (
                      SELECT 1 FROM (SELECT DISTINCT group_name FROM consumer_offsets WHERE topic = e.topic) g
                      WHERE COALESCE((SELECT o.next_offset FROM consumer_offsets o WHERE o.group_name = g.group_name
                        AND o.topic = e.topic AND o.partition_no = e.partition_no), 0) <= e.log_offset)
                  LIMIT \(batch))
                RETURNING seq
                """)
            let marks = try await conn.query(
                """
                DELETE FROM processed_events WHERE event_id IN (
                  SELECT p.event_id FROM processed_events p WHERE p.processed_at < \(eventCutoff)
                    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p.event_id) LIMIT \(batch))
                RETURNING event_id
                """)
            return keys.count + tokens.count + events.count + marks.count
        }
    }
}
