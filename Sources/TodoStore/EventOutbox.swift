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
                "INSERT INTO events (id, topic, partition_no, event_key, type, cloud_event, created_at) VALUES \(SQLQuery(rows, separator: ", "))",
                notifying: .outbox)
            start += chunk.count
        }
    }
}

extension EventOutbox {
    /// An event the Dapr relay has still to publish, in log order.
    public struct Unpublished: Sendable {
        public var seq: Int
        public var topic: Topic
        public var key: String
        public var cloudEvent: String
    }

    /// Up to `limit` sequenced events not yet published, in log order.
    public static func unpublished(limit: Int, conn: any SQLConnection) async throws -> [Unpublished] {
        try await conn.query(
            """
            SELECT seq, topic, event_key, cloud_event FROM events WHERE published_at IS NULL AND log_offset IS NOT NULL
            ORDER BY log_offset, partition_no LIMIT \(limit)
            """
        ).map {
            Unpublished(
                seq: try $0.int("seq"), topic: try $0.topic("topic"), key: try $0.string("event_key"), cloudEvent: try $0.string("cloud_event"))
        }
    }

    /// Records events as published (the sidecar answered 204).
    public static func markPublished(_ seqs: [Int], now: Date = Date(), conn: any SQLConnection) async throws {
        guard !seqs.isEmpty else { return }
        try await conn.execute("UPDATE events SET published_at = \(now.truncatedToMillis) WHERE seq IN \(list: seqs.map { .int(Int64($0)) })")
    }
}

/// Reads the event log for operators (`todo events tail`) and tests.
public struct EventLogReader: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// The last `limit` events of `topic` in the order they were written, as CloudEvent JSON text.
    public func tail(topic: Topic, limit: Int) async throws -> [String] {
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
