import Foundation

/// The limits a task's fields must respect.
public enum TaskRules {
    public static let titleMax = 500
    public static let descriptionMax = 10_000
    public static let tagMax = 64
    public static let tagsPerTask = 50

    public static func title(_ value: JSONValue, field: String = "title") throws -> String {
        guard case .string(let raw) = value else { throw TodoError.invalid(field, "must be a string") }
        let title = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { throw TodoError.invalid(field, "must not be empty") }
        if title.count > titleMax { throw TodoError.invalid(field, "must be at most \(titleMax) characters") }
        if title.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw TodoError.invalid(field, "must not contain control characters or line breaks")
        }
        return title
    }

    public static func description(_ value: JSONValue, field: String = "description", max: Int = descriptionMax) throws -> String {
        switch value {
        case .null: return ""
        case .string(let s):
            if s.count > max {
                throw TodoError.invalid(field, "must be at most \(max) characters")
            }
            if s.unicodeScalars.contains(where: { $0.value == 0 }) {
                throw TodoError.invalid(field, "must not contain NUL characters")
            }
            return s
        default: throw TodoError.invalid(field, "must be a string")
        }
    }

    public static func priority(_ value: JSONValue, field: String = "priority") throws -> Priority {
        guard case .string(let s) = value, let p = Priority(rawValue: s) else {
            throw TodoError.invalid(field, "must be one of none, low, medium, high, urgent")
        }
        return p
    }

    /// A tag name as stored: without a leading `#`, 1–64 letters, digits or `-_./:`.
    public static func tag(_ raw: String, field: String = "tag") throws -> String {
        var name = raw.trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("#") { name.removeFirst() }
        if name.isEmpty { throw TodoError.invalid(field, "must not be empty") }
        if name.count > tagMax { throw TodoError.invalid(field, "must be at most \(tagMax) characters") }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./:"))
        if !name.unicodeScalars.allSatisfy({ allowed.contains($0) }) {
            throw TodoError.invalid(field, "may contain only letters, digits and - _ . / :")
        }
        return name
    }

    /// The key two spellings of one tag share (`Work` and `work` are one tag).
    public static func tagKey(_ name: String) -> String { name.lowercased() }

    public static func tags(_ value: JSONValue, field: String = "tags") throws -> [String] {
        guard case .array(let items) = value else { throw TodoError.invalid(field, "must be an array of strings") }
        var errors = FieldErrors()
        var seen = Set<String>()
        var result: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                errors.add("\(field)[\(i)]", "must be a string")
                continue
            }
            if let name = errors.collect({ try tag(s, field: "\(field)[\(i)]") }), seen.insert(tagKey(name)).inserted {
                result.append(name)
            }
        }
        if result.count > tagsPerTask { errors.add(field, "must hold at most \(tagsPerTask) tags") }
        try errors.check()
        return result
    }

    /// A due: `"2026-12-01"`, `{"date": "2026-12-01"}` or `{"date_time": "2026-12-01T09:00",
    /// "time_zone": "Europe/Berlin"}` (the zone defaults to the owner's). `at`, as the API returns
    /// it, is accepted and ignored so a client can send a due back unchanged.
    public static func due(_ value: JSONValue, defaultTimeZone: TimeZoneID, field: String = "due") throws -> ResolvedDue {
        switch value {
        case .string(let s):
            guard let date = LocalDate(s) else {
                throw TodoError.invalid(field, "must be a date YYYY-MM-DD or an object with date_time and time_zone")
            }
            return ResolvedDue(.allDay(date), defaultTimeZone: defaultTimeZone)
        case .object(let members):
            var errors = FieldErrors()
            for (key, _) in members where !["date", "date_time", "time_zone", "at"].contains(key) {
                errors.add("\(field).\(key)", "is not a field of due")
            }
            try errors.check()
            switch (value["date"], value["date_time"]) {
            case (.some(let d), nil):
                guard case .string(let s) = d, let date = LocalDate(s) else {
                    throw TodoError.invalid("\(field).date", "must be a date YYYY-MM-DD")
                }
                return ResolvedDue(.allDay(date), defaultTimeZone: defaultTimeZone)
            case (nil, .some(let dt)):
                guard case .string(let s) = dt, let local = LocalDateTime(s) else {
                    throw TodoError.invalid("\(field).date_time", "must be a local date-time YYYY-MM-DDTHH:MM")
                }
                let tz = try timeZone(value["time_zone"] ?? .string(defaultTimeZone.identifier), field: "\(field).time_zone")
                return ResolvedDue(.dateTime(local, timeZone: tz), defaultTimeZone: defaultTimeZone)
            case (.some, .some):
                throw TodoError.invalid(field, "must have either date or date_time, not both")
            case (nil, nil):
                throw TodoError.invalid(field, "must have date or date_time")
            }
        default:
            throw TodoError.invalid(field, "must be a date YYYY-MM-DD or an object with date_time and time_zone")
        }
    }

    /// `{"rule": "FREQ=WEEKLY;BYDAY=MO", "anchor": "schedule" | "completion"}`; the rule is stored
    /// in its canonical form. `description` (as returned) is accepted and ignored.
    public static func recurrence(_ value: JSONValue, field: String = "recurrence") throws -> Recurrence {
        guard case .object(let members) = value else {
            throw TodoError.invalid(field, "must be an object with rule and anchor")
        }
        var errors = FieldErrors()
        for (key, _) in members where !["rule", "anchor", "description"].contains(key) {
            errors.add("\(field).\(key)", "is not a field of recurrence")
        }
        var rule: RecurrenceRule?
        switch value["rule"] {
        case .string(let text)?:
            do { rule = try RecurrenceRule(parsing: text) } catch { errors.add("\(field).rule", error.description) }
        case nil: errors.add("\(field).rule", "is required")
        default: errors.add("\(field).rule", "must be an RRULE string such as FREQ=WEEKLY;BYDAY=MO")
        }
        var anchor = RecurrenceAnchor.schedule
        if let a = value["anchor"], a != .null {
            if let parsed = a.stringValue.flatMap(RecurrenceAnchor.init(rawValue:)) {
                anchor = parsed
            } else {
                errors.add("\(field).anchor", "must be schedule or completion")
            }
        }
        try errors.check()
        return Recurrence(rule: rule!.description, anchor: anchor)
    }

    public static func timeZone(_ value: JSONValue, field: String = "time_zone") throws -> TimeZoneID {
        guard case .string(let s) = value, let zone = TimeZoneID(s) else {
            throw TodoError.invalid(field, "must be an IANA time zone such as Europe/Berlin")
        }
        return zone
    }
}

/// The fields of a new task, validated.
public struct TaskDraft: Sendable, Equatable {
    public var title: String
    public var description: String = ""
    public var priority: Priority = .none
    public var tags: [String] = []
    public var due: ResolvedDue? = nil
    public var recurrence: Recurrence? = nil
    public var reminders: [ReminderSpec] = []
    /// Where it goes (`project_id`, `section_id`, `parent_id`); all absent: the end of the Inbox.
    public var move: TaskMove = TaskMove()
    /// `assignee_id`: a member of its project.
    public var assigneeID: UUID? = nil

    public init(
        title: String, description: String = "", priority: Priority = .none, tags: [String] = [], due: ResolvedDue? = nil,
        recurrence: Recurrence? = nil, reminders: [ReminderSpec] = []
    ) {
        self.reminders = reminders
        self.title = title
        self.description = description
        self.priority = priority
        self.tags = tags
        self.due = due
        self.recurrence = recurrence
    }
}

/// Where a task goes (`POST /api/v1/tasks/{id}/move`). Absent members follow from the others:
/// `after` names the sibling it goes after (`.clear`: first, `.unchanged`: last) and implies its
/// project, section and parent; a parent implies the project and section; a project or section
/// alone moves it to the top level there.
public struct TaskMove: Sendable, Equatable {
    public var projectID: UUID?
    public var sectionID: FieldChange<UUID> = .unchanged
    public var parentID: FieldChange<UUID> = .unchanged
    public var after: FieldChange<UUID> = .unchanged

    public init(
        projectID: UUID? = nil, sectionID: FieldChange<UUID> = .unchanged, parentID: FieldChange<UUID> = .unchanged,
        after: FieldChange<UUID> = .unchanged
    ) {
        (self.projectID, self.sectionID, self.parentID, self.after) = (projectID, sectionID, parentID, after)
    }
}

/// A change to one field under JSON Merge Patch (RFC 7396): absent, set, or removed with `null`.
public enum FieldChange<Value: Sendable & Equatable>: Sendable, Equatable {
    case unchanged
    case set(Value)
    case clear
}

/// A validated JSON Merge Patch of a task.
public struct TaskPatch: Sendable, Equatable {
    public static let writableFields: Set<String> = [
        "title", "description", "priority", "tags", "due", "recurrence", "reminders", "project_id", "section_id", "parent_id",
        "assignee_id",
    ]
    public static let readOnlyFields: Set<String> = [
        "id", "user_id", "completed", "completed_at", "skipped_at", "created_at", "updated_at", "version", "series_id",
        "occurrence_index", "position", "subtasks",
    ]

    public var title: String?
    public var description: String?
    public var priority: Priority?
    public var tags: [String]?
    public var due: FieldChange<ResolvedDue> = .unchanged
    public var recurrence: FieldChange<Recurrence> = .unchanged
    /// A new list of reminders (replaces the task's; `null` removes them all).
    public var reminders: [ReminderSpec]?
    /// A new place (`project_id`, `section_id`, `parent_id`), nil when none is given.
    public var move: TaskMove?
    /// `assignee_id`: a member of the task's project, or `null` for none.
    public var assignee: FieldChange<UUID> = .unchanged

    public init(
        title: String? = nil, description: String? = nil, priority: Priority? = nil, tags: [String]? = nil,
        due: FieldChange<ResolvedDue> = .unchanged, recurrence: FieldChange<Recurrence> = .unchanged, reminders: [ReminderSpec]? = nil
    ) {
        self.reminders = reminders
        self.title = title
        self.description = description
        self.priority = priority
        self.tags = tags
        self.due = due
        self.recurrence = recurrence
    }

    /// The task after this patch, or nil when nothing would change. Throws when the result would
    /// be a recurring task without a due.
    public func applied(to task: TodoTask) throws -> TodoTask? {
        var t = task
        if let title { t.title = title }
        if let description { t.description = description }
        if let priority { t.priority = priority }
        if let tags { t.tags = tags }
        switch assignee {
        case .unchanged: break
        case .clear: t.assigneeID = nil
        case .set(let a): t.assigneeID = a
        }
        switch due {
        case .unchanged: break
        case .clear: t.due = nil
        case .set(let d): t.due = d
        }
        switch recurrence {
        case .unchanged: break
        case .clear: t.recurrence = nil
        case .set(let r):
            t.recurrence = r
            if t.seriesID == nil {
                t.seriesID = t.id
                t.occurrenceIndex = 0
            }
        }
        if t.recurrence != nil && t.due == nil {
            throw TodoError.invalid("due", "is required for a recurring task (the first occurrence)")
        }
        let sameTags = t.tags.map(TaskRules.tagKey) == task.tags.map(TaskRules.tagKey) && t.tags == task.tags
        if t.title == task.title, t.description == task.description, t.priority == task.priority, sameTags,
            t.due == task.due, t.recurrence == task.recurrence, t.assigneeID == task.assigneeID
        {
            return nil
        }
        return t
    }
}
