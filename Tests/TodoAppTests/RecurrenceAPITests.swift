import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

@Suite struct RecurrenceAPITests {
    @Test(arguments: TestDatabase.available)
    func recurringTaskLifecycle(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            let created = try await api.createTask(
                token,
                [
                    "title": "Standup", "due": ["date_time": "2030-01-07T09:00"],
                    "recurrence": ["rule": "freq=weekly;byday=we,mo", "anchor": "schedule"],
                ])
            #expect(created.status == .created)
            #expect(
                created["recurrence"] == [
                    "rule": "FREQ=WEEKLY;BYDAY=MO,WE", "anchor": "schedule", "description": "Every week on Monday and Wednesday",
                ])
            #expect(created["series_id"] == created["id"])
            #expect(created["occurrence_index"] == 0)
            let id = created["id"]!.stringValue!

            let done = try await api.send(.post, "/api/v1/tasks/\(id)/complete", token: token)
            #expect(done["completed"] == true)
            try await api.settle()
            let open = try await api.send(.get, "/api/v1/tasks", token: token)
            guard case .array(let items)? = open["items"], let next = items.first else {
                Issue.record("no next occurrence")
                return
            }
            #expect(items.count == 1)
            #expect(next["due"] == ["date_time": "2030-01-09T09:00", "time_zone": "Europe/Berlin", "at": "2030-01-09T08:00:00Z"])
            #expect(next["occurrence_index"] == 1)
            let nextID = next["id"]!.stringValue!

            let skipped = try await api.send(.post, "/api/v1/tasks/\(nextID)/skip", token: token)
            #expect(skipped.status == .ok)
            #expect(skipped["skipped_at"] != .null)
            try await api.settle()
            let history = try await api.send(.get, "/api/v1/tasks/\(nextID)/history", token: token)
            guard case .array(let entries)? = history["items"] else {
                Issue.record("no history")
                return
            }
            #expect(entries.map { $0["status"] } == ["completed", "skipped"])
            #expect(entries.map { $0["occurrence_index"] } == [0, 1])

            // Stop the series: the open occurrence stays, completing it creates nothing.
            let third = try await api.send(.get, "/api/v1/tasks", token: token)
            guard case .array(let now)? = third["items"], let thirdID = now.first?["id"]?.stringValue else {
                Issue.record("no third")
                return
            }
            let stopped = try await api.send(.patch, "/api/v1/tasks/\(thirdID)", token: token, json: ["recurrence": nil])
            #expect(stopped["recurrence"] == .null)
            _ = try await api.send(.post, "/api/v1/tasks/\(thirdID)/complete", token: token)
            try await api.settle()
            #expect(try await api.send(.get, "/api/v1/tasks", token: token)["items"] == [])
        }
    }

    @Test func badRecurrenceIsRejectedWithThePartAndReason() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn()
            let bad = try await api.createTask(
                token, ["title": "x", "due": "2030-01-07", "recurrence": ["rule": "FREQ=WEEKLY;BYDAY=XX", "anchor": "sometimes"]])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.errorFields == ["recurrence.rule", "recurrence.anchor"])
            #expect(bad.text.contains("BYDAY"))
            let noDue = try await api.createTask(token, ["title": "x", "recurrence": ["rule": "FREQ=DAILY"]])
            #expect(noDue.errorFields == ["due"])
            let plain = try await api.createTask(token, ["title": "once"])
            let skip = try await api.send(.post, "/api/v1/tasks/\(plain["id"]!.stringValue!)/skip", token: token)
            #expect(skip.status == .conflict)
            #expect(skip["code"] == "not_recurring")
            #expect(try await api.send(.get, "/api/v1/tasks", token: token)["items"].map { if case .array(let a) = $0 { a.count } else { -1 } } == 1)
        }
    }

    @Test func previewShowsInstancesWithOffsetsAndADescription() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn()
            let r = try await api.send(
                .get,
                "/api/v1/recurrence/preview?rule=FREQ%3DWEEKLY%3BINTERVAL%3D2%3BBYDAY%3DMO%2CWE%3BCOUNT%3D10&start=2026-10-19T09:00&time_zone=Europe/Berlin&count=4",
                token: token)
            #expect(r.status == .ok)
            #expect(
                r["instances"] == [
                    "2026-10-19T09:00:00+02:00", "2026-10-21T09:00:00+02:00", "2026-11-02T09:00:00+01:00", "2026-11-04T09:00:00+01:00",
                ])
            #expect(r["description"] == "Every 2 weeks on Monday and Wednesday, 10 times")
            let bad = try await api.send(.get, "/api/v1/recurrence/preview?rule=FREQ%3DDAILY%3BCOUNT%3D0&count=500&time_zone=Nowhere", token: token)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.errorFields == ["rule", "count", "time_zone"])
        }
    }
}
