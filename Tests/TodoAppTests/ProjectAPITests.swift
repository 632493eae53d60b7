import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

/// Projects, sections, subtasks, moves and views through the HTTP API.
@Suite struct ProjectAPITests {
    @Test(arguments: TestDatabase.available)
    func projectsSubtasksMovesAndViews(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            let inbox = try await api.send(.get, "/api/v1/projects", token: token)["items"]!.arrayValue![0]
            #expect(inbox["name"] == "Inbox" && inbox["is_inbox"] == true && inbox["open_tasks"] == 0)
            let created = try await api.send(.post, "/api/v1/projects", token: token, json: ["name": "Work", "color": "blue"])
            #expect(created.status == .created && created["color"] == "blue" && created.headers[.eTag] == "\"1\"")
            let work = created["id"]!.stringValue!
            #expect(created.headers[.location] == "/api/v1/projects/\(work)")
            let bad = try await api.send(.post, "/api/v1/projects", token: token, json: ["name": " ", "color": "plaid", "icon": "x"])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad["errors"]!.arrayValue!.compactMap { $0["field"]?.stringValue }) == ["name", "color", "icon"])

            let parent = try await api.createTask(token, ["title": "Launch", "project_id": .string(work)])
            #expect(parent["project_id"] == .string(work) && parent["parent_id"] == .null && parent["subtasks"] == ["open": 0, "total": 0])
            let pid = parent["id"]!.stringValue!
            let child = try await api.createTask(token, ["title": "Write notes", "parent_id": .string(pid), "due": "2026-12-03"])
            #expect(child["project_id"] == .string(work) && child["parent_id"] == .string(pid))
            #expect(try await api.send(.get, "/api/v1/tasks/\(pid)", token: token)["subtasks"] == ["open": 1, "total": 1])
            let loose = try await api.createTask(token, ["title": "Loose"])
            #expect(loose["project_id"] == inbox["id"])

            // A move: the loose task goes first in Work; then under the parent, after its child.
            let lid = loose["id"]!.stringValue!
            let first = try await api.send(.post, "/api/v1/tasks/\(lid)/move", token: token, json: ["project_id": .string(work), "after": nil])
            #expect(first.status == .ok && first["project_id"] == .string(work) && first["version"] == 2)
            var titles = try await api.send(.get, "/api/v1/tasks?project=\(work)&sort=manual", token: token)["items"]!.arrayValue!.map { $0["title"] }
            #expect(titles == ["Loose", "Launch", "Write notes"])
            let nested = try await api.send(
                .post, "/api/v1/tasks/\(lid)/move", token: token, json: ["after": .string(child["id"]!.stringValue!)], headers: [.ifMatch: "\"2\""])
            #expect(nested["parent_id"] == .string(pid))
            titles = try await api.send(.get, "/api/v1/tasks?project=\(work)&sort=manual", token: token)["items"]!.arrayValue!.map { $0["title"] }
            #expect(titles == ["Launch", "Write notes", "Loose"])
            let cycle = try await api.send(.post, "/api/v1/tasks/\(pid)/move", token: token, json: ["parent_id": .string(lid)])
            #expect(cycle.status == .unprocessableContent && cycle["errors"]!.arrayValue![0]["field"] == "parent_id")
            let unknown = try await api.send(.post, "/api/v1/tasks/\(pid)/move", token: token, json: ["before": nil])
            #expect(unknown.status == .unprocessableContent)
            let stale = try await api.send(.post, "/api/v1/tasks/\(lid)/move", token: token, json: ["after": nil], headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)

            // Completing the parent alone leaves its subtasks; with_subtasks takes them along.
            let done = try await api.send(.post, "/api/v1/tasks/\(pid)/complete?with_subtasks=true", token: token)
            #expect(done["completed"] == true && done["subtasks"] == ["open": 0, "total": 2])
            #expect(try await api.send(.post, "/api/v1/tasks/\(pid)/complete?with_subtasks=maybe", token: token).status == .unprocessableContent)
            _ = try await api.send(.post, "/api/v1/tasks/\(pid)/reopen", token: token)

            // Views: the child is due today in Berlin.
            _ = try await api.send(.post, "/api/v1/tasks/\(child["id"]!.stringValue!)/reopen", token: token)
            let upcoming = try await api.send(.get, "/api/v1/tasks?view=upcoming&days=3", token: token)
            #expect(upcoming.status == .ok)
            #expect(upcoming["groups"]?.arrayValue?.count ?? 0 <= 1)
            #expect(try await api.send(.get, "/api/v1/tasks?view=inbox", token: token)["items"] == [])
            #expect(try await api.send(.get, "/api/v1/tasks?view=someday", token: token).status == .unprocessableContent)

            // Deleting a project with tasks needs a decision; moving them takes the subtree along.
            let refused = try await api.send(.delete, "/api/v1/projects/\(work)", token: token)
            #expect(refused.status == .unprocessableContent && refused["errors"]!.arrayValue![0]["field"] == "tasks")
            #expect(try await api.send(.get, "/api/v1/projects/\(work)", token: token)["open_tasks"] == 2)
            #expect(try await api.send(.delete, "/api/v1/projects/\(work)?tasks=move", token: token).status == .noContent)
            let moved = try await api.send(.get, "/api/v1/tasks/\(lid)", token: token)
            #expect(moved["project_id"] == inbox["id"] && moved["parent_id"] == .string(pid))
            #expect(try await api.send(.delete, inboxURI(inbox), token: token).status == .conflict)
            let rename = try await api.send(.patch, inboxURI(inbox), token: token, json: ["name": "Elsewhere"])
            #expect(rename.status == .unprocessableContent)
        }
    }

    @Test(arguments: TestDatabase.available)
    func savedFiltersListWhatTheirQuerySays(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            _ = try await api.createTask(token, ["title": "Urgent work", "tags": ["work"], "priority": "urgent"])
            _ = try await api.createTask(token, ["title": "Slow work", "tags": ["work"], "priority": "low"])
            _ = try await api.createTask(token, ["title": "Home", "priority": "urgent"])
            let bad = try await api.send(.post, "/api/v1/filters", token: token, json: ["name": "Broken", "query": "#work & (urgent | "])
            #expect(bad.status == .unprocessableContent)
            #expect(bad["errors"]!.arrayValue![0]["field"] == "query")
            #expect(bad["errors"]!.arrayValue![0]["reason"]?.stringValue?.hasPrefix("at position 19: expected a term") == true)
            #expect(try await api.send(.get, "/api/v1/filters", token: token)["items"] == [])
            let saved = try await api.send(
                .post, "/api/v1/filters", token: token, json: ["name": "Work now", "query": "#work & !low", "color": "red"])
            #expect(saved.status == .created && saved["query"] == "#work & !low" && saved.headers[.eTag] == "\"1\"")
            let id = saved["id"]!.stringValue!
            var titles = try await api.send(.get, "/api/v1/tasks?filter=\(id)", token: token)["items"]!.arrayValue!.map { $0["title"] }
            #expect(titles == ["Urgent work"])
            let patched = try await api.send(.patch, "/api/v1/filters/\(id)", token: token, json: ["query": "urgent"], headers: [.ifMatch: "\"1\""])
            #expect(patched["version"] == 2)
            titles = try await api.send(.get, "/api/v1/tasks?filter=\(id)&sort=title", token: token)["items"]!.arrayValue!.map { $0["title"] }
            #expect(titles == ["Home", "Urgent work"])
            let other = try await api.signIn()
            #expect(try await api.send(.get, "/api/v1/tasks?filter=\(id)", token: other).status == .notFound)
            #expect(try await api.send(.get, "/api/v1/filters/\(id)", token: other).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/filters/\(id)", token: other).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/filters/\(id)", token: token).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/tasks?filter=\(id)", token: token).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func quickAddPlacesTasksInProjectsAndSections(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            let work = try await api.send(.post, "/api/v1/projects", token: token, json: ["name": "Work"])["id"]!.stringValue!
            let doing = try await api.send(.post, "/api/v1/projects/\(work)/sections", token: token, json: ["name": "Doing"])["id"]!.stringValue!
            let created = try await api.send(.post, "/api/v1/tasks/quick", token: token, json: ["text": "Ship the release +work /doing tomorrow"])
            #expect(created.status == .created && created["title"] == "Ship the release")
            #expect(created["project_id"] == .string(work) && created["section_id"] == .string(doing))
            let parsed = try await api.send(.post, "/api/v1/tasks/parse", token: token, json: ["text": "Ask +nobody about it"])
            #expect(parsed["title"] == "Ask +nobody about it" && parsed["project_id"] == nil)
            #expect(parsed["unknown"]!.arrayValue!.map { $0["text"] } == ["+nobody"])
        }
    }

    func inboxURI(_ inbox: JSONValue) -> String { "/api/v1/projects/\(inbox["id"]!.stringValue!)" }
}
