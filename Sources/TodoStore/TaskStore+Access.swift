import Foundation
import TodoCore

/// How a person reaches a task (`Access`), and assignees.
extension TaskStore {
    /// The task if `userID` may see it (nil otherwise); `forbidden` when their role is below `need`.
    static func fetch(id: UUID, userID: UUID, conn: any SQLConnection, forUpdate: Bool, need: MemberRole = .viewer) async throws -> TodoTask? {
        try await fetchRow(id: id, userID: userID, extra: "", conn: conn, forUpdate: forUpdate, need: need)?.task
    }

    /// `fetch` with more columns (`extra`, starting with a comma), and the row.
    static func fetchRow(id: UUID, userID: UUID, extra: String, conn: any SQLConnection, forUpdate: Bool, need: MemberRole) async throws
        -> (task: TodoTask, row: SQLRow)?
    {
        let lock: SQLQuery = forUpdate ? conn.rowLock : ""
        let rows = try await conn.query(
            """
            SELECT \(raw: readColumns(conn.dialect))\(raw: extra), \(Access.roleColumn(project: "t.project_id", holder: "t.user_id", viewer: userID))
            FROM tasks t WHERE t.id = \(id) AND \(Access.visible(project: "t.project_id", holder: "t.user_id", viewer: userID))\(lock)
            """)
        guard let row = rows.first else { return nil }
        try Access.role(row).check(need)
        guard let task = try await tasks(rows, conn: conn).first else { return nil }
        return (task, row)
    }

    /// The people of a project: its holder and its members.
    static func projectPeople(_ projectID: UUID, holder: UUID, conn: any SQLConnection) async throws -> [UUID] {
        let rows = try await conn.query("SELECT user_id FROM project_members WHERE project_id = \(projectID)")
        return [holder] + (try rows.map { try $0.uuid("user_id") })
    }

    /// A task's assignee must be one of its project's people (422 `assignee_id` otherwise).
    static func checkAssignee(_ assignee: UUID, projectID: UUID, holder: UUID, conn: any SQLConnection) async throws {
        guard assignee != holder else { return }
        guard try await conn.first("SELECT user_id FROM project_members WHERE project_id = \(projectID) AND user_id = \(assignee)") != nil else {
            throw TodoError.invalid("assignee_id", "is not a member of the task's project")
        }
    }

    /// Tells the assignee, in the app, that someone else assigned them a task (the notification
    /// stream brings it at once); assigning oneself says nothing.
    static func notifyAssigned(_ task: TodoTask, by actor: UUID, now: Date, conn: any SQLConnection) async throws {
        guard let assignee = task.assigneeID, assignee != actor else { return }
        let who = try await conn.first("SELECT display_name FROM users WHERE id = \(actor)")?.string("display_name") ?? "Someone"
        let project = try await conn.first("SELECT name FROM projects WHERE id = \(task.projectID)")?.string("name") ?? ""
        try await conn.execute(
            """
            INSERT INTO notifications (id, user_id, reminder_id, task_id, title, body, created_at)
            VALUES (\(UUID.v7(at: now)), \(assignee), NULL, \(task.id), \("\(who) assigned you “\(task.title)”"), \("In \(project)"), \(now))
            """)
        try await conn.notify(.notifications)
    }

    /// Unassigns `member` from the project's tasks (they left or were removed), each with its
    /// `task.updated`.
    static func unassign(_ member: UUID, inProject projectID: UUID, now: Date, conn: any SQLConnection) async throws {
        let rows = try await conn.query(
            "SELECT \(raw: readColumns(conn.dialect)) FROM tasks t WHERE t.project_id = \(projectID) AND t.assignee_id = \(member)")
        let before = try await tasks(rows, conn: conn)
        guard !before.isEmpty else { return }
        try await conn.execute(
            """
            UPDATE tasks SET assignee_id = NULL, version = version + 1, updated_at = \(now)
            WHERE id IN \(list: before.map { SQLValue.uuid($0.id) })
            """)
        let events = before.map { task -> OutboxEvent in
            var after = task
            (after.assigneeID, after.version, after.updatedAt) = (nil, task.version + 1, now)
            return CloudEventCodec.encode(TaskEvent.updated(from: task, to: after, at: now))
        }
        try await EventOutbox.append(contentsOf: events, conn: conn)
    }
}
