import Foundation
import TodoCore

/// `POST /api/v1/tasks`: the request body of a new task, read into the domain's `TaskDraft`. The
/// wire shape lives here, with the API; each field's rule is the domain's (`TaskRules`,
/// `ReminderSpec`). Every bad field is reported at once; unknown fields are errors.
enum TaskCreateRequest {
    static func decode(_ json: JSONValue, defaultTimeZone: TimeZoneID) throws -> TaskDraft {
        guard case .object(let members) = json else { throw TodoError.invalid("", "the body must be a JSON object") }
        var errors = FieldErrors()
        for (key, _) in members where !TaskPatch.writableFields.contains(key) {
            errors.add(key, "is not a field of a new task")
        }
        var draft = TaskDraft(title: "")
        if let t = json["title"] {
            draft.title = errors.collect { try TaskRules.title(t) } ?? ""
        } else {
            errors.add("title", "is required")
        }
        if let d = json["description"] { draft.description = errors.collect { try TaskRules.description(d) } ?? "" }
        if let p = json["priority"] { draft.priority = errors.collect { try TaskRules.priority(p) } ?? .none }
        if let t = json["tags"], t != .null { draft.tags = errors.collect { try TaskRules.tags(t) } ?? [] }
        if let d = json["due"], d != .null {
            draft.due = errors.collect { try TaskRules.due(d, defaultTimeZone: defaultTimeZone) }
        }
        if let r = json["recurrence"], r != .null {
            draft.recurrence = errors.collect { try TaskRules.recurrence(r) }
            if json["due"] == nil || json["due"] == .null {
                errors.add("due", "is required for a recurring task (the first occurrence)")
            }
        }
        if let r = json["reminders"] { draft.reminders = errors.collect { try ReminderSpec.parseList(r) } ?? [] }
        draft.move = TaskMoveRequest.placement(json, errors: &errors) ?? TaskMove()
        if let a = json["assignee_id"], case .set(let id) = TaskMoveRequest.id(a, field: "assignee_id", errors: &errors) { draft.assigneeID = id }
        try errors.check()
        return draft
    }
}

/// `PATCH /api/v1/tasks/{id}`: a JSON Merge Patch (RFC 7396) of a task, read into the domain's
/// `TaskPatch` (`null` clears a field, an absent member leaves it; read-only fields are refused
/// with the way to change them).
enum TaskPatchRequest {
    static func decode(_ json: JSONValue, defaultTimeZone: TimeZoneID) throws -> TaskPatch {
        guard case .object(let members) = json else { throw TodoError.invalid("", "the body must be a JSON object") }
        var errors = FieldErrors()
        var patch = TaskPatch()
        for (key, _) in members where !TaskPatch.writableFields.contains(key) {
            errors.add(
                key,
                TaskPatch.readOnlyFields.contains(key)
                    ? (key.hasPrefix("completed") ? "is read-only: use POST …/complete or …/reopen" : "is read-only")
                    : "is not a field of a task")
        }
        if let t = json["title"] {
            if t == .null { errors.add("title", "must not be null") } else { patch.title = errors.collect { try TaskRules.title(t) } }
        }
        if let d = json["description"] { patch.description = errors.collect { try TaskRules.description(d) } }
        if let p = json["priority"] {
            if p == .null { patch.priority = Priority.none } else { patch.priority = errors.collect { try TaskRules.priority(p) } }
        }
        if let t = json["tags"] {
            patch.tags = t == .null ? [] : errors.collect { try TaskRules.tags(t) }
        }
        if let d = json["due"] {
            if d == .null {
                patch.due = .clear
            } else if let resolved = errors.collect({ try TaskRules.due(d, defaultTimeZone: defaultTimeZone) }) {
                patch.due = .set(resolved)
            }
        }
        if let r = json["recurrence"] {
            if r == .null {
                patch.recurrence = .clear
            } else if let parsed = errors.collect({ try TaskRules.recurrence(r) }) {
                patch.recurrence = .set(parsed)
            }
        }
        if let r = json["reminders"] { patch.reminders = errors.collect { try ReminderSpec.parseList(r) } }
        patch.move = TaskMoveRequest.placement(json, errors: &errors)
        if let a = json["assignee_id"] { patch.assignee = TaskMoveRequest.id(a, field: "assignee_id", errors: &errors) }
        try errors.check()
        return patch
    }
}

/// `POST /api/v1/tasks/{id}/move` `{"project_id", "section_id", "parent_id", "after"}` (each
/// optional; `null` section, parent or after: none, the top level, first), and the same place
/// members of a task's create and patch bodies.
enum TaskMoveRequest {
    static let fields = ["project_id", "section_id", "parent_id", "after"]

    static func decode(_ json: JSONValue) throws -> TaskMove {
        guard case .object(let members) = json else { throw TodoError.invalid("", "the body must be a JSON object") }
        var errors = FieldErrors()
        for (key, _) in members where !fields.contains(key) { errors.add(key, "is not a field of a move") }
        var move = placement(json, errors: &errors) ?? TaskMove()
        if let a = json["after"] { move.after = id(a, field: "after", errors: &errors) }
        try errors.check()
        return move
    }

    /// The place members of a body; nil when it has none.
    static func placement(_ json: JSONValue, errors: inout FieldErrors) -> TaskMove? {
        guard json["project_id"] != nil || json["section_id"] != nil || json["parent_id"] != nil else { return nil }
        var move = TaskMove()
        if let p = json["project_id"] {
            if case .set(let id) = id(p, field: "project_id", errors: &errors) {
                move.projectID = id
            } else if p == .null {
                errors.add("project_id", "must be a project id (every task is in a project; the Inbox's id is in GET /api/v1/projects)")
            }
        }
        if let s = json["section_id"] { move.sectionID = id(s, field: "section_id", errors: &errors) }
        if let p = json["parent_id"] { move.parentID = id(p, field: "parent_id", errors: &errors) }
        return move
    }

    /// An id member: `.set`, `.clear` for null, `.unchanged` (with an error) for anything else.
    static func id(_ value: JSONValue, field: String, errors: inout FieldErrors) -> FieldChange<UUID> {
        switch value {
        case .null: return .clear
        case .string(let s):
            if let id = UUID(canonical: s) { return .set(id) }
        default: break
        }
        errors.add(field, "must be an id or null")
        return .unchanged
    }
}
