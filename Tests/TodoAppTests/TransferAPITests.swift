import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

/// Export and import through the API on both databases. (The CLI, a richer document and 10,000
/// tasks: scripts/e2e-transfer.py.)
@Suite struct TransferAPITests {
    @Test(arguments: TestDatabase.available)
    func aRoundTripReproducesTheTasksAndRepeatingItWritesNothing(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let alice = try await api.signIn()
            let project = try await api.send(.post, "/api/v1/projects", token: alice, json: ["name": "Home", "color": "red"])["id"]!
            let parent = try await api.createTask(
                alice,
                [
                    "title": "Parent", "project_id": project, "tags": ["a", "B"], "priority": "high",
                    "due": ["date_time": "2027-01-01T09:00", "time_zone": "America/New_York"], "recurrence": ["rule": "FREQ=DAILY;COUNT=3"],
                    "reminders": [["before": "PT10M"]],
                ])["id"]!
            let child = try await api.createTask(alice, ["title": "Child", "parent_id": parent, "description": "x\ny"])["id"]!
            _ = try await api.createTask(alice, ["title": "Grandchild", "parent_id": child])
            _ = try await api.createTask(alice, ["title": "Inbox", "due": "2027-02-01"])
            let exported = try await api.send(.get, "/api/v1/export", token: alice)
            #expect(exported.status == .ok && exported["format"] == "todo.export" && exported["version"] == 1)
            #expect(exported["tasks"]?.arrayValue?.count == 4)

            let bob = try await api.signIn()
            let dry = try await api.send(
                .post, "/api/v1/import?dry_run=true", token: bob, raw: exported.text, headers: [.contentType: "application/json"])
            #expect(dry["created"]?["tasks"] == 4 && dry["created"]?["projects"] == 1 && dry["created"]?["reminders"] == 1)
            #expect(try await api.send(.get, "/api/v1/tasks?status=all", token: bob)["items"]?.arrayValue?.isEmpty == true)
            let first = try await api.send(.post, "/api/v1/import", token: bob, raw: exported.text, headers: [.contentType: "application/json"])
            #expect(first.status == .ok && first["created"]?["tasks"] == 4 && first["existing"]?["tasks"] == 0)
            let again = try await api.send(.post, "/api/v1/import", token: bob, raw: exported.text, headers: [.contentType: "application/json"])
            #expect(again["created"]?["tasks"] == 0 && again["existing"]?["tasks"] == 4 && again["existing"]?["projects"] == 1)

            // Bob's export is Alice's, ids and owner aside.
            let copy = try await api.send(.get, "/api/v1/export", token: bob)
            func shape(_ doc: APIResponse) -> [String] {
                let tasks = doc["tasks"]?.arrayValue ?? []
                let titles = Dictionary(uniqueKeysWithValues: tasks.map { ($0["id"]!.stringValue!, $0["title"]!.stringValue!) })
                return tasks.map { t in
                    var members: [(String, JSONValue)] = []
                    guard case .object(let all) = t else { return "" }
                    for (key, value) in all where !["id", "user_id", "series_id", "project_id", "parent_id", "reminders"].contains(key) {
                        members.append((key, value))
                    }
                    let reminders = (t["reminders"]?.arrayValue ?? []).map { r in
                        "\(r["before"]!) \(r["remind_at"]!) \(r["state"]!) \(r["channels"]!)"
                    }
                    return JSONValue.object(members).serialized()
                        + " parent=\(t["parent_id"]?.stringValue.flatMap { titles[$0] } ?? "-") \(reminders)"
                }.sorted()
            }
            #expect(shape(copy) == shape(exported))
            #expect(copy["projects"]?.arrayValue?.map { $0["name"] } == ["Home"])

            // A mistake anywhere: 422 naming it, nothing written.
            let carol = try await api.signIn()
            let broken = exported.text.replacingOccurrences(of: "\"title\":\"Grandchild\"", with: "\"title\":\"\"")
            let refused = try await api.send(.post, "/api/v1/import", token: carol, raw: broken, headers: [.contentType: "application/json"])
            #expect(
                refused.status == .unprocessableContent && refused.errorFields.count == 1 && refused.errorFields.first?.hasSuffix("].title") == true)
            #expect(try await api.send(.get, "/api/v1/tasks?status=all", token: carol)["items"]?.arrayValue?.isEmpty == true)
            #expect(try await api.send(.get, "/api/v1/projects", token: carol)["items"]?.arrayValue?.count == 1)  // the Inbox
            let wrongType = try await api.send(.post, "/api/v1/import", token: carol, raw: "[1]", headers: [.contentType: "application/json"])
            #expect(wrongType.status == .unprocessableContent)
            let readOnly = try await api.send(
                .post, "/api/v1/tokens", token: alice, json: ["name": "ro", "scopes": ["tasks:read"], "expires_in_days": 1])["token"]!.stringValue!
            #expect(try await api.send(.get, "/api/v1/export", token: readOnly).status == .ok)
            #expect(
                try await api.send(.post, "/api/v1/import", token: readOnly, raw: exported.text, headers: [.contentType: "application/json"]).status
                    == .forbidden)
        }
    }
}
