import Foundation
import HTTPTypes
import Hummingbird
import TodoCore
import TodoStore

/// The admin API (the runbook's DLQ procedures), on the API roles: `Authorization: Bearer
/// $ADMIN_TOKEN`, compared in constant time. Without `ADMIN_TOKEN` the admin API is off (404).
///   GET  /api/admin/dlq?topic=reminders-dlq[&limit=N]      the waiting dead letters
///   POST /api/admin/retry-dlq {"topic":"reminders-dlq","max_count":100}   → {"requeued": n}
/// A refused token is logged at WARN with the client address (never the token).
///
/// `ADMIN_TOKEN` may hold several tokens separated by commas, all accepted: rotation adds the new
/// one, moves the callers over, then drops the old one (scripts/rotate-all-secrets.sh).
struct AdminRoutes {
    let store: DeadLetterStore
    let tokens: [String]

    init(store: DeadLetterStore, token: String) {
        self.store = store
        tokens = token.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func add(to router: Router<AppRequestContext>) {
        let admin = router.group("api/admin")
        admin.get("dlq") { request, context in
            try authorize(request, context)
            let q = request.uri.queryParameters
            let topic = try dlqTopic(q.get("topic").map { .string(String($0)) })
            let limit = q.get("limit").flatMap { Int($0) } ?? 100
            guard (1...1000).contains(limit) else { throw TodoError.invalid("limit", "must be from 1 to 1000") }
            let items = try await store.list(dlq: topic, limit: limit)
            return Response.json(
                .object([
                    ("topic", .string(topic.rawValue)), ("count", .int(Int64(try await store.count(dlq: topic)))),
                    ("items", .array(items.map(\.json))),
                ]))
        }
        admin.post("retry-dlq") { request, context in
            try authorize(request, context)
            var request = request
            let body = try await request.jsonObject(context: context)
            var errors = FieldErrors()
            guard case .object(let members) = body else { throw TodoError.invalid("", "the body must be a JSON object") }
            for (key, _) in members where !["topic", "max_count"].contains(key) { errors.add(key, "is not a field of this request") }
            let topic = errors.collect { try dlqTopic(body["topic"]) }
            var maxCount = 100
            if let m = body["max_count"] {
                if case .int(let n) = m, (1...10_000).contains(n) {
                    maxCount = Int(n)
                } else {
                    errors.add("max_count", "must be a whole number from 1 to 10000")
                }
            }
            try errors.check()
            let requeued = try await store.retry(dlq: topic!, maxCount: maxCount)
            context.logger.info("Dead letters requeued", metadata: ["topic": .string(topic!.rawValue), "requeued": "\(requeued)"])
            return Response.json(.object([("topic", .string(topic!.rawValue)), ("requeued", .int(Int64(requeued)))]))
        }
    }

    func dlqTopic(_ value: JSONValue?) throws -> Topic {
        guard let topic = value?.stringValue.map(Topic.init(rawValue:)) else {
            throw TodoError.invalid("topic", "is required: reminders-dlq or task-events-dlq")
        }
        guard Topic.consumed.map(\.deadLetter).contains(topic) else {
            throw TodoError.invalid("topic", "must be reminders-dlq or task-events-dlq")
        }
        return topic
    }

    func authorize(_ request: Request, _ context: AppRequestContext) throws {
        let header = request.headers[.authorization] ?? ""
        let presented = String(header.dropFirst(7))
        // Every token is compared in full (no early exit), so timing reveals neither which nor how much.
        let matches = tokens.reduce(false) { found, token in constantTimeEqual(presented, token) || found }
        guard header.hasPrefix("Bearer "), matches else {
            context.logger.warning(
                "Admin API call refused",
                metadata: ["client_address": .string(context.remoteAddress ?? "unknown"), "path": .string(request.uri.path)])
            throw TodoError.unauthorized(code: "admin_token_invalid", detail: "Send Authorization: Bearer <ADMIN_TOKEN>.")
        }
    }
}
