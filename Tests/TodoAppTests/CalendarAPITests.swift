import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

/// Calendar feeds through the API on both databases: managing them, what a feed URL serves, and
/// that it is the URL alone that grants it. (Independent parsers read the feeds in
/// scripts/e2e-calendar.py.)
@Suite struct CalendarAPITests {
    @Test(arguments: TestDatabase.available)
    func feedsServeTheirScopeUntilRotatedOrDeleted(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let me = try await api.signIn()
            let other = try await api.signIn()
            let project = try await api.send(.post, "/api/v1/projects", token: me, json: ["name": "Garden"])["id"]!.stringValue!
            _ = try await api.createTask(me, ["title": "Rent", "due": "2027-01-05"])
            _ = try await api.createTask(me, ["title": "Roses", "due": "2027-02-10", "project_id": .string(project)])
            _ = try await api.createTask(me, ["title": "No date"])

            let all = try await api.send(.post, "/api/v1/calendar-feeds", token: me, json: ["name": "Mine"])
            #expect(all.status == .created && all["scope"] == "all" && all["include_completed"] == false)
            let url = all["url"]!.stringValue!
            #expect(url.hasPrefix("http://localhost:8000/ical/cal_") && url.hasSuffix(".ics"))
            let path = String(url.dropFirst("http://localhost:8000".count))
            let id = all["id"]!.stringValue!
            // The URL is not given again.
            #expect(try await api.send(.get, "/api/v1/calendar-feeds/\(id)", token: me)["url"] == nil)

            let served = try await api.send(.get, path)
            #expect(served.status == .ok && served.headers[.contentType] == "text/calendar; charset=utf-8")
            #expect(served.text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && served.text.hasSuffix("END:VCALENDAR\r\n"))
            #expect(served.text.contains("SUMMARY:Rent\r\n") && served.text.contains("SUMMARY:Roses\r\n") && !served.text.contains("No date"))
            #expect(served.text.contains("X-WR-CALNAME:Mine\r\n"))
            let etag = served.headers[.eTag]!
            #expect(try await api.send(.get, path, headers: [.ifNoneMatch: etag]).status == .notModified)
            #expect(try await api.send(.get, "/api/v1/calendar-feeds/\(id)", token: me)["last_read_at"] != .null)

            let scoped = try await api.send(
                .post, "/api/v1/calendar-feeds", token: me, json: ["scope": "project", "project_id": .string(project)])
            let scopedText = try await api.send(.get, String(scoped["url"]!.stringValue!.dropFirst("http://localhost:8000".count))).text
            #expect(scopedText.contains("SUMMARY:Roses") && !scopedText.contains("SUMMARY:Rent"))

            // Another person's project, an unknown scope, a wrong type: 422 naming the field, nothing made.
            let theirs = try await api.send(.post, "/api/v1/projects", token: other, json: ["name": "Theirs"])["id"]!
            let refused = try await api.send(.post, "/api/v1/calendar-feeds", token: me, json: ["scope": "project", "project_id": theirs])
            #expect(refused.status == .unprocessableContent && refused.errorFields == ["project_id"])
            let bad = try await api.send(.post, "/api/v1/calendar-feeds", token: me, json: ["scope": "week", "include_completed": 1])
            #expect(bad.status == .unprocessableContent && bad.errorFields == ["scope", "include_completed"])
            #expect(try await api.send(.get, "/api/v1/calendar-feeds", token: me)["items"]?.arrayValue?.count == 2)
            // Nobody else can see, change or delete it.
            #expect(try await api.send(.get, "/api/v1/calendar-feeds/\(id)", token: other).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/calendar-feeds/\(id)", token: other).status == .notFound)

            let patched = try await api.send(.patch, "/api/v1/calendar-feeds/\(id)", token: me, json: ["include_completed": true, "name": "All"])
            #expect(patched["include_completed"] == true && patched["name"] == "All")
            #expect(try await api.send(.patch, "/api/v1/calendar-feeds/\(id)", token: me, json: ["scope": "all"]).errorFields == ["scope"])

            let rotated = try await api.send(.post, "/api/v1/calendar-feeds/\(id)/rotate", token: me)
            let newPath = String(rotated["url"]!.stringValue!.dropFirst("http://localhost:8000".count))
            #expect(newPath != path)
            #expect(try await api.send(.get, path).status == .notFound)
            #expect(try await api.send(.get, newPath).status == .ok)
            #expect(try await api.send(.get, "/ical/nothing-here").status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/calendar-feeds/\(id)", token: me).status == .noContent)
            #expect(try await api.send(.get, newPath).status == .notFound)
        }
    }
}
