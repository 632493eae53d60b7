import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

@Suite struct TaskAPITests {
    @Test(arguments: TestDatabase.available)
    func crudWithETagsAndMergePatch(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let token = try await api.signIn(timeZone: "Europe/Berlin")
            let created = try await api.createTask(
                token, ["title": "Buy milk", "priority": "high", "tags": ["home"], "due": ["date_time": "2026-12-01T09:00"]])
            #expect(created.status == .created)
            #expect(created.headers[.eTag] == "\"1\"")
            #expect(created["due"] == ["date_time": "2026-12-01T09:00", "time_zone": "Europe/Berlin", "at": "2026-12-01T08:00:00Z"])
            let id = created["id"]!.stringValue!
            #expect(created.headers[.location] == "/api/v1/tasks/\(id)")

            let patched = try await api.send(
                .patch, "/api/v1/tasks/\(id)", token: token, json: ["due": "2026-12-02", "description": "2 litres"],
                headers: [.contentType: "application/merge-patch+json", .ifMatch: "\"1\""])
            #expect(patched.status == .ok)
            #expect(patched["due"] == ["date": "2026-12-02"])
            #expect(patched["title"] == "Buy milk")
            #expect(patched.headers[.eTag] == "\"2\"")
            let stale = try await api.send(.patch, "/api/v1/tasks/\(id)", token: token, json: ["title": "Lost"], headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(try await api.send(.get, "/api/v1/tasks/\(id)", token: token)["title"] == "Buy milk")
            let cleared = try await api.send(.patch, "/api/v1/tasks/\(id)", token: token, json: ["due": nil, "tags": nil])
            #expect(cleared["due"] == .null)
            #expect(cleared["tags"] == [])

            let done = try await api.send(.post, "/api/v1/tasks/\(id)/complete", token: token)
            #expect(done["completed"] == true)
            let doneAgain = try await api.send(.post, "/api/v1/tasks/\(id)/complete", token: token)
            #expect(doneAgain["version"] == done["version"])
            #expect(try await api.send(.post, "/api/v1/tasks/\(id)/reopen", token: token)["completed"] == false)
            #expect(try await api.send(.get, "/api/v1/tasks/\(id)", token: token, headers: [.ifNoneMatch: doneAgain.headers[.eTag]!]).status == .ok)

            #expect(try await api.send(.delete, "/api/v1/tasks/\(id)", token: token, headers: [.ifMatch: "\"1\""]).status == .preconditionFailed)
            #expect(try await api.send(.delete, "/api/v1/tasks/\(id)", token: token).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/tasks/\(id)", token: token).status == .notFound)
        }
    }

    @Test func badInputIsRejectedAndChangesNothing() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn()
            let malformed = try await api.send(.post, "/api/v1/tasks", token: token, raw: "{\"title\":", headers: [.contentType: "application/json"])
            #expect(malformed.status == .badRequest)
            #expect(malformed["code"] == "malformed_json")
            let text = try await api.send(.post, "/api/v1/tasks", token: token, raw: "title=x", headers: [.contentType: "text/plain"])
            #expect(text.status == .unsupportedMediaType)
            let huge = try await api.send(
                .post, "/api/v1/tasks", token: token, raw: "{\"title\":\"x\",\"description\":\"" + String(repeating: "a", count: 1_100_000) + "\"}",
                headers: [.contentType: "application/json"])
            #expect(huge.status == .contentTooLarge)
            let invalid = try await api.createTask(
                token,
                [
                    "title": .string(String(repeating: "t", count: 501)), "priority": "p0", "tags": ["ok", "not ok"],
                    "due": ["date_time": "2026-13-01T09:00", "time_zone": "Europe/Berlin"], "completed": true,
                ])
            #expect(invalid.status == .unprocessableContent)
            let fields = invalid.errorFields
            #expect(fields == ["title", "priority", "tags[1]", "due.date_time", "completed"])
            #expect(
                try await api.createTask(token, ["title": "x", "due": ["date_time": "2026-12-01T09:00", "time_zone": "Mars/Base"]]).status
                    == .unprocessableContent)
            #expect(try await api.createTask(token, .array([])).status == .unprocessableContent)
            for query in [
                "limit=0", "limit=201", "sort=colour", "status=maybe", "cursor=garbage", "priority=p1", "due_before=tomorrow", "overdue=yes",
                "colour=red",
            ] {
                let r = try await api.send(.get, "/api/v1/tasks?\(query)", token: token)
                #expect(r.status == .unprocessableContent, "\(query)")
            }
            #expect(try await api.send(.get, "/api/v1/tasks/not-a-uuid", token: token).status == .notFound)
            let list = try await api.send(.get, "/api/v1/tasks?status=all", token: token)
            #expect(list["items"] == [])
        }
    }

    @Test func listFiltersSortsAndPages() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn(timeZone: "UTC")
            for i in 0..<7 {
                _ = try await api.createTask(
                    token, ["title": .string("Report \(i)"), "priority": i % 2 == 0 ? "high" : "low", "tags": i < 3 ? ["work"] : ["home"]])
            }
            var titles: [String] = []
            var cursor: String?
            repeat {
                let uri = "/api/v1/tasks?sort=-title&limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.send(.get, uri, token: token)
                guard case .array(let items)? = page["items"] else {
                    Issue.record("no items")
                    return
                }
                titles += items.compactMap { $0["title"]?.stringValue }
                cursor = page["next_cursor"]?.stringValue
            } while cursor != nil
            #expect(titles == (0..<7).reversed().map { "Report \($0)" })
            let filtered = try await api.send(.get, "/api/v1/tasks?tag=work&priority=high&q=report", token: token)
            guard case .array(let items)? = filtered["items"] else {
                Issue.record("no items")
                return
            }
            #expect(Set(items.compactMap { $0["title"]?.stringValue }) == ["Report 0", "Report 2"])
            let tags = try await api.send(.get, "/api/v1/tags", token: token)
            #expect(tags["items"] == [["name": "home", "open_count": 4, "total_count": 4], ["name": "work", "open_count": 3, "total_count": 3]])
            let renamed = try await api.send(.patch, "/api/v1/tags/work", token: token, json: ["name": "office"])
            #expect(renamed["name"] == "office")
            #expect(try await api.send(.patch, "/api/v1/tags/office", token: token, json: ["name": "home"]).status == .conflict)
            #expect(try await api.send(.delete, "/api/v1/tags/office", token: token).status == .noContent)
            #expect(try await api.send(.delete, "/api/v1/tags/office", token: token).status == .notFound)
        }
    }

    @Test func idempotencyKeyReturnsTheFirstResult() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn()
            let first = try await api.send(
                .post, "/api/v1/tasks", token: token, json: ["title": "Once"], headers: [.init("Idempotency-Key")!: "abc-1"])
            let second = try await api.send(
                .post, "/api/v1/tasks", token: token, json: ["title": "Once"], headers: [.init("Idempotency-Key")!: "abc-1"])
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(second.text == first.text)
            #expect(second.headers[.eTag] == first.headers[.eTag])
            #expect(second.headers[.init("Idempotent-Replayed")!] == "true")
            let other = try await api.send(
                .post, "/api/v1/tasks", token: token, json: ["title": "Twice"], headers: [.init("Idempotency-Key")!: "abc-1"])
            #expect(other.status == .unprocessableContent)
            let list = try await api.send(.get, "/api/v1/tasks", token: token)
            guard case .array(let items)? = list["items"] else {
                Issue.record("no items")
                return
            }
            #expect(items.count == 1)
            // A rejected request is remembered too: retrying it gives the same answer.
            let bad1 = try await api.send(.post, "/api/v1/tasks", token: token, json: ["title": ""], headers: [.init("Idempotency-Key")!: "abc-2"])
            let bad2 = try await api.send(.post, "/api/v1/tasks", token: token, json: ["title": ""], headers: [.init("Idempotency-Key")!: "abc-2"])
            #expect(bad1.status == .unprocessableContent)
            #expect(bad2.text == bad1.text)
        }
    }

    /// A second user gets 404 on every endpoint for the first user's ids, and lists never show them.
    @Test(arguments: TestDatabase.available)
    func authorizationMatrix(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let owner = try await api.signIn()
            let intruder = try await api.signIn()
            let task = try await api.createTask(owner, ["title": "Secret plan", "tags": ["private"]])
            let id = task["id"]!.stringValue!
            let tokenID = try await api.send(.post, "/api/v1/tokens", token: owner, json: ["name": "t", "scopes": ["tasks:read"]])["id"]!.stringValue!
            let project = try await api.send(.post, "/api/v1/projects", token: owner, json: ["name": "Secret project"])["id"]!.stringValue!
            let section = try await api.send(.post, "/api/v1/projects/\(project)/sections", token: owner, json: ["name": "Secret section"])["id"]!
                .stringValue!
            let mine = try await api.createTask(intruder, ["title": "Mine"])["id"]!.stringValue!
            let inbox = try await api.send(.get, "/api/v1/projects", token: owner)["items"]!.arrayValue![0]["id"]!.stringValue!
            let probes: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "/api/v1/projects/\(project)", nil),
                (.get, "/api/v1/projects/\(inbox)", nil),
                (.patch, "/api/v1/projects/\(project)", ["name": "mine now"]),
                (.delete, "/api/v1/projects/\(project)?tasks=delete", nil),
                (.get, "/api/v1/projects/\(project)/sections", nil),
                (.post, "/api/v1/projects/\(project)/sections", ["name": "x"]),
                (.patch, "/api/v1/sections/\(section)", ["name": "x"]),
                (.delete, "/api/v1/sections/\(section)?tasks=delete", nil),
                (.post, "/api/v1/tasks/\(id)/move", ["after": nil]),
                (.post, "/api/v1/tasks/\(mine)/move", ["after": .string(id)]),
                (.post, "/api/v1/tasks/\(mine)/move", ["project_id": .string(project)]),
                (.post, "/api/v1/tasks/\(mine)/move", ["section_id": .string(section)]),
                (.post, "/api/v1/tasks/\(mine)/move", ["parent_id": .string(id)]),
                (.patch, "/api/v1/tasks/\(mine)", ["project_id": .string(inbox)]),
                (.post, "/api/v1/tasks", ["title": "x", "parent_id": .string(id)]),
                (.post, "/api/v1/tasks", ["title": "x", "project_id": .string(project)]),
                (.get, "/api/v1/tasks/\(id)", nil),
                (.patch, "/api/v1/tasks/\(id)", ["title": "mine now"]),
                (.delete, "/api/v1/tasks/\(id)", nil),
                (.post, "/api/v1/tasks/\(id)/complete", nil),
                (.post, "/api/v1/tasks/\(id)/reopen", nil),
                (.patch, "/api/v1/tags/private", ["name": "public"]),
                (.delete, "/api/v1/tags/private", nil),
                (.delete, "/api/v1/tokens/\(tokenID)", nil),
            ]
            for (method, uri, body) in probes {
                let r = try await api.send(method, uri, token: intruder, json: body)
                #expect(r.status == .notFound, "\(method) \(uri)")
                #expect(r.text.contains("Secret") == false)
            }
            for uri in [
                "/api/v1/tasks?status=all", "/api/v1/tasks?q=secret", "/api/v1/tasks?tag=private", "/api/v1/tags", "/api/v1/tokens",
                "/api/v1/tasks?project=\(project)", "/api/v1/tasks?parent=\(id)", "/api/v1/tasks?section=\(section)",
            ] {
                let r = try await api.send(.get, uri, token: intruder)
                #expect(r.status == .ok)
                // The intruder's own task is all a list of theirs may show.
                #expect(r["items"]!.arrayValue!.allSatisfy { $0["title"] == "Mine" } && !r.text.contains("Secret"), "\(uri)")
            }
            #expect(try await api.send(.get, "/api/v1/tasks/\(mine)", token: intruder)["version"] == 1)
            #expect(try await api.send(.get, "/api/v1/projects/\(project)", token: owner)["name"] == "Secret project")
            let intact = try await api.send(.get, "/api/v1/tasks/\(id)", token: owner)
            #expect(intact["title"] == "Secret plan")
            #expect(intact["version"] == 1)
            #expect(intact["tags"] == ["private"])
        }
    }

    @Test func healthAndOpenAPI() async throws {
        try await TestApp.run { api in
            #expect(try await api.send(.get, "/health")["status"] == "ok")
            await api.services.readiness.check()
            #expect(try await api.send(.get, "/health/ready").status == .ok)
            let doc = try await api.send(.get, "/openapi.json")
            #expect(doc["openapi"] == "3.1.0")
            #expect(try await api.send(.get, "/nowhere").status == .notFound)
        }
    }
}
