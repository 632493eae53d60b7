import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoStore
import TodoTesting

@Suite struct NotificationAPITests {
    /// A task with reminders through the API; its in-app notification listed, counted, read; bad
    /// reminders refused with every field named and nothing written.
    @Test(arguments: TestDatabase.available)
    func remindersAndInAppNotifications(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind, configure: { $0.adminToken = "admin-token-0123456789abcdef" }) { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            let bad = try await api.createTask(
                token, ["title": "x", "reminders": [["before": "soon"], ["at": "2026-12-01T08:00:00Z", "channels": ["pigeon"]]]])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.errorFields == ["reminders[0].before", "reminders[1].channels"])
            let list = try await api.send(.get, "/api/v1/tasks", token: token)
            #expect(list["items"] == .array([]))

            // The person's default channels apply to reminders written without channels.
            let me = try await api.send(.patch, "/api/v1/me", token: token, json: ["reminder_channels": ["in_app"]])
            #expect(me["reminder_channels"] == .array(["in_app"]))
            let badMe = try await api.send(.patch, "/api/v1/me", token: token, json: ["reminder_channels": []])
            #expect(badMe.errorFields == ["reminder_channels"])
            // Due far ahead: the app's own scheduler must not take it (as missed) before the test fires it.
            let created = try await api.createTask(
                token,
                ["title": "Dentist", "due": ["date_time": "2037-12-01T09:00"], "reminders": [["before": "PT15M"]]])
            #expect(created.status == .created)
            guard case .array(let reminders)? = created["reminders"] else { throw TestFailure("no reminders: \(created.text)") }
            #expect(reminders.count == 1)
            #expect(reminders.first?["before"] == "PT15M")
            #expect(reminders.first?["remind_at"] == "2037-12-01T07:45:00.000Z")
            #expect(reminders.first?["state"] == "pending")
            #expect(reminders.first?["channels"] == .array(["in_app"]))

            // The reminder comes due (the scheduler's step) and the notification-service handles it.
            _ = try await ReminderStore(db: api.services.db).fireDue(now: Timestamp.parse("2037-12-01T07:45:00.200Z")!, catchUp: .seconds(600))
            try await api.settle()
            let notifications = try await api.send(.get, "/api/v1/notifications", token: token)
            #expect(notifications.status == .ok)
            #expect(notifications["unread_count"] == 1)
            guard case .array(let items)? = notifications["items"], let first = items.first else { throw TestFailure(notifications.text) }
            #expect(first["title"] == "Reminder: Dentist")
            #expect(first["body"] == "Due Tuesday, 1 December 2037 at 09:00 (Europe/Berlin).")
            #expect(first["read"] == false)
            let id = first["id"]!.stringValue!
            // Someone else cannot see or read it.
            let other = try await api.signIn()
            let othersList = try await api.send(.get, "/api/v1/notifications", token: other)
            #expect(othersList["items"] == .array([]))
            let othersRead = try await api.send(.post, "/api/v1/notifications/\(id)/read", token: other)
            #expect(othersRead.status == .notFound)
            let read = try await api.send(.post, "/api/v1/notifications/\(id)/read", token: token)
            #expect(read["read"] == true)
            let count = try await api.send(.get, "/api/v1/notifications/unread-count", token: token)
            #expect(count["unread_count"] == 0)
            let all = try await api.send(.post, "/api/v1/notifications/read-all", token: token)
            #expect(all["marked_read"] == 0)
            let badLimit = try await api.send(.get, "/api/v1/notifications?limit=0&colour=red", token: token)
            #expect(badLimit.status == .unprocessableContent)
            #expect(badLimit.errorFields == ["limit", "colour"])
        }
    }

    /// The runbook's DLQ procedure: the admin API is off without ADMIN_TOKEN, refuses a wrong
    /// token, lists dead letters and requeues them.
    @Test func adminDLQAPI() async throws {
        try await TestApp.run(.sqlite) { api in
            let off = try await api.send(.get, "/api/admin/dlq?topic=reminders-dlq")
            #expect(off.status == .notFound)
        }
        try await TestApp.run(.sqlite, configure: { $0.adminToken = "admin-token-0123456789abcdef" }) { api in
            let wrong: HTTPFields = [.authorization: "Bearer nope"]
            let refused = try await api.send(.get, "/api/admin/dlq?topic=reminders-dlq", headers: wrong)
            #expect(refused.status == .unauthorized)
            let auth: HTTPFields = [.authorization: "Bearer admin-token-0123456789abcdef"]
            let empty = try await api.send(.get, "/api/admin/dlq?topic=reminders-dlq", headers: auth)
            #expect(empty.status == .ok && empty["count"] == 0)
            let badTopic = try await api.send(.post, "/api/admin/retry-dlq", json: ["topic": "orders", "max_count": 0], headers: auth)
            #expect(badTopic.status == .unprocessableContent)
            #expect(badTopic.errorFields == ["topic", "max_count"])
            let retried = try await api.send(.post, "/api/admin/retry-dlq", json: ["topic": "reminders-dlq", "max_count": 100], headers: auth)
            #expect(retried.status == .ok && retried["requeued"] == 0)
        }
        // Rotation: during the overlap both tokens work; any other is refused.
        try await TestApp.run(.sqlite, configure: { $0.adminToken = "new-admin-token-0123456789abcdef, old-admin-token-0123456789abcdef" }) { api in
            for token in ["new-admin-token-0123456789abcdef", "old-admin-token-0123456789abcdef"] {
                let r = try await api.send(.get, "/api/admin/dlq?topic=reminders-dlq", headers: [.authorization: "Bearer \(token)"])
                #expect(r.status == .ok)
            }
            for token in ["admin-token-0123456789abcdef", "new-admin-token-0123456789abcdef,", ""] {
                let r = try await api.send(.get, "/api/admin/dlq?topic=reminders-dlq", headers: [.authorization: "Bearer \(token)"])
                #expect(r.status == .unauthorized)
            }
        }
    }
}
