import Foundation
import TodoCore

/// Tasks and their tags, on either database. Every statement that starts from a person's request
/// admits only the tasks of projects they hold or are a member of (`Access`): any other task is
/// indistinguishable from a missing one, and a role that does not allow a change is a 403.
public struct TaskStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    static let columns = """
        t.id, t.user_id, t.title, t.description, t.priority, t.due_at, t.overdue_at, t.due_date, t.due_local, t.due_tz,
        t.completed_at, t.skipped_at, t.recurrence_rule, t.recurrence_anchor, t.series_id, t.occurrence_index, t.created_at,
        t.updated_at, t.version, t.project_id, t.section_id, t.parent_id, t.position, t.subtasks_total, t.subtasks_open, t.assignee_id
        """

    /// What a read selects: the task's columns and, in the same row, its tags (`tag_list`:
    /// `position:name` pairs, space-separated — a tag name has no spaces) and whether it has
    /// reminders. A read of any number of tasks is one query, plus one for the reminders of the
    /// tasks that have any (most have none).
    static func readColumns(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: readColumnsSQLite
        case .postgres: readColumnsPostgres
        }
    }

    private static let readColumnsSQLite = columns + ", " + relatedSQLite
    private static let readColumnsPostgres = columns + ", " + relatedPostgres

    /// `tag_list` and `has_reminders` of the task rows named `t`.
    static func relatedColumns(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: relatedSQLite
        case .postgres: relatedPostgres
        }
    }

    private static let relatedSQLite = relatedColumns(aggregate: "group_concat")
    private static let relatedPostgres = relatedColumns(aggregate: "string_agg")

    private static func relatedColumns(aggregate: String) -> String {
        """
        (SELECT \(aggregate)(CAST(tt.position AS TEXT) || ':' || g.name, ' ') FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
         WHERE tt.task_id = t.id) AS tag_list,
        CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.task_id = t.id) THEN 1 ELSE 0 END AS has_reminders
        """
    }

    /// The tasks of rows selected with `readColumns`, in their order, with their tags and (unless
    /// `reminders` is false) their reminders.
    static func tasks(_ rows: [SQLRow], reminders: Bool = true, conn: any SQLConnection) async throws -> [TodoTask] {
        var tasks = try rows.map { try task($0, tags: tagList($0)) }
        guard reminders else { return tasks }
        let withReminders = zip(rows, tasks).compactMap { row, task in row.optionalInt("has_reminders") == 1 ? task.id : nil }
        guard !withReminders.isEmpty else { return tasks }
        let loaded = try await loadReminders(taskIDs: withReminders, conn: conn)
        for i in tasks.indices { tasks[i].reminders = loaded[tasks[i].id] ?? [] }
        return tasks
    }

    /// The tag names of a row's `tag_list`, in the order they were given.
    static func tagList(_ row: SQLRow) -> [String] {
        guard let list = row.optionalString("tag_list"), !list.isEmpty else { return [] }
        return list.split(separator: " ").compactMap { pair -> (Int, String)? in
            guard let colon = pair.firstIndex(of: ":"), let position = Int(pair[..<colon]) else { return nil }
            return (position, String(pair[pair.index(after: colon)...]))
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Creates a task for `userID` (in their Inbox unless the draft places it; a shared project's
    /// task is held by the project's holder and needs the editor role). A recurring task starts a series (its own id) at index 0.
    public func create(userID: UUID, draft: TaskDraft, now: Date = Date()) async throws -> TodoTask {
        let now = now.truncatedToMillis
        let id = UUID.v7(at: now)
        let recurring = draft.recurrence != nil
        let task = TodoTask(
            id: id, userID: userID, title: draft.title, description: draft.description, priority: draft.priority,
            tags: draft.tags, due: draft.due, recurrence: draft.recurrence, seriesID: recurring ? id : nil,
            occurrenceIndex: recurring ? 0 : nil, createdAt: now, updatedAt: now)
        return try await db.write { conn in
            var task = task
            if draft.move != TaskMove() {
                (task.placement, task.userID) = try await Self.placement(ofNew: draft.move, userID: userID, now: now, conn: conn)
            }
            if let assignee = draft.assigneeID {
                try await Self.checkAssignee(assignee, projectID: task.placement.projectID, holder: task.userID, conn: conn)
                task.assigneeID = assignee
            }
            task.reminders = try await Self.resolve(draft.reminders, dueAt: draft.due?.at, userID: userID, now: now, conn: conn)
            let created = try await Self.insert(task, spawnedFrom: nil, actor: userID, conn: conn)!
            try await Self.notifyAssigned(created, by: userID, now: now, conn: conn)
            try await EventOutbox.append(TaskEvent(.created, created, at: now), conn: conn)
            return created
        }
    }

    /// Inserts a task with its tags; nil when a unique key refused it (`ON CONFLICT DO NOTHING`:
    /// the successor of an occurrence, or its (series, index), exists already). Its tags are the
    /// `actor`'s (default: the holder's) and its reminders notify the actor.
    static func insert(_ task: TodoTask, spawnedFrom: UUID?, actor: UUID? = nil, conn: any SQLConnection) async throws -> TodoTask? {
        let inserted = try await conn.first(
            "INSERT INTO tasks (\(raw: insertColumns)) VALUES \(rowValues(task, spawnedFrom: spawnedFrom)) ON CONFLICT DO NOTHING RETURNING id")
        guard inserted != nil else { return nil }
        if let parent = task.placement.parentID { try await recount([parent], conn: conn) }
        var task = task
        let actor = actor ?? task.userID
        task.tags = try await replaceTags(of: task.id, userID: actor, names: task.tags, now: task.createdAt, isNew: true, conn: conn)
        try await insertReminders(task.reminders, taskID: task.id, userID: actor, now: task.createdAt, conn: conn)
        return task
    }

    static let insertColumns = """
        id, user_id, title, title_key, description, priority, due_at, overdue_at, due_date, due_local, due_tz, completed_at,
        skipped_at, recurrence_rule, recurrence_anchor, series_id, occurrence_index, spawned_from, created_at, updated_at, version,
        project_id, section_id, parent_id, position, position_path, assignee_id
        """

    /// `(…)`: a task's values in the order of `insertColumns`.
    static func rowValues(_ task: TodoTask, spawnedFrom: UUID?) -> SQLQuery {
        """
        (\(task.id), \(task.userID), \(task.title), \(task.title.lowercased()), \(task.description),
          \(task.priority.rank), \(Self.dueColumns(task.due)), \(task.completedAt), \(task.skippedAt),
          \(task.recurrence?.rule), \(task.recurrence?.anchor.rawValue), \(task.seriesID), \(task.occurrenceIndex),
          \(spawnedFrom), \(task.createdAt), \(task.updatedAt), \(task.version), \(task.placement.projectID),
          \(task.placement.sectionID), \(task.placement.parentID), \(task.placement.position.key), \(pathValue(task)), \(task.assigneeID))
        """
    }

    /// A new task's `position_path`: its parent's path and `/` (none at the top level), then its
    /// segment (`key#id`).
    static func pathValue(_ task: TodoTask) -> SQLQuery {
        let segment = pathSegment(task)
        guard let parent = task.placement.parentID else { return "\(segment)" }
        return "COALESCE((SELECT p.position_path || '/' FROM tasks p WHERE p.id = \(parent)), '') || \(segment)"
    }

    static func pathSegment(_ task: TodoTask) -> String { task.placement.position.key + "#" + task.id.lowercased }

    /// The task, or `TodoError.notFound`.
    public func get(id: UUID, userID: UUID) async throws -> TodoTask {
        try await db.read { conn in
            guard let task = try await Self.fetch(id: id, userID: userID, conn: conn, forUpdate: false) else {
                throw TodoError.notFound(resource: "task")
            }
            return task
        }
    }

    /// Applies a merge patch. `precondition` (from `If-Match`) must admit the current version.
    /// A patch that changes nothing leaves the version as it is.
    public func update(id: UUID, userID: UUID, patch: TaskPatch, precondition: VersionPrecondition, now: Date = Date()) async throws -> TodoTask {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let current = try await Self.current(id: id, userID: userID, precondition: precondition, conn: conn)
            let fields = try patch.applied(to: current)
            let next = fields ?? current
            var newReminders: [Reminder]?
            if let specs = patch.reminders {
                let resolved = try await Self.resolve(specs, dueAt: next.due?.at, userID: userID, now: now, conn: conn)
                if resolved.map(\.requestKey).sorted() != current.reminders.map(\.requestKey).sorted() { newReminders = resolved }
            }
            if let move = patch.move {
                // the row is read and locked already: only its place in the index is missing
                let node = Node(task: current, path: try await Self.path(of: id, conn: conn))
                let (placement, holder) = try await Self.resolve(move, for: node, userID: userID, reorder: false, now: now, conn: conn)
                if placement != current.placement {
                    // The place first (its own event, the subtree's too), then the fields.
                    let moved = try await Self.place(node, at: placement, holder: holder, now: now, conn: conn)
                    guard fields != nil || newReminders != nil else { return moved }
                    return try await Self.write(
                        next, placement: moved, reminders: newReminders, patch: patch, current: current, actor: userID, now: now, conn: conn)
                }
            }
            guard fields != nil || newReminders != nil else { return current }
            return try await Self.write(
                next, placement: nil, reminders: newReminders, patch: patch, current: current, actor: userID, now: now, conn: conn)
        }
    }

    /// Writes a patched task's fields (and, when it was just moved, from its moved version) with
    /// its `task.updated`; tags and reminders it sets are the `actor`'s.
    static func write(
        _ next: TodoTask, placement moved: TodoTask?, reminders newReminders: [Reminder]?, patch: TaskPatch, current: TodoTask, actor: UUID,
        now: Date, conn: any SQLConnection
    ) async throws -> TodoTask {
        let current = moved ?? current
        let id = current.id
        let userID = current.userID
        var next = next
        next.placement = current.placement
        next.userID = current.userID
        if case .set(let assignee) = patch.assignee, assignee != current.assigneeID {
            try await Self.checkAssignee(assignee, projectID: current.projectID, holder: current.userID, conn: conn)
        }
        next.version = current.version
        next.version += 1
        next.updatedAt = now
        try await conn.execute(
            """
            UPDATE tasks SET title = \(next.title), title_key = \(next.title.lowercased()), description = \(next.description),
              priority = \(next.priority.rank), \(Self.dueAssignments(next.due)), recurrence_rule = \(next.recurrence?.rule),
              recurrence_anchor = \(next.recurrence?.anchor.rawValue), series_id = \(next.seriesID),
              occurrence_index = \(next.occurrenceIndex), assignee_id = \(next.assigneeID), updated_at = \(now), version = \(next.version)
            WHERE id = \(id) AND user_id = \(userID)
            """)
        if let newReminders {
            try await Self.replaceReminders(newReminders, taskID: id, userID: actor, now: now, conn: conn)
            next.reminders = newReminders
        } else if next.due != current.due {
            next.reminders = try await Self.moveReminders(of: next, conn: conn)
        }
        if patch.tags != nil {
            next.tags = try await Self.replaceTags(of: id, userID: actor, names: next.tags, now: now, conn: conn)
        }
        try await EventOutbox.append(TaskEvent.updated(from: current, to: next, at: now), conn: conn)
        if next.assigneeID != current.assigneeID { try await Self.notifyAssigned(next, by: actor, now: now, conn: conn) }
        return next
    }

    /// Marks the task completed (or open again). Idempotent: a task already in that state is
    /// returned unchanged. Reopening also clears a skip. The `task.completed` event of a recurring
    /// task makes the recurring-task-service create the next occurrence (`Series.successor`, `insertSuccessor`).
    /// `withSubtasks` completes its open subtasks too (each with its event); otherwise, and when
    /// reopening, only this task changes.
    public func setCompleted(
        id: UUID, userID: UUID, completed: Bool, withSubtasks: Bool = false, precondition: VersionPrecondition = .unconditional, now: Date = Date()
    ) async throws -> TodoTask {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            if completed && withSubtasks {
                let node = try await Self.node(id, userID: userID, forUpdate: true, need: .editor, conn: conn)
                try precondition.check(node.task.version)
                let rows = try await conn.query(
                    """
                    SELECT t.id FROM tasks t WHERE \(Self.below(node.path, projectID: node.task.projectID, userID: node.task.userID))
                      AND t.completed_at IS NULL AND t.skipped_at IS NULL ORDER BY t.position_path DESC
                    """)
                for row in rows {
                    _ = try await Self.complete(
                        try row.uuid("id"), userID: userID, completed: true, precondition: .unconditional, now: now, conn: conn)
                }
            }
            return try await Self.complete(id, userID: userID, completed: completed, precondition: precondition, now: now, conn: conn)
        }
    }

    static func complete(_ id: UUID, userID: UUID, completed: Bool, precondition: VersionPrecondition, now: Date, conn: any SQLConnection)
        async throws -> TodoTask
    {
        var task = try await Self.current(id: id, userID: userID, precondition: precondition, conn: conn)
        if completed ? task.isCompleted : !task.isClosed { return task }
        task.completedAt = completed ? now : nil
        task.skippedAt = nil
        task.updatedAt = now
        task.version += 1
        try await conn.execute(
            """
            UPDATE tasks SET completed_at = \(task.completedAt), skipped_at = NULL, updated_at = \(now), version = \(task.version)
            WHERE id = \(id) AND user_id = \(task.userID)
            """)
        task.reminders = try await Self.setRemindersActive(!completed, task: task, now: now, conn: conn)
        if let parent = task.placement.parentID { try await recount([parent], conn: conn) }
        try await EventOutbox.append(TaskEvent(completed ? .completed : .reopened, task, at: now), conn: conn)
        return task
    }

    /// Deletes the task and its subtasks in one transaction, each with its `task.deleted`; or
    /// throws `notFound` / `preconditionFailed`.
    public func delete(id: UUID, userID: UUID, precondition: VersionPrecondition, now: Date = Date()) async throws {
        try await db.write { conn in
            let node = try await Self.node(id, userID: userID, forUpdate: true, need: .editor, conn: conn)
            try precondition.check(node.task.version)
            try await Self.deleteTasks(
                where: "(t.id = \(id) OR \(Self.below(node.path, projectID: node.task.projectID, userID: node.task.userID)))",
                userID: node.task.userID,
                now: now.truncatedToMillis,
                conn: conn)
        }
    }

    // MARK: - Shared steps

    /// The task locked for update (PostgreSQL) for a person who may edit it, checked against
    /// `precondition` (`If-Match`).
    static func current(id: UUID, userID: UUID, precondition: VersionPrecondition, conn: any SQLConnection) async throws -> TodoTask {
        guard let task = try await fetch(id: id, userID: userID, conn: conn, forUpdate: true, need: .editor) else {
            throw TodoError.notFound(resource: "task")
        }
        try precondition.check(task.version)
        return task
    }

    /// The due columns' values, in the order `due_at, overdue_at, due_date, due_local, due_tz`.
    static func dueColumns(_ due: ResolvedDue?) -> SQLQuery {
        let (date, local) = dueTexts(due)
        return "\(due?.at), \(due?.overdueAt), \(date), \(local), \(due?.timeZone.identifier)"
    }

    static func dueAssignments(_ due: ResolvedDue?) -> SQLQuery {
        let (date, local) = dueTexts(due)
        return "due_at = \(due?.at), overdue_at = \(due?.overdueAt), due_date = \(date), due_local = \(local), due_tz = \(due?.timeZone.identifier)"
    }

    private static func dueTexts(_ due: ResolvedDue?) -> (String?, String?) {
        switch due?.due {
        case .allDay(let d)?: return (d.description, nil)
        case .dateTime(let l, _)?: return (nil, l.description)
        case nil: return (nil, nil)
        }
    }

    /// The due stored in a row's due columns (`due_at, overdue_at, due_date, due_local, due_tz`).
    static func due(_ row: SQLRow) -> ResolvedDue? {
        guard let at = row.optionalDate("due_at") else { return nil }
        let tz = row.optionalString("due_tz").map(TimeZoneID.stored) ?? .utc
        let overdueAt = row.optionalDate("overdue_at") ?? at
        if let d = row.optionalString("due_date"), let date = LocalDate(d) {
            return ResolvedDue(due: .allDay(date), timeZone: tz, at: at, overdueAt: overdueAt)
        }
        if let l = row.optionalString("due_local"), let local = LocalDateTime(l) {
            return ResolvedDue(due: .dateTime(local, timeZone: tz), timeZone: tz, at: at, overdueAt: overdueAt)
        }
        return nil
    }

    static func task(_ row: SQLRow, tags: [String]) throws -> TodoTask {
        let due = Self.due(row)
        var recurrence: Recurrence?
        if let rule = row.optionalString("recurrence_rule"),
            let anchor = RecurrenceAnchor(rawValue: row.optionalString("recurrence_anchor") ?? "schedule")
        {
            recurrence = Recurrence(rule: rule, anchor: anchor)
        }
        return TodoTask(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), title: try row.string("title"),
            description: try row.string("description"), priority: Priority(rank: try row.int("priority")) ?? .none,
            tags: tags, due: due, completedAt: row.optionalDate("completed_at"), skippedAt: row.optionalDate("skipped_at"),
            recurrence: recurrence,
            seriesID: row.optionalUUID("series_id"), occurrenceIndex: row.optionalInt("occurrence_index"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), version: try row.int("version"),
            placement: try placement(row),
            subtasks: SubtaskCount(open: row.optionalInt("subtasks_open") ?? 0, total: row.optionalInt("subtasks_total") ?? 0),
            assigneeID: row.optionalUUID("assignee_id"))
    }

    static func placement(_ row: SQLRow) throws -> Placement {
        guard let position = Position(try row.string("position")) else { throw SQLDecodingError(column: "position", expected: "a position key") }
        return Placement(
            projectID: try row.uuid("project_id"), sectionID: row.optionalUUID("section_id"), parentID: row.optionalUUID("parent_id"),
            position: position)
    }
}
