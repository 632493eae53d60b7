import Foundation

/// A task as an event carries it (`task_data`): what the consumers may rely on, independent of
/// the API's response shape (`TaskResponse` in TodoApp) — so renaming an API field never changes
/// what the recurring-task-service or the notification-service read.
public struct TaskSnapshot: Sendable, Equatable {
    /// A due as the event carries it: a whole day, or a wall-clock time in a zone with its instant.
    public enum DueValue: Sendable, Equatable {
        case allDay(LocalDate)
        case dateTime(LocalDateTime, timeZone: TimeZoneID, at: Date)
    }

    public var id: UUID
    public var userID: UUID
    public var title: String
    public var description: String
    public var priority: Priority
    public var tags: [String]
    public var due: DueValue?
    public var completedAt: Date?
    public var skippedAt: Date?
    public var recurrence: Recurrence?
    /// The reminders as the task had them (`fired_at` is not carried).
    public var reminders: [Reminder]
    public var seriesID: UUID?
    public var occurrenceIndex: Int?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int
    /// Its project, section, parent and position; nil in events written before projects existed.
    public var placement: Placement?
    /// Its assignee (`assignee_id`, present only when it has one).
    public var assigneeID: UUID?

    public init(
        id: UUID, userID: UUID, title: String, description: String, priority: Priority, tags: [String], due: DueValue?,
        completedAt: Date?, skippedAt: Date?, recurrence: Recurrence?, reminders: [Reminder], seriesID: UUID?, occurrenceIndex: Int?,
        createdAt: Date, updatedAt: Date, version: Int, placement: Placement? = nil, assigneeID: UUID? = nil
    ) {
        self.placement = placement
        self.assigneeID = assigneeID
        self.id = id
        self.userID = userID
        self.title = title
        self.description = description
        self.priority = priority
        self.tags = tags
        self.due = due
        self.completedAt = completedAt
        self.skippedAt = skippedAt
        self.recurrence = recurrence
        self.reminders = reminders
        self.seriesID = seriesID
        self.occurrenceIndex = occurrenceIndex
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The snapshot of a stored task.
    public init(_ task: TodoTask) {
        let due: DueValue? = task.due.map { resolved in
            switch resolved.due {
            case .allDay(let date): .allDay(date)
            case .dateTime(let local, let zone): .dateTime(local, timeZone: zone, at: resolved.at)
            }
        }
        self.init(
            id: task.id, userID: task.userID, title: task.title, description: task.description, priority: task.priority, tags: task.tags,
            due: due, completedAt: task.completedAt, skippedAt: task.skippedAt, recurrence: task.recurrence,
            reminders: task.reminders.map {
                Reminder(id: $0.id, trigger: $0.trigger, channels: $0.channels, remindAt: $0.remindAt, state: $0.state, recipient: $0.recipient)
            },
            seriesID: task.seriesID, occurrenceIndex: task.occurrenceIndex, createdAt: task.createdAt, updatedAt: task.updatedAt,
            version: task.version, placement: task.placement)
        self.assigneeID = task.assigneeID
    }

    public var isCompleted: Bool { completedAt != nil }
}

/// The event types on `task-events`.
public enum TaskEventType: String, Sendable, CaseIterable {
    case created = "task.created"
    case updated = "task.updated"
    case completed = "task.completed"
    case reopened = "task.reopened"
    case deleted = "task.deleted"
}

/// A change to a task, as `task-events` carries it: what happened, the task after it (before it,
/// for a deletion), and when. An update also knows the task before it, so its changed fields
/// are typed values on both sides; on the wire they are `changes: {"field": {"old", "new"}}`.
public struct TaskEvent: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case created
        /// `before` is the task before the update.
        case updated(before: TaskSnapshot)
        case completed
        case reopened
        case deleted
    }

    public var change: Change
    public var task: TaskSnapshot
    public var timestamp: Date

    public init(_ change: Change, _ task: TaskSnapshot, at timestamp: Date) {
        self.change = change
        self.task = task
        self.timestamp = timestamp
    }

    public init(_ change: Change, _ task: TodoTask, at timestamp: Date) {
        self.init(change, TaskSnapshot(task), at: timestamp)
    }

    /// An update from `before` to `after` (stored tasks).
    public static func updated(from before: TodoTask, to after: TodoTask, at timestamp: Date) -> TaskEvent {
        TaskEvent(.updated(before: TaskSnapshot(before)), TaskSnapshot(after), at: timestamp)
    }

    public var type: TaskEventType {
        switch change {
        case .created: .created
        case .updated: .updated
        case .completed: .completed
        case .reopened: .reopened
        case .deleted: .deleted
        }
    }

    /// The task before this event (the update's `before`; else the task itself).
    public var before: TaskSnapshot {
        if case .updated(let before) = change { return before }
        return task
    }

    /// A skip of an occurrence: an update that set `skipped_at`.
    public var isSkip: Bool {
        guard case .updated(let before) = change else { return false }
        return task.skippedAt != nil && before.skippedAt != task.skippedAt
    }
}

/// `reminder.due` (topic `reminders`): a reminder's time has come; the notification-service
/// delivers it on its channels.
public struct ReminderDue: Sendable, Equatable {
    public var reminderID: UUID
    public var taskID: UUID
    public var userID: UUID
    /// The task's title when the reminder fired.
    public var title: String
    /// The task's due as it had it (`{"date"}` or `{"date_time", "time_zone"}`).
    public var due: Due?
    public var dueAt: Date?
    public var remindAt: Date
    public var channels: [ReminderChannel]
    /// The recipient's address.
    public var email: String
    /// The person's time zone (the email shows times in it).
    public var timeZone: TimeZoneID
    public var timestamp: Date

    public init(
        reminderID: UUID, taskID: UUID, userID: UUID, title: String, due: Due?, dueAt: Date?, remindAt: Date, channels: [ReminderChannel],
        email: String, timeZone: TimeZoneID, timestamp: Date
    ) {
        self.reminderID = reminderID
        self.taskID = taskID
        self.userID = userID
        self.title = title
        self.due = due
        self.dueAt = dueAt
        self.remindAt = remindAt
        self.channels = channels
        self.email = email
        self.timeZone = timeZone
        self.timestamp = timestamp
    }

    public static let type = "reminder.due"
}

/// Every event a consumer can receive, decoded (`CloudEventCodec.decode`).
public enum DomainEvent: Sendable, Equatable {
    case task(TaskEvent)
    case reminderDue(ReminderDue)
    /// A type this version does not know (a newer producer): handlers skip it.
    case other(type: String)
}
