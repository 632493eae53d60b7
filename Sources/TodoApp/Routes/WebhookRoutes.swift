import Foundation
import HTTPTypes
import Hummingbird
import TodoCore
import TodoStore

/// `/api/v1/webhooks`: a person's endpoints (the secret shown once, at creation and rotation),
/// their delivery log, and redelivery of one delivery.
struct WebhookRoutes {
    let services: AppServices

    var store: WebhookStore { WebhookStore(db: services.db) }
    var target: WebhookTarget { WebhookTarget(allowedHosts: services.config.webhookAllowedHosts) }

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("webhooks", use: list)
        group.post("webhooks", use: create)
        group.get("webhooks/{id}", use: get)
        group.patch("webhooks/{id}", use: update)
        group.delete("webhooks/{id}", use: delete)
        group.post("webhooks/{id}/rotate-secret", use: rotate)
        group.get("webhooks/{id}/deliveries", use: deliveries)
        group.post("webhooks/{id}/deliveries/{delivery}/redeliver", use: redeliver)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        return .json(.object([("items", .array(try await store.list(userID: principal.userID).map { Self.json($0) })), ("next_cursor", .null)]))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        return .json(Self.json(try await store.get(id: try context.parameters.uuid("id", resource: "webhook"), userID: principal.userID)))
    }

    /// `{"url", "event_types": ["task.completed", …] (empty or absent: all), "description"}`; the
    /// answer carries the `secret`, shown this once.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await request.jsonObject(context: context)
        let fields = try await fields(body, new: true)
        let secret = WebhookSignature.newSecret()
        let hook = try await store.create(
            userID: principal.userID, url: fields.url!, description: fields.description ?? "", eventTypes: fields.eventTypes ?? [], secret: secret)
        return .json(Self.json(hook, secret: secret), status: .created, headers: [.location: "/api/v1/webhooks/\(hook.id.lowercased)"])
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "webhook")
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        let f = try await fields(body, new: false)
        return .json(
            Self.json(
                try await store.update(
                    id: id, userID: principal.userID, url: f.url, description: f.description, eventTypes: f.eventTypes, enabled: f.enabled)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        try await store.delete(id: try context.parameters.uuid("id", resource: "webhook"), userID: principal.userID)
        return Response(status: .noContent)
    }

    /// A new secret (shown once); the old one keeps signing beside it for a day.
    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let secret = WebhookSignature.newSecret()
        let hook = try await store.rotate(id: try context.parameters.uuid("id", resource: "webhook"), userID: principal.userID, secret: secret)
        return .json(Self.json(hook, secret: secret))
    }

    @Sendable func deliveries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        var limit = 50
        if let text = request.uri.queryParameters["limit"] {
            guard let n = Int(text), (1...200).contains(n) else { throw TodoError.invalid("limit", "must be a whole number from 1 to 200") }
            limit = n
        }
        let items = try await store.deliveries(
            webhookID: try context.parameters.uuid("id", resource: "webhook"), userID: principal.userID, limit: limit)
        return .json(.object([("items", .array(items.map(Self.json))), ("next_cursor", .null)]))
    }

    @Sendable func redeliver(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let delivery = try await store.redeliver(
            id: try context.parameters.uuid("delivery", resource: "delivery"), webhookID: try context.parameters.uuid("id", resource: "webhook"),
            userID: principal.userID)
        return .json(Self.json(delivery), status: .accepted)
    }

    func fields(_ body: JSONValue, new: Bool) async throws -> (
        url: String?, description: String?, eventTypes: [TaskEventType]?, enabled: Bool?
    ) {
        var errors = FieldErrors()
        let allowed = new ? ["url", "description", "event_types"] : ["url", "description", "event_types", "enabled"]
        for (key, _) in AccountRoutes.members(body) where !allowed.contains(key) { errors.add(key, "is not a field of a webhook") }
        var url: String?
        if let u = body["url"] {
            if let text = u.stringValue, text.count <= 2000 {
                if let why = await target.refusal(text, mustResolve: false) { errors.add("url", why) } else { url = text }
            } else {
                errors.add("url", "must be an https URL of at most 2000 characters")
            }
        } else if new {
            errors.add("url", "is required")
        }
        var description: String?
        if let d = body["description"] {
            if let text = d.stringValue, text.count <= 500 {
                description = text
            } else {
                errors.add("description", "must be a string of at most 500 characters")
            }
        }
        var types: [TaskEventType]?
        if let t = body["event_types"], t != .null {
            let parsed = t.arrayValue?.map { $0.stringValue.flatMap(TaskEventType.init(rawValue:)) }
            if let parsed, !parsed.contains(nil) {
                types = Set(parsed.compactMap { $0 }).sorted { $0.rawValue < $1.rawValue }
            } else {
                errors.add("event_types", "must be an array of \(TaskEventType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var enabled: Bool?
        if let e = body["enabled"] { if case .bool(let b) = e { enabled = b } else { errors.add("enabled", "must be true or false") } }
        try errors.check()
        return (url, description, types, enabled)
    }

    static func json(_ w: Webhook, secret: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(w.id.lowercased)), ("url", .string(w.url)), ("description", .string(w.description)),
            ("event_types", .array(w.eventTypes.map { .string($0.rawValue) })), ("enabled", .bool(w.enabled)),
            ("disabled_reason", w.disabledReason.map(JSONValue.string) ?? .null),
            ("failing_since", w.failingSince.map { .string(Timestamp.millis($0)) } ?? .null),
            ("previous_secret_until", w.previousSecretUntil.map { .string(Timestamp.millis($0)) } ?? .null),
            ("created_at", .string(Timestamp.millis(w.createdAt))), ("updated_at", .string(Timestamp.millis(w.updatedAt))),
        ]
        if let secret { members.append(("secret", .string(secret))) }
        return .object(members)
    }

    static func json(_ d: WebhookDelivery) -> JSONValue {
        .object([
            ("id", .string(d.id.lowercased)), ("event_id", .string(d.eventID.lowercased)), ("event_type", .string(d.eventType)),
            ("task_id", .string(d.orderKey)), ("state", .string(d.state.rawValue)), ("attempts", .int(Int64(d.attempts))),
            ("next_attempt_at", d.state == .pending ? .string(Timestamp.millis(d.nextAttemptAt)) : .null),
            ("last_status", d.lastStatus.map { .int(Int64($0)) } ?? .null), ("last_error", d.lastError.map(JSONValue.string) ?? .null),
            ("response_prefix", d.responsePrefix.map(JSONValue.string) ?? .null), ("duration_ms", d.durationMs.map { .int(Int64($0)) } ?? .null),
            ("created_at", .string(Timestamp.millis(d.createdAt))), ("delivered_at", d.deliveredAt.map { .string(Timestamp.millis($0)) } ?? .null),
        ])
    }
}
