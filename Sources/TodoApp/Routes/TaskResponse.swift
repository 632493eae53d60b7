import Foundation
import TodoCore
import TodoStore

/// A task as the API answers it (`docs/openapi.json`, schema `Task`): its own type, mapped from
/// the domain's `TodoTask`. The events carry a `TaskSnapshot` through `CloudEventCodec` instead, so
/// a change here never changes what the consumers read (and the event golden files in
/// TodoCoreTests, which do not link this module, prove it).
struct TaskResponse {
    enum DueBody {
        case date(LocalDate)
        case dateTime(LocalDateTime, timeZone: TimeZoneID, at: Date)

        init(_ due: ResolvedDue) {
            switch due.due {
            case .allDay(let day): self = .date(day)
            case .dateTime(let local, let zone): self = .dateTime(local, timeZone: zone, at: due.at)
            }
        }

        /// `{"date": "2026-12-01"}` or `{"date_time": "2026-12-01T09:00", "time_zone": "Europe/Berlin", "at": "2026-12-01T08:00:00Z"}`.
        func write(to w: inout JSONWriter) {
            w.object { w in
                switch self {
                case .date(let date):
                    w.key("date")
                    w.string(date.description)
                case .dateTime(let local, let zone, let at):
                    w.key("date_time")
                    w.string(local.description)
                    w.key("time_zone")
                    w.string(zone.identifier)
                    w.key("at")
                    w.string(Timestamp.seconds(at))
                }
            }
        }
    }

    struct ReminderBody {
        var id: UUID
        var trigger: ReminderTrigger
        var channels: [ReminderChannel]
        var remindAt: Date?
        var state: ReminderState
        var recipient: ReminderRecipient

        init(_ r: Reminder) {
            (id, trigger, channels, remindAt, state, recipient) = (r.id, r.trigger, r.channels, r.remindAt, r.state, r.recipient)
        }

        func write(to w: inout JSONWriter) {
            w.object { w in
                w.key("id")
                w.string(id.lowercased)
                switch trigger {
                case .before(let seconds):
                    w.key("before")
                    w.string(ISODuration.format(seconds))
                case .at(let instant):
                    w.key("at")
                    w.millis(instant)
                }
                w.key("channels")
                w.array { w in for c in channels { w.string(c.rawValue) } }
                w.key("remind_at")
                w.millis(remindAt)
                w.key("state")
                w.string(state.rawValue)
                w.key("for")
                w.string(recipient.rawValue)
            }
        }
    }

    struct RecurrenceBody {
        var rule: String
        var anchor: RecurrenceAnchor

        /// `{"rule", "anchor", "description"}` (the description in English, from the rule).
        func write(to w: inout JSONWriter) {
            w.object { w in
                w.key("rule")
                w.string(rule)
                w.key("anchor")
                w.string(anchor.rawValue)
                w.key("description")
                w.string((try? RecurrenceRule(parsing: rule))?.englishDescription ?? rule)
            }
        }
    }

    var id: UUID
    var userID: UUID
    var title: String
    var description: String
    var priority: Priority
    var tags: [String]
    var due: DueBody?
    var completedAt: Date?
    var skippedAt: Date?
    var recurrence: RecurrenceBody?
    var reminders: [ReminderBody]
    var seriesID: UUID?
    var occurrenceIndex: Int?
    var createdAt: Date
    var updatedAt: Date
    var version: Int
    var placement: Placement
    var subtasks: SubtaskCount
    var assigneeID: UUID?

    init(_ task: TodoTask) {
        (placement, subtasks, assigneeID) = (task.placement, task.subtasks, task.assigneeID)
        (id, userID, title, description, priority, tags) = (task.id, task.userID, task.title, task.description, task.priority, task.tags)
        due = task.due.map(DueBody.init)
        (completedAt, skippedAt) = (task.completedAt, task.skippedAt)
        recurrence = task.recurrence.map { RecurrenceBody(rule: $0.rule, anchor: $0.anchor) }
        reminders = task.reminders.map(ReminderBody.init)
        (seriesID, occurrenceIndex, createdAt, updatedAt, version) = (
            task.seriesID, task.occurrenceIndex, task.createdAt, task.updatedAt, task.version
        )
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("id")
            w.string(id.lowercased)
            w.key("user_id")
            w.string(userID.lowercased)
            w.key("title")
            w.string(title)
            w.key("description")
            w.string(description)
            w.key("priority")
            w.string(priority.rawValue)
            w.key("tags")
            w.array { w in for t in tags { w.string(t) } }
            w.key("due")
            if let due { due.write(to: &w) } else { w.null() }
            w.key("completed")
            w.bool(completedAt != nil)
            w.key("completed_at")
            w.millis(completedAt)
            w.key("skipped_at")
            w.millis(skippedAt)
            w.key("recurrence")
            if let recurrence { recurrence.write(to: &w) } else { w.null() }
            w.key("reminders")
            w.array { w in for r in reminders { r.write(to: &w) } }
            w.key("series_id")
            w.string(seriesID?.lowercased)
            w.key("occurrence_index")
            if let occurrenceIndex { w.int(occurrenceIndex) } else { w.null() }
            w.key("created_at")
            w.millis(createdAt)
            w.key("updated_at")
            w.millis(updatedAt)
            w.key("version")
            w.int(version)
            w.key("project_id")
            w.string(placement.projectID.lowercased)
            w.key("section_id")
            w.string(placement.sectionID?.lowercased)
            w.key("parent_id")
            w.string(placement.parentID?.lowercased)
            w.key("position")
            w.string(placement.position.key)
            w.key("subtasks")
            w.object { w in
                w.key("open")
                w.int(subtasks.open)
                w.key("total")
                w.int(subtasks.total)
            }
            w.key("assignee_id")
            w.string(assigneeID?.lowercased)
        }
    }

    /// The same as a `JSONValue`, for the server-rendered pages (parsed back from what `write`
    /// produces, so the two can never differ).
    var json: JSONValue {
        var w = JSONWriter()
        write(to: &w)
        return (try? JSONValue.parse(Data(w.bytes))) ?? .null
    }
}

/// A closed occurrence in a series' history (`GET /api/v1/tasks/{id}/history`).
struct SeriesEntryResponse {
    var entry: SeriesEntry

    func write(to w: inout JSONWriter) {
        let task = entry.task
        w.object { w in
            w.key("task_id")
            w.string(task.id.lowercased)
            w.key("occurrence_index")
            if let index = task.occurrenceIndex { w.int(index) } else { w.null() }
            w.key("title")
            w.string(task.title)
            w.key("due")
            if let due = task.due { TaskResponse.DueBody(due).write(to: &w) } else { w.null() }
            w.key("status")
            w.string(entry.status.rawValue)
            w.key("completed_at")
            w.millis(task.completedAt)
            w.key("skipped_at")
            w.millis(task.skippedAt)
        }
    }
}

/// `{"items": [...], "next_cursor": "…" | null}`: a page of any of these responses.
struct PageResponse<Item> {
    var items: [Item]
    var nextCursor: String?
    /// More members after `next_cursor` (the upcoming view's `groups`).
    var extra: ((inout JSONWriter) -> Void)? = nil
    let writeItem: (Item, inout JSONWriter) -> Void

    var bytes: [UInt8] {
        var w = JSONWriter(capacity: 1024 * max(1, items.count))
        w.object { w in
            w.key("items")
            w.array { w in for item in items { writeItem(item, &w) } }
            w.key("next_cursor")
            w.string(nextCursor)
            extra?(&w)
        }
        return w.bytes
    }
}
