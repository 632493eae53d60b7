import Foundation

/// What an import would write for a person: everything in the document, with the document's ids
/// mapped to the person's (`mapID`: the same source id always gives the same id for the same
/// person, so importing again finds everything there and writes nothing), parents before their
/// subtasks.
public struct ImportPlan: Sendable {
    public var projects: [Project] = []
    public var sections: [Section] = []
    public var filters: [SavedFilter] = []
    public var tasks: [TodoTask] = []
    /// Members the format does not know, by path (`tasks[].colour`): reported, not fatal.
    public var unknownFields: [String] = []
    /// Things that could not be kept as they were (a parent in another project).
    public var notes: [String] = []
    /// Tasks whose parent is not in the document (a document split in parts, as `todo import`
    /// sends one): the store keeps the parent if it holds it already, in the same project.
    public var externalParents: Set<UUID> = []

    public init() {}
}

/// The export format (`todo.export`, version 1, docs/EXPORT.md): the account, its projects with
/// their sections, saved filters, and every task it holds as the API represents a task.
public enum TodoExport {
    public static let format = "todo.export"
    public static let version = 1
    /// The most tasks one document may hold.
    public static let maxTasks = 100_000

    static let documentFields = ["format", "version", "exported_at", "account", "projects", "filters", "tasks"]
    static let projectFields = ["id", "name", "color", "description", "archived", "position", "created_at", "updated_at", "sections"]
    static let sectionFields = ["id", "name", "position", "created_at", "updated_at"]
    static let filterFields = ["id", "name", "query", "color", "position", "created_at", "updated_at"]
    /// A task as the API writes it; the read-only members that belong to the old server (owner,
    /// version, counts, assignee) are read past.
    static let taskFields = [
        "id", "title", "description", "priority", "tags", "due", "completed_at", "skipped_at", "recurrence", "reminders", "series_id",
        "occurrence_index", "created_at", "updated_at", "project_id", "section_id", "parent_id", "position",
    ]
    static let ignoredTaskFields = ["user_id", "completed", "version", "subtasks", "assignee_id"]
    static let reminderFields = ["before", "at", "channels", "for"]
    static let ignoredReminderFields = ["id", "remind_at", "state"]

    /// Reads a document for `userID` (whose Inbox takes the document's Inbox tasks); 422 naming
    /// every field that is wrong (`tasks[3].due`), nothing partial.
    public static func plan(
        _ doc: JSONValue, userID: UUID, timeZone: TimeZoneID, now: Date, mapID: (UUID) -> UUID
    ) throws -> ImportPlan {
        var errors = FieldErrors()
        var plan = ImportPlan()
        var unknown: Set<String> = []
        func members(_ value: JSONValue, path: String, known: [String], ignored: [String] = []) {
            guard case .object(let items) = value else { return }
            for (key, _) in items where !known.contains(key) && !ignored.contains(key) { unknown.insert("\(path)\(key)") }
        }
        guard case .object = doc else { throw TodoError.invalid("", "the body must be a JSON object") }
        guard doc["format"]?.stringValue == format else { throw TodoError.invalid("format", "must be \(format)") }
        guard case .int(let v)? = doc["version"], v == version else { throw TodoError.invalid("version", "must be \(version)") }
        members(doc, path: "", known: documentFields)
        let sourceInbox = doc["account"]?["id"]?.stringValue.flatMap(UUID.init(canonical:))

        func id(_ value: JSONValue?, _ field: String) -> UUID? {
            guard let text = value?.stringValue, let id = UUID(canonical: text) else {
                errors.add(field, "must be an id")
                return nil
            }
            return id
        }
        func optionalID(_ value: JSONValue?, _ field: String) -> UUID? {
            guard let value, value != .null else { return nil }
            return id(value, field)
        }
        func time(_ value: JSONValue?, _ field: String, default fallback: Date?) -> Date? {
            guard let value, value != .null else { return fallback }
            guard let text = value.stringValue, let date = Timestamp.parse(text) else {
                errors.add(field, "must be an RFC 3339 time such as 2026-12-01T08:00:00Z")
                return fallback
            }
            return date.truncatedToMillis
        }
        func position(_ value: JSONValue?, _ field: String, at date: Date) -> Position {
            guard let value, value != .null else { return .at(date) }
            guard let text = value.stringValue, let p = Position(text) else {
                errors.add(field, "must be a position key")
                return .at(date)
            }
            return p
        }
        func array(_ name: String) -> [JSONValue] {
            switch doc[name] {
            case nil, .null?: return []
            case .array(let items)?: return items
            default:
                errors.add(name, "must be an array")
                return []
            }
        }

        // Projects and their sections.
        var projects: [UUID: UUID] = [:]  // source → mapped
        var sections: [UUID: (id: UUID, project: UUID)] = [:]
        for (i, p) in array("projects").enumerated() {
            let path = "projects[\(i)]"
            members(p, path: "projects[].", known: projectFields)
            guard let source = id(p["id"], "\(path).id") else { continue }
            let created = time(p["created_at"], "\(path).created_at", default: now) ?? now
            let project = Project(
                id: mapID(source), userID: userID, name: errors.collect { try ProjectRules.name(p["name"] ?? .null, field: "\(path).name") } ?? "",
                color: p["color"].flatMap { c in errors.collect { try ProjectRules.color(c, field: "\(path).color") } } ?? .charcoal,
                description: p["description"].flatMap { d in errors.collect { try ProjectRules.description(d, field: "\(path).description") } } ?? "",
                archived: p["archived"] == .bool(true), position: position(p["position"], "\(path).position", at: created), createdAt: created,
                updatedAt: time(p["updated_at"], "\(path).updated_at", default: created) ?? created)
            projects[source] = project.id
            plan.projects.append(project)
            guard case .array(let list)? = p["sections"] else { continue }
            for (j, s) in list.enumerated() {
                let spath = "\(path).sections[\(j)]"
                members(s, path: "projects[].sections[].", known: sectionFields)
                guard let sourceSection = id(s["id"], "\(spath).id") else { continue }
                let screated = time(s["created_at"], "\(spath).created_at", default: created) ?? created
                let section = Section(
                    id: mapID(sourceSection), projectID: project.id, userID: userID,
                    name: errors.collect { try ProjectRules.name(s["name"] ?? .null, field: "\(spath).name") } ?? "",
                    position: position(s["position"], "\(spath).position", at: screated), createdAt: screated,
                    updatedAt: time(s["updated_at"], "\(spath).updated_at", default: screated) ?? screated)
                sections[sourceSection] = (section.id, project.id)
                plan.sections.append(section)
            }
        }

        for (i, f) in array("filters").enumerated() {
            let path = "filters[\(i)]"
            members(f, path: "filters[].", known: filterFields)
            guard let source = id(f["id"], "\(path).id") else { continue }
            let created = time(f["created_at"], "\(path).created_at", default: now) ?? now
            var query = ""
            if let text = f["query"]?.stringValue,
                errors.collect({ try TaskFilter.parse(text, zone: timeZone, now: now, field: "\(path).query") }) != nil
            {
                query = text
            } else if f["query"]?.stringValue == nil {
                errors.add("\(path).query", "must be a query in the filter language")
            }
            plan.filters.append(
                SavedFilter(
                    id: mapID(source), userID: userID,
                    name: errors.collect { try ProjectRules.name(f["name"] ?? .null, field: "\(path).name") } ?? "", query: query,
                    color: f["color"].flatMap { c in errors.collect { try ProjectRules.color(c, field: "\(path).color") } } ?? .charcoal,
                    position: position(f["position"], "\(path).position", at: created), createdAt: created,
                    updatedAt: time(f["updated_at"], "\(path).updated_at", default: created) ?? created))
        }

        // Tasks, then their parents checked and put first.
        let items = array("tasks")
        if items.count > maxTasks { throw TodoError.invalid("tasks", "must hold at most \(maxTasks) tasks (split the document)") }
        var tasks: [TodoTask] = []
        var sourceParents: [UUID: UUID] = [:]  // mapped task → source parent
        var sourceIDs: [UUID: Int] = [:]
        for (i, t) in items.enumerated() {
            let path = "tasks[\(i)]"
            members(t, path: "tasks[].", known: taskFields, ignored: ignoredTaskFields)
            guard case .object = t, let source = id(t["id"], "\(path).id") else {
                if case .object = t {} else { errors.add(path, "must be a task object") }
                continue
            }
            if sourceIDs[source] != nil { errors.add("\(path).id", "appears twice") }
            sourceIDs[source] = i
            let created = time(t["created_at"], "\(path).created_at", default: now) ?? now
            var task = TodoTask(
                id: mapID(source), userID: userID, title: errors.collect { try TaskRules.title(t["title"] ?? .null, field: "\(path).title") } ?? "",
                createdAt: created, updatedAt: time(t["updated_at"], "\(path).updated_at", default: created) ?? created)
            if let d = t["description"], d != .null {
                task.description = errors.collect { try TaskRules.description(d, field: "\(path).description") } ?? ""
            }
            if let p = t["priority"], p != .null { task.priority = errors.collect { try TaskRules.priority(p, field: "\(path).priority") } ?? .none }
            if let g = t["tags"], g != .null { task.tags = errors.collect { try TaskRules.tags(g, field: "\(path).tags") } ?? [] }
            if let d = t["due"], d != .null { task.due = errors.collect { try TaskRules.due(d, defaultTimeZone: timeZone, field: "\(path).due") } }
            task.completedAt = time(t["completed_at"], "\(path).completed_at", default: nil)
            task.skippedAt = time(t["skipped_at"], "\(path).skipped_at", default: nil)
            if let r = t["recurrence"], r != .null {
                var rec = r
                if case .object(let m) = r { rec = .object(m.filter { $0.0 != "description" }) }
                task.recurrence = errors.collect { try TaskRules.recurrence(rec, field: "\(path).recurrence") }
                if task.due == nil { errors.add("\(path).due", "is required for a recurring task") }
                task.seriesID = optionalID(t["series_id"], "\(path).series_id").map(mapID) ?? task.id
                if case .int(let n)? = t["occurrence_index"], n >= 0 { task.occurrenceIndex = Int(n) } else { task.occurrenceIndex = 0 }
            }
            task.reminders = reminders(t["reminders"], path: "\(path).reminders", task: task, userID: userID, now: now, mapID: mapID, errors: &errors)
            // Where it goes: the document's Inbox (or an unknown project) is the person's Inbox.
            let project = optionalID(t["project_id"], "\(path).project_id")
            var placement = Placement(projectID: userID, position: position(t["position"], "\(path).position", at: created))
            if let project, project != sourceInbox {
                if let mapped = projects[project] {
                    placement.projectID = mapped
                } else {
                    plan.notes.append("\(path): its project is not in the document; put in the Inbox")
                }
            }
            if let section = optionalID(t["section_id"], "\(path).section_id"), let s = sections[section], s.project == placement.projectID {
                placement.sectionID = s.id
            }
            task.placement = placement
            if let parent = optionalID(t["parent_id"], "\(path).parent_id") { sourceParents[task.id] = parent }
            tasks.append(task)
        }
        try errors.check()
        plan.tasks = try ordered(
            tasks, sourceParents: sourceParents, sourceIDs: sourceIDs, mapID: mapID, notes: &plan.notes, external: &plan.externalParents)
        plan.unknownFields = unknown.sorted()
        return plan
    }

    /// Each task's parent set (when the parent is in the document and in the same project) and
    /// the tasks ordered parents first; a cycle or nesting deeper than subtasks go is refused.
    static func ordered(
        _ tasks: [TodoTask], sourceParents: [UUID: UUID], sourceIDs: [UUID: Int], mapID: (UUID) -> UUID, notes: inout [String],
        external: inout Set<UUID>
    ) throws -> [TodoTask] {
        var byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        for (child, sourceParent) in sourceParents.sorted(by: { sourceIDs[$0.key] ?? 0 < sourceIDs[$1.key] ?? 0 }) {
            let parent = mapID(sourceParent)
            guard sourceIDs[sourceParent] != nil else {
                byID[child]!.placement.parentID = parent
                external.insert(child)
                continue
            }
            guard let p = byID[parent], p.projectID == byID[child]!.projectID else {
                notes.append("\(byID[child]!.title): its parent is in another project; made a top-level task")
                continue
            }
            byID[child]!.placement.parentID = parent
            byID[child]!.placement.sectionID = p.placement.sectionID
        }
        var depth: [UUID: Int] = [:]
        func depthOf(_ id: UUID, _ seen: Int = 0) throws -> Int {
            if let d = depth[id] { return d }
            if seen > ProjectRules.maxDepth {
                throw TodoError.invalid("tasks", "nest subtasks at most \(ProjectRules.maxDepth) levels deep, without cycles")
            }
            // A parent outside the document is the person's already: its subtask goes after it anyway.
            guard let task = byID[id] else { return -1 }
            let d = try task.placement.parentID.map { try depthOf($0, seen + 1) + 1 } ?? 0
            if d >= ProjectRules.maxDepth {
                throw TodoError.invalid("tasks", "nest subtasks at most \(ProjectRules.maxDepth) levels deep, without cycles")
            }
            depth[id] = d
            return d
        }
        for task in tasks { _ = try depthOf(task.id) }
        return tasks.map { byID[$0.id]! }.enumerated().sorted { (depth[$0.element.id]!, $0.offset) < (depth[$1.element.id]!, $1.offset) }.map(
            \.element)
    }

    static func reminders(
        _ value: JSONValue?, path: String, task: TodoTask, userID: UUID, now: Date, mapID: (UUID) -> UUID, errors: inout FieldErrors
    ) -> [Reminder] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            errors.add(path, "must be an array of reminders")
            return []
        }
        var result: [Reminder] = []
        for (i, item) in items.enumerated() {
            guard case .object(let m) = item else {
                errors.add("\(path)[\(i)]", "must be a reminder object")
                continue
            }
            let spec = errors.collect {
                try ReminderSpec.parseList(.array([.object(m.filter { !ignoredReminderFields.contains($0.0) })]), field: path).first
            }
            guard let spec = spec ?? nil else { continue }
            let sourceID = item["id"]?.stringValue.flatMap(UUID.init(canonical:))
            let remindAt = Reminder.remindAt(spec.trigger, dueAt: task.due?.at)
            var reminder = Reminder(
                id: sourceID.map(mapID) ?? mapID(UUID(namespace: task.id, index: i)), trigger: spec.trigger,
                channels: spec.channels ?? [.inApp], remindAt: remindAt, recipient: spec.recipient)
            // Nothing stale fires: a closed task's reminders are spent, a past one is recorded as missed.
            if task.isClosed {
                reminder.state = .cancelled
            } else if let at = remindAt, at <= now {
                reminder.state = .missed
            }
            reminder.setBy = userID
            result.append(reminder)
        }
        return result
    }
}

extension UUID {
    /// A stand-in id for the `index`th unnamed thing of `namespace` (a reminder without an id),
    /// for `mapID` to map like any other.
    init(namespace: UUID, index: Int) {
        var bytes = namespace.uuid
        bytes.15 ^= UInt8(truncatingIfNeeded: index + 1)
        bytes.14 ^= UInt8(truncatingIfNeeded: (index + 1) >> 8)
        self.init(uuid: bytes)
    }
}
