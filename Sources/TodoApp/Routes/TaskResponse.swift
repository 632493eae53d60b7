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
        var json: JSONValue {
            switch self {
            case .date(let date): .object([("date", .string(date.description))])
            case .dateTime(let local, let zone, let at):
                .object([("date_time", .string(local.description)), ("time_zone", .string(zone.identifier)), ("at", .string(Timestamp.seconds(at)))])
            }
        }
    }

    struct ReminderBody {
        var id: UUID
        var trigger: ReminderTrigger
        var channels: [ReminderChannel]
        var remindAt: Date?
        var state: ReminderState

        init(_ r: Reminder) {
            (id, trigger, channels, remindAt, state) = (r.id, r.trigger, r.channels, r.remindAt, r.state)
        }

        var json: JSONValue {
            var members: [(String, JSONValue)] = [("id", .string(id.lowercased))]
            switch trigger {
            case .before(let seconds): members.append(("before", .string(ISODuration.format(seconds))))
            case .at(let instant): members.append(("at", .string(Timestamp.millis(instant))))
            }
            members += [("channels", ReminderChannel.json(channels)), ("remind_at", millis(remindAt)), ("state", .string(state.rawValue))]
            return .object(members)
        }
    }

    struct RecurrenceBody {
        var rule: String
        var anchor: RecurrenceAnchor

        /// `{"rule", "anchor", "description"}` (the description in English, from the rule).
        var json: JSONValue {
            .object([
                ("rule", .string(rule)), ("anchor", .string(anchor.rawValue)),
                ("description", .string((try? RecurrenceRule(parsing: rule))?.englishDescription ?? rule)),
            ])
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

    init(_ task: TodoTask) {
        (id, userID, title, description, priority, tags) = (task.id, task.userID, task.title, task.description, task.priority, task.tags)
        due = task.due.map(DueBody.init)
        (completedAt, skippedAt) = (task.completedAt, task.skippedAt)
        recurrence = task.recurrence.map { RecurrenceBody(rule: $0.rule, anchor: $0.anchor) }
        reminders = task.reminders.map(ReminderBody.init)
        (seriesID, occurrenceIndex, createdAt, updatedAt, version) = (
            task.seriesID, task.occurrenceIndex, task.createdAt, task.updatedAt, task.version
        )
    }

    var json: JSONValue {
        .object([
            ("id", .string(id.lowercased)), ("user_id", .string(userID.lowercased)), ("title", .string(title)),
            ("description", .string(description)), ("priority", .string(priority.rawValue)), ("tags", .array(tags.map(JSONValue.string))),
            ("due", due?.json ?? .null), ("completed", .bool(completedAt != nil)), ("completed_at", millis(completedAt)),
            ("skipped_at", millis(skippedAt)), ("recurrence", recurrence?.json ?? .null), ("reminders", .array(reminders.map(\.json))),
            ("series_id", seriesID.map { .string($0.lowercased) } ?? .null),
            ("occurrence_index", occurrenceIndex.map { .int(Int64($0)) } ?? .null), ("created_at", .string(Timestamp.millis(createdAt))),
            ("updated_at", .string(Timestamp.millis(updatedAt))), ("version", .int(Int64(version))),
        ])
    }
}

/// A closed occurrence in a series' history (`GET /api/v1/tasks/{id}/history`).
struct SeriesEntryResponse {
    var entry: SeriesEntry

    var json: JSONValue {
        let task = entry.task
        return .object([
            ("task_id", .string(task.id.lowercased)), ("occurrence_index", task.occurrenceIndex.map { .int(Int64($0)) } ?? .null),
            ("title", .string(task.title)), ("due", task.due.map { TaskResponse.DueBody($0).json } ?? .null),
            ("status", .string(entry.status.rawValue)), ("completed_at", millis(task.completedAt)), ("skipped_at", millis(task.skippedAt)),
        ])
    }
}

private func millis(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.millis($0)) } ?? .null }
