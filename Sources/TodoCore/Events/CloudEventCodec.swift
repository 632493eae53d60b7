import Foundation

/// Why a CloudEvent could not be decoded: the JSON path of the offending member and the reason
/// (`data.task_data.due.time_zone: expected a string`). A consumer dead-letters such an event with
/// this text; it is never retried.
public struct EventDecodingFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "undecodable event: \(path): \(reason)" }
}

/// The one translation between the typed events and their wire format: CloudEvents 1.0 in
/// structured mode, with `data` as `docs/EVENTS.md` documents it (golden files in
/// `Tests/TodoCoreTests/Golden/` hold it to that, both ways). The store encodes in the
/// transaction that makes the change; consumers decode before their handler runs.
public enum CloudEventCodec {
    // MARK: Encoding

    /// The `task-events` event (key: the user id; subject: the task id).
    public static func encode(_ event: TaskEvent) -> OutboxEvent {
        let task = event.task
        var data: [(String, JSONValue)] = [
            ("event_type", .string(event.type.rawValue)), ("task_id", .string(task.id.lowercased)),
            ("user_id", .string(task.userID.lowercased)), ("task_data", taskData(task)),
            ("timestamp", .string(Timestamp.millis(event.timestamp))),
        ]
        if case .updated(let before) = event.change { data.append(("changes", changes(from: before, to: task))) }
        return OutboxEvent(
            topic: Topic.taskEvents, type: event.type.rawValue, key: task.userID.lowercased, subject: task.id.lowercased,
            time: event.timestamp, data: .object(data))
    }

    /// The `reminders` event (key: the user id; subject: the reminder id).
    public static func encode(_ event: ReminderDue) -> OutboxEvent {
        let due = event.due.map { dueJSON($0, at: nil) } ?? .null
        let data: JSONValue = .object([
            ("event_type", .string(ReminderDue.type)), ("reminder_id", .string(event.reminderID.lowercased)),
            ("task_id", .string(event.taskID.lowercased)), ("user_id", .string(event.userID.lowercased)), ("title", .string(event.title)),
            ("due", due), ("due_at", event.dueAt.map { .string(Timestamp.millis($0)) } ?? .null),
            ("remind_at", .string(Timestamp.millis(event.remindAt))), ("channels", ReminderChannel.json(event.channels)),
            ("email", .string(event.email)), ("time_zone", .string(event.timeZone.identifier)),
            ("timestamp", .string(Timestamp.millis(event.timestamp))),
        ])
        return OutboxEvent(
            topic: Topic.reminders, type: ReminderDue.type, key: event.userID.lowercased, subject: event.reminderID.lowercased,
            time: event.timestamp, data: data)
    }

    /// Members of `task_data` present only when they have a value.
    static let optionalTaskFields: Set<String> = ["assignee_id"]

    /// `task_data`.
    public static func taskData(_ task: TaskSnapshot) -> JSONValue {
        let due: JSONValue =
            switch task.due {
            case .allDay(let date)?: dueJSON(.allDay(date), at: nil)
            case .dateTime(let local, let zone, let at)?: dueJSON(.dateTime(local, timeZone: zone), at: at)
            case nil: .null
            }
        var members: [(String, JSONValue)] = [
            ("id", .string(task.id.lowercased)), ("user_id", .string(task.userID.lowercased)), ("title", .string(task.title)),
            ("description", .string(task.description)), ("priority", .string(task.priority.rawValue)),
            ("tags", .array(task.tags.map(JSONValue.string))), ("due", due), ("completed", .bool(task.isCompleted)),
            ("completed_at", millis(task.completedAt)), ("skipped_at", millis(task.skippedAt)),
            ("recurrence", task.recurrence.map(recurrence) ?? .null), ("reminders", .array(task.reminders.map(reminder))),
            ("series_id", task.seriesID.map { .string($0.lowercased) } ?? .null),
            ("occurrence_index", task.occurrenceIndex.map { .int(Int64($0)) } ?? .null),
            ("created_at", .string(Timestamp.millis(task.createdAt))), ("updated_at", .string(Timestamp.millis(task.updatedAt))),
            ("version", .int(Int64(task.version))),
        ]
        if let p = task.placement {
            members += [
                ("project_id", .string(p.projectID.lowercased)), ("section_id", p.sectionID.map { .string($0.lowercased) } ?? .null),
                ("parent_id", p.parentID.map { .string($0.lowercased) } ?? .null), ("position", .string(p.position.key)),
            ]
        }
        if let assignee = task.assigneeID { members.append(("assignee_id", .string(assignee.lowercased))) }
        return .object(members)
    }

    /// `{"field": {"old": …, "new": …}}` for the members of `task_data` that differ (`updated_at`
    /// and `version` left out), in `task_data`'s order; a member only one side has (`assignee_id`)
    /// is `null` on the other.
    static func changes(from before: TaskSnapshot, to after: TaskSnapshot) -> JSONValue {
        guard case .object(let old) = taskData(before), case .object(let new) = taskData(after) else { return .object([]) }
        var keys = new.map(\.0)
        for (key, _) in old where !keys.contains(key) { keys.append(key) }
        func value(_ members: [(String, JSONValue)], _ key: String) -> JSONValue { members.first { $0.0 == key }?.1 ?? .null }
        return .object(
            keys.compactMap { key in
                let (was, now) = (value(old, key), value(new, key))
                guard !["updated_at", "version"].contains(key), was != now else { return nil }
                return (key, .object([("old", was), ("new", now)]))
            })
    }

    /// `{"date"}` or `{"date_time", "time_zone"}`, with `at` (whole seconds) when given.
    static func dueJSON(_ due: Due, at: Date?) -> JSONValue {
        switch due {
        case .allDay(let date): return .object([("date", .string(date.description))])
        case .dateTime(let local, let zone):
            var members: [(String, JSONValue)] = [("date_time", .string(local.description)), ("time_zone", .string(zone.identifier))]
            if let at { members.append(("at", .string(Timestamp.seconds(at)))) }
            return .object(members)
        }
    }

    static func recurrence(_ r: Recurrence) -> JSONValue {
        .object([
            ("rule", .string(r.rule)), ("anchor", .string(r.anchor.rawValue)),
            ("description", .string((try? RecurrenceRule(parsing: r.rule))?.englishDescription ?? r.rule)),
        ])
    }

    static func reminder(_ r: Reminder) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(r.id.lowercased))]
        switch r.trigger {
        case .before(let seconds): members.append(("before", .string(ISODuration.format(seconds))))
        case .at(let instant): members.append(("at", .string(Timestamp.millis(instant))))
        }
        members += [("channels", ReminderChannel.json(r.channels)), ("remind_at", millis(r.remindAt)), ("state", .string(r.state.rawValue))]
        if r.recipient != .me { members.append(("for", .string(r.recipient.rawValue))) }
        return .object(members)
    }

    static func millis(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.millis($0)) } ?? .null }

    // MARK: Decoding

    /// The typed event in a CloudEvent document; `.other` for a type this version does not know.
    public static func decode(_ cloudEvent: JSONValue) -> Result<DomainEvent, EventDecodingFailure> {
        Result {
            let envelope = try Reader(cloudEvent, path: "")
            let type = try envelope.string("type")
            if type == ReminderDue.type { return .reminderDue(try reminderDue(try envelope.object("data"))) }
            guard let taskType = TaskEventType(rawValue: type) else { return .other(type: type) }
            return .task(try taskEvent(taskType, try envelope.object("data")))
        }.mapError { $0 as? EventDecodingFailure ?? EventDecodingFailure("", "\($0)") }
    }

    /// The `reminder.due` in a CloudEvent document (what a delivery keeps), or why not.
    public static func decodeReminderDue(_ cloudEvent: JSONValue) -> Result<ReminderDue, EventDecodingFailure> {
        decode(cloudEvent).flatMap { event in
            guard case .reminderDue(let reminder) = event else { return .failure(EventDecodingFailure("type", "expected reminder.due")) }
            return .success(reminder)
        }
    }

    static func taskEvent(_ type: TaskEventType, _ data: Reader) throws -> TaskEvent {
        let taskReader = try data.object("task_data")
        let task = try snapshot(taskReader)
        guard try data.uuid("task_id") == task.id else { throw data.failure("task_id", "differs from task_data.id") }
        guard try data.uuid("user_id") == task.userID else { throw data.failure("user_id", "differs from task_data.user_id") }
        let timestamp = try data.date("timestamp")
        let change: TaskEvent.Change
        switch type {
        case .created: change = .created
        case .completed: change = .completed
        case .reopened: change = .reopened
        case .deleted: change = .deleted
        case .updated:
            // The task before: task_data with each change's old value.
            let changes = try data.object("changes")
            var members = taskReader.members
            for (field, _) in changes.members {
                let change = try changes.object(field)
                if let i = members.firstIndex(where: { $0.0 == field }) {
                    members[i].1 = try change.value("old")
                } else if optionalTaskFields.contains(field) {
                    members.append((field, try change.value("old")))
                } else {
                    throw changes.failure(field, "is not a field of task_data")
                }
            }
            change = .updated(before: try snapshot(Reader(members: members, path: data.path + ".changes(old)")))
        }
        return TaskEvent(change, task, at: timestamp)
    }

    /// `task_data` as `taskData(_:)` writes it.
    static func snapshot(_ r: Reader) throws -> TaskSnapshot {
        var due: TaskSnapshot.DueValue?
        if let d = try r.optionalObject("due") {
            due =
                switch try self.due(d) {
                case .allDay(let day): .allDay(day)
                case .dateTime(let local, let zone): .dateTime(local, timeZone: zone, at: try d.date("at"))
                }
        }
        var recurrence: Recurrence?
        if let rec = try r.optionalObject("recurrence") {
            guard let anchor = RecurrenceAnchor(rawValue: try rec.string("anchor")) else {
                throw rec.failure("anchor", "expected schedule or completion")
            }
            recurrence = Recurrence(rule: try rec.string("rule"), anchor: anchor)
        }
        guard let priority = Priority(rawValue: try r.string("priority")) else { throw r.failure("priority", "not a priority") }
        var placement: Placement?
        if let project = try r.optionalUUID("project_id") {
            guard let position = Position(try r.string("position")) else { throw r.failure("position", "not a position key") }
            placement = Placement(
                projectID: project, sectionID: try r.optionalUUID("section_id"), parentID: try r.optionalUUID("parent_id"), position: position)
        }
        return TaskSnapshot(
            id: try r.uuid("id"), userID: try r.uuid("user_id"), title: try r.string("title"), description: try r.string("description"),
            priority: priority, tags: try r.strings("tags"), due: due, completedAt: try r.optionalDate("completed_at"),
            skippedAt: try r.optionalDate("skipped_at"), recurrence: recurrence,
            reminders: try r.objects("reminders").map(reminder), seriesID: try r.optionalUUID("series_id"),
            occurrenceIndex: try r.optionalInt("occurrence_index"), createdAt: try r.date("created_at"), updatedAt: try r.date("updated_at"),
            version: try r.int("version"), placement: placement, assigneeID: try r.optionalUUID("assignee_id"))
    }

    /// `{"date"}` or `{"date_time", "time_zone"}` (a task's `due` also has `at`).
    static func due(_ d: Reader) throws -> Due {
        if let date = try d.optionalString("date") {
            guard let day = LocalDate(date) else { throw d.failure("date", "expected a date such as 2026-12-01") }
            return .allDay(day)
        }
        guard let local = LocalDateTime(try d.string("date_time")) else { throw d.failure("date_time", "expected a local date-time") }
        return .dateTime(local, timeZone: try d.timeZone("time_zone"))
    }

    static func reminder(_ r: Reader) throws -> Reminder {
        let trigger: ReminderTrigger
        if let before = try r.optionalString("before") {
            guard let seconds = ISODuration.seconds(before) else { throw r.failure("before", "expected an ISO 8601 duration") }
            trigger = .before(seconds: seconds)
        } else {
            trigger = .at(try r.date("at"))
        }
        guard let state = ReminderState(rawValue: try r.string("state")) else { throw r.failure("state", "not a reminder state") }
        let recipient = try r.optionalString("for").map { ReminderRecipient(rawValue: $0) ?? .me } ?? .me
        return Reminder(
            id: try r.uuid("id"), trigger: trigger, channels: try r.channels("channels"), remindAt: try r.optionalDate("remind_at"), state: state,
            recipient: recipient)
    }

    static func reminderDue(_ data: Reader) throws -> ReminderDue {
        // Where it goes first: a reminder without channels can never be delivered.
        let channels = try data.channels("channels")
        let due = try data.optionalObject("due").map(due)
        return ReminderDue(
            reminderID: try data.uuid("reminder_id"), taskID: try data.uuid("task_id"), userID: try data.uuid("user_id"),
            title: try data.string("title"), due: due, dueAt: try data.optionalDate("due_at"), remindAt: try data.date("remind_at"),
            channels: channels, email: try data.string("email"), timeZone: try data.timeZone("time_zone"),
            timestamp: try data.date("timestamp"))
    }
}
