import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Webhook deliveries on both databases: queued once per (endpoint, event) however often the
/// event is replayed, sent in order per task, retried, and an endpoint that keeps failing turned
/// off with its owner told. (Signed HTTP deliveries to a receiver checked by an independent
/// Standard Webhooks implementation: scripts/e2e-webhooks.py.)
@Suite struct WebhookContractTests {
    @Test(arguments: TestDatabase.available)
    func deliveriesAreQueuedOnceSentInOrderAndAFailingEndpointIsTurnedOff(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let user = try await makeUser(db)
            let store = WebhookStore(db: db)
            let hook = try await store.create(
                userID: user.id, url: "https://hooks.example/x", description: "", eventTypes: [.created, .completed], secret: "whsec_AAAA")
            let other = try await store.create(
                userID: try await makeUser(db).id, url: "https://elsewhere.example/", description: "", eventTypes: [], secret: "whsec_BBBB")
            let task = try await TaskStore(db: db).create(userID: user.id, draft: TaskDraft(title: "Ship"))
            let t0 = Date().truncatedToMillis
            let created = (TaskEvent(.created, task, at: t0), UUID(), 10)
            let updated = (TaskEvent(.updated(before: TaskSnapshot(task)), task, at: t0), UUID(), 11)
            let completed = (TaskEvent(.completed, task, at: t0), UUID(), 12)
            // Replayed events queue nothing more; a type the endpoint does not take queues nothing.
            for (event, id, offset) in [created, created, updated, completed, completed] {
                try await db.write { conn in
                    try await WebhookStore.enqueue(
                        event, eventID: id, offset: offset, document: .object([("id", .string(id.lowercased))]), now: t0, conn: conn)
                }
            }
            let log = try await store.deliveries(webhookID: hook.id, userID: user.id)
            #expect(log.map(\.eventType).sorted() == ["task.completed", "task.created"])

            // In order per task: the completion waits while the creation is undelivered.
            var claimed = try await store.claim(now: t0)
            #expect(claimed.map(\.delivery.eventType) == ["task.created"])
            #expect(claimed.first?.secrets == ["whsec_AAAA"])
            #expect(try await store.claim(now: t0).isEmpty)  // held by the first claim
            try await store.record(claimed[0], outcome: .init(status: 500, error: "HTTP 500", responsePrefix: "oops", durationMs: 3), retryAt: t0 + 5)
            #expect(try await store.claim(now: t0 + 1).isEmpty)  // the retry is not due, and the completion waits for it
            claimed = try await store.claim(now: t0 + 6)
            #expect(claimed.map(\.delivery.eventType) == ["task.created"] && claimed.first?.delivery.attempts == 2)
            try await store.record(claimed[0], outcome: .init(status: 204, error: nil, responsePrefix: "", durationMs: 2), retryAt: nil, now: t0 + 6)
            claimed = try await store.claim(now: t0 + 7)
            #expect(claimed.map(\.delivery.eventType) == ["task.completed"])

            // Rotating: both secrets sign until the overlap ends.
            _ = try await store.rotate(id: hook.id, userID: user.id, secret: "whsec_CCCC", overlap: .hours(1), now: t0)
            try await store.record(
                claimed[0], outcome: .init(status: nil, error: "connection refused", responsePrefix: nil, durationMs: 1), retryAt: t0 + 8, now: t0 + 7
            )
            claimed = try await store.claim(now: t0 + 9)
            #expect(claimed.first?.secrets == ["whsec_CCCC", "whsec_AAAA"])

            // Failing for a day turns the endpoint off, gives up what waits and tells its owner.
            try await store.record(
                claimed[0], outcome: .init(status: 503, error: "HTTP 503", responsePrefix: nil, durationMs: 1), retryAt: t0 + 60, now: t0 + 9)
            let later = t0 + 86400 + 60
            claimed = try await store.claim(now: later)
            try await store.record(
                claimed[0], outcome: .init(status: 503, error: "HTTP 503", responsePrefix: nil, durationMs: 1), retryAt: later + 60, now: later)
            let off = try await store.get(id: hook.id, userID: user.id)
            #expect(!off.enabled && off.disabledReason == "failing")
            #expect(try await store.deliveries(webhookID: hook.id, userID: user.id).first { $0.eventType == "task.completed" }?.state == .failed)
            let notes = try await NotificationStore(db: db).list(userID: user.id, unreadOnly: false, before: nil, limit: 10)
            #expect(notes.first?.title == "A webhook was turned off")
            #expect(try await store.claim(now: later + 120).isEmpty)

            // Redelivery puts it back; turning the endpoint on again sends it.
            let failed = try #require(try await store.deliveries(webhookID: hook.id, userID: user.id).first { $0.eventType == "task.completed" })
            _ = try await store.redeliver(id: failed.id, webhookID: hook.id, userID: user.id, now: later + 120)
            _ = try await store.update(id: hook.id, userID: user.id, url: nil, description: nil, eventTypes: nil, enabled: true, now: later + 120)
            #expect(try await store.claim(now: later + 121).map(\.delivery.id) == [failed.id])
            // Another person cannot see it.
            await #expect(throws: TodoError.self) { try await store.get(id: hook.id, userID: other.userID) }
        }
    }
}
