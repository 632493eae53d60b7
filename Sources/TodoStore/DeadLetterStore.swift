import Foundation
import TodoCore

/// One dead letter, as operators see it (`todo dlq list`, `GET /api/admin/dlq`).
public struct DeadLetter: Sendable, Equatable {
    public var id: UUID
    public var group: String
    public var topic: Topic
    public var eventID: UUID
    public var error: String
    public var attempts: Int
    public var firstFailureAt: Date
    public var lastFailureAt: Date
    public var state: String
    public var event: JSONValue

    public var json: JSONValue {
        .object([
            ("id", .string(id.lowercased)), ("group", .string(group)), ("topic", .string(topic.deadLetter.rawValue)),
            ("source_topic", .string(topic.rawValue)), ("event_id", .string(eventID.lowercased)), ("error", .string(error)),
            ("retry_count", .int(Int64(attempts))), ("first_failure_at", .string(Timestamp.millis(firstFailureAt))),
            ("last_failure_at", .string(Timestamp.millis(lastFailureAt))), ("state", .string(state)), ("event", event),
        ])
    }
}

/// The dead letters of every topic, and putting them back. A dead email delivery goes back to
/// the delivery queue (attempts start again); any other dead event is requeued for its consumer
/// group, which runs it through the same exactly-once step as the log (`Consumer`), so a retry
/// never reaches other groups and never applies anything twice.
public struct DeadLetterStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// `reminders-dlq` → `reminders`; nil for a name that is not a DLQ topic.
    public static func sourceTopic(_ dlq: Topic) -> Topic? {
        guard dlq.rawValue.hasSuffix("-dlq"), dlq.rawValue.count > 4 else { return nil }
        return Topic(rawValue: String(dlq.rawValue.dropLast(4)))
    }

    static let columns = "id, group_name, topic, event_id, error, attempts, first_failure_at, last_failure_at, state, cloud_event"

    static func deadLetter(_ row: SQLRow) throws -> DeadLetter {
        let text = try row.string("cloud_event")
        return DeadLetter(
            id: try row.uuid("id"), group: try row.string("group_name"), topic: try row.topic("topic"), eventID: try row.uuid("event_id"),
            error: try row.string("error"), attempts: try row.int("attempts"), firstFailureAt: try row.date("first_failure_at"),
            lastFailureAt: try row.date("last_failure_at"), state: try row.string("state"),
            event: (try? JSONValue.parse(Data(text.utf8))) ?? .string(text))
    }

    /// Waiting dead letters of a DLQ topic, oldest first.
    public func list(dlq: Topic, limit: Int = 100) async throws -> [DeadLetter] {
        guard let topic = Self.sourceTopic(dlq) else { return [] }
        return try await db.read { conn in
            try await conn.query(
                "SELECT \(raw: Self.columns) FROM dead_letters WHERE topic = \(topic) AND state = 'dead' ORDER BY last_failure_at, id LIMIT \(limit)"
            ).map(Self.deadLetter)
        }
    }

    public func count(dlq: Topic) async throws -> Int {
        guard let topic = Self.sourceTopic(dlq) else { return 0 }
        return try await db.read { conn in
            try await conn.first("SELECT COUNT(*) AS n FROM dead_letters WHERE topic = \(topic) AND state = 'dead'")!.int("n")
        }
    }

    /// Puts back up to `maxCount` dead letters of a DLQ topic, oldest first; returns how many.
    public func retry(dlq: Topic, maxCount: Int, now: Date = Date()) async throws -> Int {
        guard let topic = Self.sourceTopic(dlq) else { return 0 }
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let rows = try await conn.query(
                "SELECT id FROM dead_letters WHERE topic = \(topic) AND state = 'dead' ORDER BY last_failure_at, id LIMIT \(maxCount)")
            guard !rows.isEmpty else { return 0 }
            let ids = try rows.map { SQLValue.uuid(try $0.uuid("id")) }
            // Email deliveries (a dead letter with a delivery's id) go back to the queue…
            let deliveries = try await conn.query(
                """
                UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = \(now), last_error = NULL
                WHERE id IN \(list: ids) AND state = 'dead' RETURNING id
                """)
            let requeuedDeliveries = Set(try deliveries.map { try $0.uuid("id") })
            if !requeuedDeliveries.isEmpty {
                try await conn.execute(
                    "UPDATE dead_letters SET state = 'retried' WHERE id IN \(list: requeuedDeliveries.map(SQLValue.uuid))")
                try await conn.notify(.deliveries)
            }
            // …everything else to its consumer group.
            let others = ids.filter { if case .uuid(let u) = $0 { !requeuedDeliveries.contains(u) } else { false } }
            if !others.isEmpty {
                // The group's consumer takes them on its next heartbeat (within a second).
                try await conn.execute("UPDATE dead_letters SET state = 'requeued' WHERE id IN \(list: others)")
            }
            return ids.count
        }
    }

    /// Dead letters requeued for a group (what its consumer takes on its heartbeat).
    static func requeued(group: String, topic: Topic, limit: Int, conn: any SQLConnection) async throws -> [DeadLetter] {
        try await conn.query(
            """
            SELECT \(raw: columns) FROM dead_letters WHERE group_name = \(group) AND topic = \(topic) AND state = 'requeued'
            ORDER BY last_failure_at, id LIMIT \(limit)
            """
        ).map(deadLetter)
    }

    /// Marks a requeued dead letter done, or dead again with the new error.
    /// Records a dead letter (the original event, the error, the attempts) in the caller's
    /// transaction: what `todo dlq` and the admin retry API work from, whatever the transport.
    public static func record(
        group: String, topic: Topic, eventID: UUID, text: String, error: String, attempts: Int, at now: Date, conn: any SQLConnection
    ) async throws {
        try await conn.execute(
            """
            INSERT INTO dead_letters (id, group_name, topic, event_id, cloud_event, error, attempts, first_failure_at, last_failure_at)
            VALUES (\(UUID.v7()), \(group), \(topic), \(eventID), \(text), \(error), \(attempts), \(now), \(now))
            """)
    }

    public static func settle(_ id: UUID, error: String?, now: Date, conn: any SQLConnection) async throws {
        if let error {
            try await conn.execute(
                """
                UPDATE dead_letters SET state = 'dead', error = \(error), attempts = attempts + 1, last_failure_at = \(now.truncatedToMillis)
                WHERE id = \(id)
                """)
        } else {
            try await conn.execute("UPDATE dead_letters SET state = 'retried' WHERE id = \(id)")
        }
    }

    /// The requeued dead letters of a group on a topic.
    public func requeued(group: String, topic: Topic, limit: Int = 100) async throws -> [DeadLetter] {
        try await db.read { conn in try await Self.requeued(group: group, topic: topic, limit: limit, conn: conn) }
    }
}
