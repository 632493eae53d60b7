import Foundation
import TodoCore

/// A closed occurrence of a series, for its history.
public struct SeriesEntry: Sendable, Equatable {
    public enum Status: String, Sendable { case completed, skipped }

    public var task: TodoTask

    public var status: Status { task.skippedAt != nil ? .skipped : .completed }
}

extension TaskStore {
    /// Skips this occurrence of a recurring task: it is kept, closed, as skipped in the series'
    /// history. Its `task.updated` event (with `skipped_at` in `changes`) makes the
    /// recurring-task-service create the next occurrence, placed as the `schedule` anchor places it.
    public func skip(id: UUID, userID: UUID, precondition: VersionPrecondition = .unconditional, now: Date = Date()) async throws -> TodoTask {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            var task = try await Self.current(id: id, userID: userID, precondition: precondition, conn: conn)
            guard task.recurrence != nil else {
                throw TodoError.conflict(code: "not_recurring", detail: "Only an occurrence of a recurring task can be skipped.")
            }
            if task.skippedAt != nil { return task }
            guard task.completedAt == nil else {
                throw TodoError.conflict(code: "already_completed", detail: "This occurrence is completed; reopen it to skip it.")
            }
            let before = task
            task.skippedAt = now
            task.updatedAt = now
            task.version += 1
            try await conn.execute(
                "UPDATE tasks SET skipped_at = \(now), updated_at = \(now), version = \(task.version) WHERE id = \(id) AND user_id = \(task.userID)")
            task.reminders = try await Self.setRemindersActive(false, task: task, now: now, conn: conn)
            if let parent = task.placement.parentID { try await Self.recount([parent], conn: conn) }
            try await EventOutbox.append(TaskEvent.updated(from: before, to: task, at: now), conn: conn)
            return task
        }
    }

    /// The completed and skipped occurrences of the task's series, oldest first.
    public func history(id: UUID, userID: UUID) async throws -> [SeriesEntry] {
        try await db.read { conn in
            guard let task = try await Self.fetch(id: id, userID: userID, conn: conn, forUpdate: false) else {
                throw TodoError.notFound(resource: "task")
            }
            guard let series = task.seriesID else { return task.isClosed ? [SeriesEntry(task: task)] : [] }
            let rows = try await conn.query(
                """
                SELECT \(raw: Self.readColumns(conn.dialect)) FROM tasks t WHERE t.user_id = \(task.userID) AND t.series_id = \(series)
                  AND (t.completed_at IS NOT NULL OR t.skipped_at IS NOT NULL)
                ORDER BY t.occurrence_index, t.created_at LIMIT 1000
                """)
            // History entries carry no reminders (a closed occurrence's are spent).
            return try await Self.tasks(rows, reminders: false, conn: conn).map(SeriesEntry.init)
        }
    }

    /// A next occurrence to insert: the task, the one it follows, and the trace its event carries.
    public struct Successor: Sendable {
        public var task: TodoTask
        public var predecessor: UUID
        public var traceparent: String?
        /// Whose completion (or skip) made it: its events name them as their actor.
        public var actor: UUID?

        public init(task: TodoTask, predecessor: UUID, traceparent: String?, actor: UUID? = nil) {
            (self.task, self.predecessor, self.traceparent, self.actor) = (task, predecessor, traceparent, actor)
        }
    }

    /// Inserts next occurrences with their `task.created` events, each with its own trace,
    /// unless one was created from the same task before: `spawned_from` is unique, so this is
    /// exactly once however often a task is completed, reopened and completed again, and whatever
    /// runs concurrently. The tasks go in one multi-row insert, then their tags and reminders,
    /// then the events in one insert. Returns those inserted, in order.
    public static func insertSuccessors(_ successors: [Successor], conn: any SQLConnection) async throws -> [TodoTask] {
        guard !successors.isEmpty else { return [] }
        let rows = successors.map { rowValues($0.task, spawnedFrom: $0.predecessor) }
        let inserted = Set(
            try await conn.query(
                "INSERT INTO tasks (\(raw: insertColumns)) VALUES \(SQLQuery(rows, separator: ", ")) ON CONFLICT DO NOTHING RETURNING id"
            )
            .map { try $0.uuid("id") })
        var created: [TodoTask] = []
        var events: [OutboxEvent] = []
        try await recount(Set(successors.filter { inserted.contains($0.task.id) }.compactMap(\.task.placement.parentID)), conn: conn)
        for successor in successors where inserted.contains(successor.task.id) {
            var task = successor.task
            task.tags = try await replaceTags(of: task.id, userID: task.userID, names: task.tags, now: task.createdAt, isNew: true, conn: conn)
            try await insertReminders(task.reminders, taskID: task.id, userID: task.userID, now: task.createdAt, conn: conn)
            let event = TaskEvent(.created, task, at: task.createdAt)
            events.append(
                TraceContext.$traceparent.withValue(successor.traceparent) {
                    EventActor.$id.withValue(successor.actor) { CloudEventCodec.encode(event) }
                })
            created.append(task)
        }
        for successor in successors where inserted.contains(successor.task.id) {
            events += try await EventActor.$id.withValue(successor.actor) {
                try await copySubtasks(from: successor.predecessor, to: successor.task, traceparent: successor.traceparent, conn: conn)
            }
        }
        try await EventOutbox.append(contentsOf: events, conn: conn)
        return created
    }

    /// A recurring parent's next occurrence gets its subtasks again (as Todoist does): the
    /// predecessor's subtree copied under the successor — same titles, descriptions, priorities,
    /// tags, order and nesting, open, without dues, reminders or recurrence of their own — each
    /// with its `task.created`. Runs only for a successor just inserted, so exactly once.
    static func copySubtasks(from predecessor: UUID, to successor: TodoTask, traceparent: String?, conn: any SQLConnection) async throws
        -> [OutboxEvent]
    {
        guard let root = try await conn.first("SELECT t.position_path, t.project_id FROM tasks t WHERE t.id = \(predecessor)") else { return [] }
        let path = try root.string("position_path")
        let rows = try await conn.query(
            """
            SELECT \(raw: readColumns(conn.dialect)), t.position_path FROM tasks t WHERE \(below(path, projectID: try root.uuid("project_id"), userID: successor.userID))
            ORDER BY t.position_path
            """)
        guard !rows.isEmpty else { return [] }
        let originals = try await tasks(rows, reminders: false, conn: conn)
        var newIDs: [UUID: UUID] = [predecessor: successor.id]
        var events: [OutboxEvent] = []
        let now = successor.createdAt
        // Parents come before their children in path order, so each copy's parent is copied first.
        for original in originals {
            guard let parent = original.placement.parentID.flatMap({ newIDs[$0] }) else { continue }
            let id = UUID.v7(at: now)
            newIDs[original.id] = id
            var placement = original.placement
            placement.parentID = parent
            placement.projectID = successor.projectID
            placement.sectionID = successor.placement.sectionID
            let copy = TodoTask(
                id: id, userID: successor.userID, title: original.title, description: original.description, priority: original.priority,
                tags: original.tags, createdAt: now, updatedAt: now, placement: placement)
            guard let inserted = try await insert(copy, spawnedFrom: nil, conn: conn) else { continue }
            events.append(TraceContext.$traceparent.withValue(traceparent) { CloudEventCodec.encode(TaskEvent(.created, inserted, at: now)) })
        }
        return events
    }

    /// Tasks by id, whoever they belong to (a consumer's batch), as they are now inside the
    /// consumer's transaction, with their tags and reminders; a task deleted meanwhile is absent.
    public static func load(ids: [UUID], conn: any SQLConnection) async throws -> [TodoTask] {
        guard !ids.isEmpty else { return [] }
        let rows = try await conn.query("SELECT \(raw: readColumns(conn.dialect)) FROM tasks t WHERE t.id IN \(list: ids.map(SQLValue.uuid))")
        return try await tasks(rows, conn: conn)
    }
}
