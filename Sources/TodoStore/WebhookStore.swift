import Foundation
import TodoCore

/// Webhook endpoints and their deliveries. The `webhooks` consumer group enqueues a delivery per
/// (endpoint, event) inside its transaction (`enqueue`: exactly once, whatever is replayed); the
/// delivery worker claims due ones, in order per (endpoint, task), and records each outcome.
public struct WebhookStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    public static let maxPerPerson = 20

    static let columns = """
        p.id, p.user_id, p.url, p.description, p.event_types, p.enabled, p.disabled_reason, p.failing_since, p.previous_until,
        p.created_at, p.updated_at
        """

    public func list(userID: UUID) async throws -> [Webhook] {
        try await db.read { conn in
            try await conn.query("SELECT \(raw: Self.columns) FROM webhooks p WHERE p.user_id = \(userID) ORDER BY p.created_at, p.id").map(
                Self.webhook)
        }
    }

    public func get(id: UUID, userID: UUID) async throws -> Webhook {
        try await db.read { conn in
            try Self.webhook(try await ProjectStore.ownedRow("webhooks", Self.columns, id: id, userID: userID, resource: "webhook", conn: conn))
        }
    }

    public func create(userID: UUID, url: String, description: String, eventTypes: [TaskEventType], secret: String, now: Date = Date()) async throws
        -> Webhook
    {
        let now = now.truncatedToMillis
        let hook = Webhook(
            id: .v7(at: now), userID: userID, url: url, description: description, eventTypes: eventTypes, createdAt: now, updatedAt: now)
        try await db.write { conn in
            let count = try await conn.first("SELECT count(*) AS n FROM webhooks WHERE user_id = \(userID)")?.int("n") ?? 0
            if count >= Self.maxPerPerson {
                throw TodoError.conflict(code: "too_many_webhooks", detail: "a person has at most \(Self.maxPerPerson) webhooks")
            }
            try await conn.execute(
                """
                INSERT INTO webhooks (id, user_id, url, description, event_types, secret, enabled, created_at, updated_at)
                VALUES (\(hook.id), \(userID), \(url), \(description), \(Self.types(eventTypes)), \(secret), \(true), \(now), \(now))
                """)
        }
        return hook
    }

    /// Changes the given fields; enabling a disabled endpoint clears why it was disabled.
    public func update(
        id: UUID, userID: UUID, url: String?, description: String?, eventTypes: [TaskEventType]?, enabled: Bool?, now: Date = Date()
    ) async throws -> Webhook {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            var hook = try Self.webhook(
                try await ProjectStore.ownedRow("webhooks", Self.columns, id: id, userID: userID, resource: "webhook", forUpdate: true, conn: conn))
            hook.url = url ?? hook.url
            hook.description = description ?? hook.description
            hook.eventTypes = eventTypes ?? hook.eventTypes
            if let enabled, enabled != hook.enabled {
                hook.enabled = enabled
                if enabled { (hook.disabledReason, hook.failingSince) = (nil, nil) } else { hook.disabledReason = "turned off" }
            }
            hook.updatedAt = now
            try await conn.execute(
                """
                UPDATE webhooks SET url = \(hook.url), description = \(hook.description), event_types = \(Self.types(hook.eventTypes)),
                  enabled = \(hook.enabled), disabled_reason = \(hook.disabledReason), failing_since = \(hook.failingSince), updated_at = \(now)
                WHERE id = \(id)
                """)
            return hook
        }
    }

    public func delete(id: UUID, userID: UUID) async throws {
        try await db.write { conn in
            _ = try await ProjectStore.ownedRow("webhooks", "p.id", id: id, userID: userID, resource: "webhook", conn: conn)
            try await conn.execute("DELETE FROM webhooks WHERE id = \(id)")
        }
    }

    /// A new secret; the old one keeps signing beside it until `now + overlap`.
    public func rotate(id: UUID, userID: UUID, secret: String, overlap: Duration = WebhookPolicy.rotationOverlap, now: Date = Date()) async throws
        -> Webhook
    {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            var hook = try Self.webhook(
                try await ProjectStore.ownedRow("webhooks", Self.columns, id: id, userID: userID, resource: "webhook", forUpdate: true, conn: conn))
            hook.previousSecretUntil = now + overlap
            hook.updatedAt = now
            try await conn.execute(
                """
                UPDATE webhooks SET previous_secret = secret, previous_until = \(hook.previousSecretUntil), secret = \(secret), updated_at = \(now)
                WHERE id = \(id)
                """)
            return hook
        }
    }

    // MARK: - Deliveries

    /// Queues the event for every enabled endpoint that receives its type, of the people who can
    /// see its task (the holder and the project's members); nothing for an (endpoint, event) that
    /// has one. Runs in the consumer's transaction.
    /// `eventID`, `offset` and `document` are the event as consumed (its id, its place in its
    /// partition — the order of a task's events — and its CloudEvent, the body sent).
    public static func enqueue(
        _ event: TaskEvent, eventID: UUID, offset: Int, document: JSONValue, now: Date, conn: any SQLConnection
    ) async throws {
        let task = event.task
        let project = task.placement?.projectID ?? task.userID
        let hooks = try await conn.query(
            """
            SELECT w.id, w.event_types FROM webhooks w
            WHERE w.enabled = \(true) AND (w.user_id = \(task.userID) OR w.user_id IN (SELECT m.user_id FROM project_members m WHERE m.project_id = \(project)))
            """)
        let rows = try hooks.compactMap { row -> SQLQuery? in
            let types = try row.string("event_types")
            guard types.isEmpty || types.split(separator: ",").contains(Substring(event.type.rawValue)) else { return nil }
            return """
                (\(UUID.v7(at: now)), \(try row.uuid("id")), \(eventID), \(event.type.rawValue), \(task.id.lowercased), \(offset),
                 \(document.serialized()), 'pending', 0, \(now), \(now))
                """
        }
        guard !rows.isEmpty else { return }
        try await conn.execute(
            """
            INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, order_key, seq, payload, state, attempts, next_attempt_at, created_at)
            VALUES \(SQLQuery(rows, separator: ", ")) ON CONFLICT (webhook_id, event_id) DO NOTHING
            """)
        try await conn.notify(.webhooks)
    }

    /// A claimed delivery with where it goes and the secrets to sign it with.
    public struct Claimed: Sendable {
        public var delivery: WebhookDelivery
        public var url: String
        public var secrets: [String]
    }

    /// Claims up to `limit` due deliveries of enabled endpoints, each the earliest undelivered one
    /// of its (endpoint, task): a later event of a task waits for the earlier to be delivered or
    /// given up.
    public func claim(now: Date = Date(), lease: Duration = .seconds(60), limit: Int = 20) async throws -> [Claimed] {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let rows = try await conn.query(
                """
                SELECT \(raw: Self.deliveryColumns), w.url, w.secret, w.previous_secret, w.previous_until
                FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.state IN ('pending', 'sending') AND d.next_attempt_at <= \(now) AND w.enabled = \(true)
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id AND e.order_key = d.order_key
                    AND e.state IN ('pending', 'sending') AND e.seq < d.seq)
                ORDER BY d.next_attempt_at LIMIT \(limit)\(conn.skipLocked(of: "d"))
                """)
            guard !rows.isEmpty else { return [] }
            let ids = try rows.map { SQLValue.uuid(try $0.uuid("id")) }
            try await conn.execute(
                "UPDATE webhook_deliveries SET state = 'sending', attempts = attempts + 1, next_attempt_at = \(now + lease) WHERE id IN \(list: ids)")
            return try rows.map { row in
                var delivery = try Self.delivery(row)
                delivery.state = .sending
                delivery.attempts += 1
                var secrets = [try row.string("secret")]
                if let previous = row.optionalString("previous_secret"), let until = row.optionalDate("previous_until"), until > now {
                    secrets.append(previous)
                }
                return Claimed(delivery: delivery, url: try row.string("url"), secrets: secrets)
            }
        }
    }

    /// What an attempt got: the status (nil: no answer), the error, the answer's first bytes.
    public struct Outcome: Sendable {
        public var status: Int?
        public var error: String?
        public var responsePrefix: String?
        public var durationMs: Int

        public init(status: Int?, error: String?, responsePrefix: String?, durationMs: Int) {
            (self.status, self.error, self.responsePrefix, self.durationMs) = (status, error, responsePrefix, durationMs)
        }
    }

    /// Records an attempt: delivered (2xx), to be retried at `retryAt`, or given up (`retryAt`
    /// nil). A failure marks the endpoint failing since then; one failing for `disableAfter` is
    /// turned off, its waiting deliveries given up, and its owner told in the app.
    public func record(_ claimed: Claimed, outcome: Outcome, retryAt: Date?, now: Date = Date()) async throws {
        let now = now.truncatedToMillis
        let d = claimed.delivery
        let delivered = (200..<300).contains(outcome.status ?? 0)
        try await db.write { conn in
            let state: WebhookDeliveryState = delivered ? .delivered : (retryAt == nil ? .failed : .pending)
            try await conn.execute(
                """
                UPDATE webhook_deliveries SET state = \(state.rawValue), next_attempt_at = \(retryAt ?? now), last_status = \(outcome.status),
                  last_error = \(outcome.error), response_prefix = \(outcome.responsePrefix), duration_ms = \(outcome.durationMs),
                  delivered_at = \(delivered ? now : nil)
                WHERE id = \(d.id) AND state = 'sending'
                """)
            if delivered {
                try await conn.execute("UPDATE webhooks SET failing_since = NULL WHERE id = \(d.webhookID) AND failing_since IS NOT NULL")
                return
            }
            try await conn.execute("UPDATE webhooks SET failing_since = \(now) WHERE id = \(d.webhookID) AND failing_since IS NULL")
            guard
                let hook = try await conn.first("SELECT user_id, url, failing_since FROM webhooks WHERE id = \(d.webhookID) AND enabled = \(true)"),
                let since = hook.optionalDate("failing_since"), now >= since + WebhookPolicy.disableAfter
            else { return }
            try await conn.execute(
                "UPDATE webhooks SET enabled = \(false), disabled_reason = 'failing', updated_at = \(now) WHERE id = \(d.webhookID)")
            try await conn.execute(
                """
                UPDATE webhook_deliveries SET state = 'failed', last_error = 'the endpoint was turned off after failing'
                WHERE webhook_id = \(d.webhookID) AND state IN ('pending', 'sending')
                """)
            try await conn.execute(
                """
                INSERT INTO notifications (id, user_id, reminder_id, task_id, title, body, created_at)
                VALUES (\(UUID.v7(at: now)), \(try hook.uuid("user_id")), NULL, NULL, 'A webhook was turned off',
                  \("Every delivery to \(try hook.string("url")) failed for a day (last: \(outcome.error ?? outcome.status.map { "HTTP \($0)" } ?? "no answer")). Fix it and turn it on again."),
                  \(now))
                """)
            try await conn.notify(.notifications)
        }
    }

    /// The deliveries of an endpoint, newest first.
    public func deliveries(webhookID: UUID, userID: UUID, limit: Int = 50) async throws -> [WebhookDelivery] {
        try await db.read { conn in
            _ = try await ProjectStore.ownedRow("webhooks", "p.id", id: webhookID, userID: userID, resource: "webhook", conn: conn)
            return try await conn.query(
                "SELECT \(raw: Self.deliveryColumns) FROM webhook_deliveries d WHERE d.webhook_id = \(webhookID) ORDER BY d.created_at DESC, d.seq DESC LIMIT \(limit)"
            ).map(Self.delivery)
        }
    }

    /// Sends a delivery again (the same event id: a receiver that has it ignores it).
    public func redeliver(id: UUID, webhookID: UUID, userID: UUID, now: Date = Date()) async throws -> WebhookDelivery {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            _ = try await ProjectStore.ownedRow("webhooks", "p.id", id: webhookID, userID: userID, resource: "webhook", conn: conn)
            guard
                let row = try await conn.first(
                    "SELECT \(raw: Self.deliveryColumns) FROM webhook_deliveries d WHERE d.id = \(id) AND d.webhook_id = \(webhookID)")
            else { throw TodoError.notFound(resource: "delivery") }
            var delivery = try Self.delivery(row)
            guard delivery.state != .sending else { throw TodoError.conflict(code: "delivery_in_flight", detail: "the delivery is being sent now") }
            try await conn.execute("UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = \(now) WHERE id = \(id)")
            (delivery.state, delivery.nextAttemptAt) = (.pending, now)
            try await conn.notify(.webhooks)
            return delivery
        }
    }

    static let deliveryColumns = """
        d.id, d.webhook_id, d.event_id, d.event_type, d.order_key, d.seq, d.payload, d.state, d.attempts, d.next_attempt_at, d.last_status,
        d.last_error, d.response_prefix, d.duration_ms, d.created_at, d.delivered_at
        """

    static func types(_ types: [TaskEventType]) -> String { types.map(\.rawValue).joined(separator: ",") }

    static func webhook(_ row: SQLRow) throws -> Webhook {
        Webhook(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), url: try row.string("url"), description: try row.string("description"),
            eventTypes: try row.string("event_types").split(separator: ",").compactMap { TaskEventType(rawValue: String($0)) },
            enabled: try row.bool("enabled"), disabledReason: row.optionalString("disabled_reason"), failingSince: row.optionalDate("failing_since"),
            previousSecretUntil: row.optionalDate("previous_until"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }

    static func delivery(_ row: SQLRow) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try row.uuid("id"), webhookID: try row.uuid("webhook_id"), eventID: try row.uuid("event_id"), eventType: try row.string("event_type"),
            orderKey: try row.string("order_key"), payload: try row.string("payload"),
            state: WebhookDeliveryState(rawValue: try row.string("state")) ?? .failed, attempts: try row.int("attempts"),
            nextAttemptAt: try row.date("next_attempt_at"), lastStatus: row.optionalInt("last_status"), lastError: row.optionalString("last_error"),
            responsePrefix: row.optionalString("response_prefix"), durationMs: row.optionalInt("duration_ms"), createdAt: try row.date("created_at"),
            deliveredAt: row.optionalDate("delivered_at"))
    }
}
