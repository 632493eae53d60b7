import Foundation
import TodoCore

/// The transactional outbox: events are written with the change they describe, in the same
/// transaction, or not at all. Nothing is published "after commit".
public enum EventOutbox {
    /// Appends `event` inside the caller's transaction. Its log offset is assigned later, in
    /// commit order, by the event log (so a consumer can never skip a late-committing event).
    public static func append(_ event: OutboxEvent, conn: any SQLConnection) async throws {
        try await append(contentsOf: [event], conn: conn)
    }

    /// Appends a task event, encoded by the one codec (`CloudEventCodec`).
    public static func append(_ event: TaskEvent, conn: any SQLConnection) async throws {
        try await append(CloudEventCodec.encode(event), conn: conn)
    }

    /// Appends several events in order, 100 to a statement (one round trip instead of one each).
    public static func append(contentsOf events: [OutboxEvent], conn: any SQLConnection) async throws {
        guard !events.isEmpty else { return }
        var start = 0
        while start < events.count {
            let chunk = events[start..<min(start + 100, events.count)]
            let rows = chunk.map { e -> SQLQuery in
                "(\(e.id), \(e.topic), \(e.partition), \(e.key), \(e.type), \(e.cloudEvent.serialized()), \(e.time.truncatedToMillis))"
            }
            try await conn.execute(
                "INSERT INTO events (id, topic, partition_no, event_key, type, cloud_event, created_at) VALUES \(SQLQuery(rows, separator: ", "))")
            start += chunk.count
        }
        try await conn.notify(.outbox)
    }
}

/// Reads the event log for operators (`todo events tail`) and tests.
public struct EventLogReader: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// The last `limit` events of `topic` in the order they were written, as CloudEvent JSON text.
    public func tail(topic: String, limit: Int) async throws -> [String] {
        try await db.read { conn in
            try await conn.query(
                """
                SELECT cloud_event FROM (SELECT seq, cloud_event FROM events WHERE topic = \(topic) ORDER BY seq DESC LIMIT \(limit)) x
                ORDER BY seq
                """
            ).map { try $0.string("cloud_event") }
        }
    }
}
