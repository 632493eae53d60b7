import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

@Suite struct QuickAddAPITests {
    @Test func parseReportsFieldsAndSpansAndCreatesNothing() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            let parsed = try await api.send(
                .post, "/api/v1/tasks/parse", token: token,
                json: ["text": "Pay rent every month on the 1st at 9am #bills !high", "now": "2026-11-29T10:00"])
            #expect(parsed.status == .ok)
            #expect(parsed["title"] == "Pay rent")
            #expect(parsed["due"] == ["date_time": "2026-12-01T09:00", "time_zone": "Europe/Berlin"])
            #expect(parsed["recurrence"]?["rule"] == "FREQ=MONTHLY;BYMONTHDAY=1")
            #expect(parsed["recurrence"]?["description"]?.stringValue?.isEmpty == false)
            #expect(parsed["priority"] == "high")
            #expect(parsed["tags"] == ["bills"])
            #expect(
                parsed["tokens"] == [
                    ["start": 9, "end": 31, "kind": "recurrence", "text": "every month on the 1st"],
                    ["start": 32, "end": 38, "kind": "time", "text": "at 9am"],
                    ["start": 39, "end": 45, "kind": "tag", "text": "#bills"],
                    ["start": 46, "end": 51, "kind": "priority", "text": "!high"],
                ])
            // another zone and the server's clock
            let tokyo = try await api.send(.post, "/api/v1/tasks/parse", token: token, json: ["text": "Call tomorrow", "time_zone": "Asia/Tokyo"])
            #expect(tokyo["due"]?["date"] != nil)
            #expect(try await api.send(.get, "/api/v1/tasks?status=all", token: token)["items"] == [])
        }
    }

    @Test(arguments: TestDatabase.available)
    func quickCreatesTheTask(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            let created = try await api.send(
                .post, "/api/v1/tasks/quick", token: token, json: ["text": "Water plants every! 3 days at 8pm #home p2 remind me 15 minutes before"])
            #expect(created.status == .created)
            #expect(created["title"] == "Water plants")
            #expect(created["recurrence"]?["rule"] == "FREQ=DAILY;INTERVAL=3")
            #expect(created["recurrence"]?["anchor"] == "completion")
            #expect(created["due"]?["time_zone"] == "Europe/Berlin")
            #expect(created["due"]?["date_time"]?.stringValue?.hasSuffix("T20:00") == true)
            #expect(created["tags"] == ["home"])
            #expect(created["priority"] == "high")
            if case .array(let reminders)? = created["reminders"] { #expect(reminders.count == 1) } else { Issue.record("no reminders") }
            let id = try #require(created["id"]?.stringValue)
            #expect(created.headers[.location] == "/api/v1/tasks/\(id)")
            #expect(try await api.send(.get, "/api/v1/tasks/\(id)", token: token)["title"] == "Water plants")
        }
    }

    @Test func badInputGetsAClearErrorAndChangesNothing() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn()
            for (body, field) in [
                (["text": ""] as JSONValue, "text"), (["text": 5], "text"), ([:], "text"), (["text": "x", "colour": "red"], "colour"),
                (["text": .string(String(repeating: "a", count: 501))], "text"), (["text": "a\nb"], "text"), (["text": "tomorrow #home"], "text"),
            ] {
                let r = try await api.send(.post, "/api/v1/tasks/quick", token: token, json: body)
                #expect(r.status == .unprocessableContent, "\(body)")
                #expect(r.errorFields == Set([field]), "\(body)")
            }
            for (body, field) in [(["text": "x", "now": "tomorrow"] as JSONValue, "now"), (["text": "x", "time_zone": "Mars/Base"], "time_zone")] {
                let r = try await api.send(.post, "/api/v1/tasks/parse", token: token, json: body)
                #expect(r.status == .unprocessableContent)
                #expect(r.errorFields == Set([field]))
            }
            #expect(try await api.send(.get, "/api/v1/tasks?status=all", token: token)["items"] == [])
            // a read-only token may parse but not create
            let readOnly = try await api.send(.post, "/api/v1/tokens", token: token, json: ["name": "ro", "scopes": ["tasks:read"]])
            let ro = try #require(readOnly["token"]?.stringValue)
            #expect(try await api.send(.post, "/api/v1/tasks/parse", token: ro, json: ["text": "x tomorrow"]).status == .ok)
            #expect(try await api.send(.post, "/api/v1/tasks/quick", token: ro, json: ["text": "x tomorrow"]).status == .forbidden)
        }
    }
}
