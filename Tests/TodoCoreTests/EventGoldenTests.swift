import Foundation
import Testing
import TodoCore

/// The wire format of the events, held to stored examples (`Golden/`, captured by
/// `scripts/capture-event-goldens.sh` from the binary built before the typed codec existed):
/// every golden decodes to typed values and encodes back to the same bytes, and typed values
/// encode to the documented shape. This target links only TodoCore: nothing in TodoApp (the
/// API's `TaskResponse`, its field names) can change what these tests see.
@Suite struct EventGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let names = [
        "task.created", "task.created-all-day", "task.created-next-occurrence", "task.updated-patch", "task.updated-skip",
        "task.completed", "task.reopened", "task.deleted", "reminder.due",
    ]

    func golden(_ name: String) throws -> (text: String, json: JSONValue) {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(name + ".json"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (text, try JSONValue.parse(Data(text.utf8)))
    }

    func encode(_ event: DomainEvent, like original: JSONValue) throws -> String {
        var out: OutboxEvent
        switch event {
        case .task(let e): out = CloudEventCodec.encode(e)
        case .reminderDue(let r): out = CloudEventCodec.encode(r)
        case .other(let type): throw EventDecodingFailure("type", "\(type) is not a known type")
        }
        // The envelope's own id and trace context are the outbox's, not the event's.
        out.id = try #require(original["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
        out.traceparent = original["traceparent"]?.stringValue
        return out.cloudEvent.serialized()
    }

    @Test(arguments: names)
    func decodesToTypesAndEncodesBackByteForByte(_ name: String) throws {
        let (text, json) = try golden(name)
        let event = try CloudEventCodec.decode(json).get()
        #expect(try encode(event, like: json) == text)
    }

    @Test func aTaskEventCarriesTypedValues() throws {
        guard case .task(let created) = try CloudEventCodec.decode(try golden("task.created").json).get() else {
            Issue.record("not a task event")
            return
        }
        #expect(created.type == .created)
        #expect(created.task.title == "Water the plants")
        #expect(created.task.priority == .high)
        #expect(created.task.tags == ["home", "garden"])
        #expect(
            created.task.due == .dateTime(LocalDateTime("2030-03-29T09:30")!, timeZone: "Europe/Berlin", at: Timestamp.parse("2030-03-29T08:30:00Z")!)
        )
        #expect(created.task.recurrence == Recurrence(rule: "FREQ=WEEKLY;BYDAY=MO,FR", anchor: .schedule))
        #expect(created.task.reminders.map(\.trigger) == [.at(Timestamp.parse("2030-03-28T18:00:00Z")!), .before(seconds: 900)])
        #expect(created.task.occurrenceIndex == 0 && created.task.seriesID == created.task.id)

        guard case .task(let skip) = try CloudEventCodec.decode(try golden("task.updated-skip").json).get(),
            case .task(let patch) = try CloudEventCodec.decode(try golden("task.updated-patch").json).get()
        else {
            Issue.record("not task events")
            return
        }
        #expect(skip.isSkip && skip.before.skippedAt == nil && skip.task.skippedAt != nil)
        #expect(!patch.isSkip)
        #expect(patch.before.title == "Water the plants" && patch.task.title == "Water all the plants")
        #expect(patch.before.tags == ["home", "garden"] && patch.task.tags == ["home"])
        #expect(patch.before.version == patch.task.version - 1 || patch.before.version == patch.task.version)
    }

    @Test func typedValuesEncodeToTheDocumentedShape() throws {
        let (text, json) = try golden("reminder.due")
        let data = try #require(json["data"])
        func id(_ key: String) throws -> UUID { try #require(data[key]?.stringValue.flatMap(UUID.init(uuidString:))) }
        func time(_ key: String) throws -> Date { try #require(data[key]?.stringValue.flatMap(Timestamp.parse)) }
        let reminder = ReminderDue(
            reminderID: try id("reminder_id"), taskID: try id("task_id"), userID: try id("user_id"), title: "Call mum",
            due: .dateTime(LocalDateTime("2030-03-29T18:00")!, timeZone: "Europe/Berlin"), dueAt: Timestamp.parse("2030-03-29T17:00:00Z")!,
            remindAt: try time("remind_at"), channels: [.email, .inApp], email: "golden@example.com", timeZone: "Europe/Berlin",
            timestamp: try time("timestamp"))
        #expect(try encode(.reminderDue(reminder), like: json) == text)
        #expect(ReminderText.body(reminder) == "Due Friday, 29 March 2030 at 18:00 (Europe/Berlin).")
    }

    @Test func undecodableEventsSayWhereAndWhy() throws {
        let (_, json) = try golden("task.completed")
        func without(_ path: [String], in value: JSONValue) -> JSONValue {
            guard case .object(let members) = value, let first = path.first else { return value }
            if path.count == 1 { return .object(members.filter { $0.0 != first }) }
            return .object(members.map { $0.0 == first ? ($0.0, without(Array(path.dropFirst()), in: $0.1)) : $0 })
        }
        let noZone = CloudEventCodec.decode(without(["data", "task_data", "due", "time_zone"], in: json))
        #expect(noZone == .failure(EventDecodingFailure("data.task_data.due", "without time_zone")))
        func replacing(_ path: [String], with new: JSONValue, in value: JSONValue) -> JSONValue {
            guard case .object(let members) = value, let first = path.first else { return new }
            return .object(members.map { $0.0 == first ? ($0.0, replacing(Array(path.dropFirst()), with: new, in: $0.1)) : $0 })
        }
        let unknownZone = CloudEventCodec.decode(replacing(["data", "task_data", "due", "time_zone"], with: "Mars/Olympus_Mons", in: json))
        #expect(unknownZone == .failure(EventDecodingFailure("data.task_data.due.time_zone", "expected an IANA time zone")))
        let noData = CloudEventCodec.decode(without(["data"], in: json))
        #expect(noData == .failure(EventDecodingFailure("(document)", "without data")))
        guard case .object(var members) = json else { return }
        members = members.map { $0.0 == "type" ? ($0.0, .string("task.archived")) : $0 }
        #expect(CloudEventCodec.decode(.object(members)) == .success(.other(type: "task.archived")))
        #expect(CloudEventCodec.decode(.string("x")) == .failure(EventDecodingFailure("(document)", "expected an object, got a string")))
    }
}

/// Since projects, `task_data` carries the task's place; an event with it decodes to the same
/// typed value it was encoded from, and a move is an update whose `changes` name the place.
@Suite struct PlacementEventTests {
    @Test func placementRoundTripsAndAMoveIsAChange() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let user = UUID.v7(at: now)
        let project = UUID.v7(at: now)
        var task = TodoTask(id: .v7(at: now), userID: user, title: "Launch", createdAt: now, updatedAt: now)
        #expect(task.projectID == user)  // the Inbox
        let before = task
        task.placement = Placement(projectID: project, sectionID: .v7(at: now), parentID: .v7(at: now), position: Position("tV")!)
        task.version = 2
        let event = TaskEvent.updated(from: before, to: task, at: now)
        let out = CloudEventCodec.encode(event)
        let data = try #require(out.cloudEvent["data"])
        #expect(data["task_data"]?["project_id"] == .string(project.lowercased))
        #expect(data["changes"]?["project_id"]?["old"] == .string(user.lowercased))
        #expect(data["changes"]?["position"]?["new"] == "tV")
        guard case .task(let decoded) = try CloudEventCodec.decode(out.cloudEvent).get() else {
            Issue.record("not a task event")
            return
        }
        // (`before` is rebuilt from the changes, which leave out version and updated_at)
        #expect(decoded.task == event.task && decoded.timestamp == event.timestamp)
        #expect(decoded.before.placement == TaskSnapshot(before).placement)
    }
}
