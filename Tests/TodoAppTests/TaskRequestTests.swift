import Testing
import TodoCore

@testable import TodoApp

/// The task request bodies (TodoApp's own types) read into the domain's commands: every bad field
/// at once, merge-patch `null` versus absent, and quick add's fields in the shapes the task API
/// takes. (Moved here from TodoCoreTests with the decoding.)
@Suite struct TaskRequestTests {
    let zone: TimeZoneID = "Europe/Berlin"

    @Test func draftReportsEveryBadField() {
        let json: JSONValue = ["title": "  ", "priority": "p1", "tags": ["a", 3, "#b c"], "due": ["date_time": "x"], "colour": "red"]
        #expect(throws: TodoError.self) { try TaskCreateRequest.decode(json, defaultTimeZone: "UTC") }
        do {
            _ = try TaskCreateRequest.decode(json, defaultTimeZone: "UTC")
        } catch TodoError.validation(let errors) {
            #expect(Set(errors.map(\.field)) == ["colour", "title", "priority", "tags[1]", "tags[2]", "due.date_time"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func mergePatchDistinguishesNullFromAbsent() throws {
        let patch = try TaskPatchRequest.decode(["due": nil, "priority": nil], defaultTimeZone: "UTC")
        #expect(patch.due == .clear)
        #expect(patch.priority == Priority.none)
        #expect(patch.title == nil)
        let readOnly = #expect(throws: TodoError.self) { try TaskPatchRequest.decode(["completed": true], defaultTimeZone: "UTC") }
        #expect(readOnly != nil)
    }

    @Test func theTaskJSONHasTheShapesOfTheTaskAPI() throws {
        let r = QuickAdd.parse(
            "Dentist tomorrow at 3pm remind me 15 minutes before #health !high", now: LocalDateTime("2026-11-29T10:00")!, timeZone: zone)
        let draft = try TaskCreateRequest.decode(r.taskJSON, defaultTimeZone: zone)
        #expect(draft.title == "Dentist")
        #expect(r.taskJSON["due"]?["date_time"]?.stringValue == "2026-11-30T15:00")
        #expect(r.taskJSON["reminders"] == .array([.object([("before", .string("PT15M"))])]))
    }
}
