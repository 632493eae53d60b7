import Foundation
import TodoCore

/// What happens to the tasks of a project or section being deleted: the request must say, the
/// store never chooses.
public enum TaskDisposal: Sendable, Equatable {
    /// Delete them (each with its `task.deleted` event).
    case delete
    /// Move them: to this project (nil: the Inbox) when a project is deleted; out of any section
    /// (into the same project) when a section is.
    case move(to: UUID?)
}

/// Projects and their sections. A person reaches the projects they hold and those shared with them
/// (`Access`); any other project is indistinguishable from a missing one. The Inbox's id is its
/// owner's id, and it is never shared.
public struct ProjectStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    static let columns = "p.id, p.user_id, p.name, p.color, p.description, p.is_inbox, p.archived, p.position, p.created_at, p.updated_at, p.version"

    /// The person's Inbox, written with the account (and by migration 11 for earlier accounts).
    static func insertInbox(userID: UUID, now: Date, conn: any SQLConnection) async throws {
        let inbox = Project(
            id: userID, userID: userID, name: ProjectRules.inboxName, isInbox: true, position: Position("V")!, createdAt: now, updatedAt: now)
        try await insert(inbox, conn: conn)
    }

    static func insert(_ p: Project, conn: any SQLConnection) async throws {
        try await conn.execute(
            """
            INSERT INTO projects (id, user_id, name, name_key, color, description, is_inbox, archived, position, created_at, updated_at, version)
            VALUES (\(p.id), \(p.userID), \(p.name), \(ProjectRules.nameKey(p.name)), \(p.color.rawValue), \(p.description), \(p.isInbox),
              \(p.archived), \(p.position.key), \(p.createdAt), \(p.updatedAt), \(p.version))
            """)
    }

    /// The person's projects and those shared with them, with their counts and the person's
    /// role: the Inbox first, then in their order; archived ones only when asked (`archived`: nil
    /// both, true only archived, false only active).
    public func list(userID: UUID, archived: Bool? = false, now: Date = Date()) async throws -> [ProjectSummary] {
        try await db.read { conn in
            var filter: SQLQuery = ""
            if let archived { filter = " AND p.archived = \(archived)" }
            let rows = try await conn.query(
                """
                SELECT \(Self.summaryColumns(viewer: userID)) FROM projects p
                WHERE \(Access.visible(project: "p.id", holder: "p.user_id", viewer: userID))\(filter)
                ORDER BY p.is_inbox DESC, p.position, p.id
                """)
            let scope = try await Access.taskScope(viewer: userID, projects: [], conn: conn)
            let counts = try await Self.counts(scope: scope, now: now, conn: conn)
            return try rows.map { row in try Self.summary(row, counts: counts) }
        }
    }

    /// The ids of the projects shared with the person (not those they hold).
    public func sharedProjectIDs(userID: UUID) async throws -> Set<UUID> {
        try await db.read { conn in Set(try await Access.sharedProjects(viewer: userID, conn: conn).map(\.project)) }
    }

    public func get(id: UUID, userID: UUID, now: Date = Date()) async throws -> ProjectSummary {
        try await db.read { conn in
            // One read for the project, the reader's role and its people (not `owned` and then the summary).
            guard
                let row = try await conn.first(
                    """
                    SELECT \(Self.summaryColumns(viewer: userID)) FROM projects p
                    WHERE p.id = \(id) AND \(Access.visible(project: "p.id", holder: "p.user_id", viewer: userID))
                    """)
            else { throw TodoError.notFound(resource: "project") }
            let counts = try await Self.counts(scope: "t.user_id = \(try row.uuid("user_id")) AND t.project_id = \(id)", now: now, conn: conn)
            return try Self.summary(row, counts: counts)
        }
    }

    /// A project's columns with the viewer's role and the number of members (the holder too).
    static func summaryColumns(viewer: UUID) -> SQLQuery {
        """
        \(raw: columns), \(Access.roleColumn(project: "p.id", holder: "p.user_id", viewer: viewer)),
          (SELECT count(*) FROM project_members m WHERE m.project_id = p.id) + 1 AS member_count
        """
    }

    static func summary(_ row: SQLRow, counts: [UUID: (open: Int, overdue: Int)]) throws -> ProjectSummary {
        let project = try Self.project(row)
        let c = counts[project.id] ?? (0, 0)
        return ProjectSummary(
            project: project, openTasks: c.open, overdueTasks: c.overdue, role: try Access.role(row), memberCount: try row.int("member_count"))
    }

    /// Open and overdue tasks per project of the tasks `scope` admits (read through the open-task
    /// index of migration 10).
    static func counts(scope: SQLQuery, now: Date, conn: any SQLConnection) async throws -> [UUID: (open: Int, overdue: Int)] {
        let rows = try await conn.query(
            """
            SELECT t.project_id, count(*) AS open, sum(CASE WHEN t.overdue_at <= \(now) THEN 1 ELSE 0 END) AS overdue
            FROM tasks t WHERE \(scope) AND t.completed_at IS NULL AND t.skipped_at IS NULL
            GROUP BY t.project_id
            """)
        var result: [UUID: (open: Int, overdue: Int)] = [:]
        for row in rows { result[try row.uuid("project_id")] = (try row.int("open"), row.optionalInt("overdue") ?? 0) }
        return result
    }

    /// A new project, placed after the person's others.
    public func create(userID: UUID, draft: ProjectDraft, now: Date = Date()) async throws -> Project {
        let now = now.truncatedToMillis
        let project = Project(
            id: .v7(at: now), userID: userID, name: draft.name, color: draft.color, description: draft.description,
            position: .at(now), createdAt: now, updatedAt: now)
        try await db.write { conn in try await Self.insert(project, conn: conn) }
        return project
    }

    /// Changes a project. The Inbox keeps its name and cannot be archived or moved.
    public func update(id: UUID, userID: UUID, patch: ProjectPatch, precondition: VersionPrecondition, now: Date = Date()) async throws -> Project {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let current = try await Self.owned(id, userID: userID, forUpdate: true, need: .owner, conn: conn)
            try precondition.check(current.version)
            var next = current
            if current.isInbox {
                var errors = FieldErrors()
                if let name = patch.name, name != current.name { errors.add("name", "the Inbox cannot be renamed") }
                if patch.archived == true { errors.add("archived", "the Inbox cannot be archived") }
                if patch.after != .unchanged { errors.add("after", "the Inbox stays first") }
                try errors.check()
            }
            if let name = patch.name { next.name = name }
            if let color = patch.color { next.color = color }
            if let description = patch.description { next.description = description }
            if let archived = patch.archived { next.archived = archived }
            switch patch.after {
            case .unchanged: break
            case .clear: next.position = try await Self.position(after: nil, moving: id, userID: current.userID, conn: conn)
            case .set(let after): next.position = try await Self.position(after: after, moving: id, userID: current.userID, conn: conn)
            }
            guard next != current else { return current }
            next.version += 1
            next.updatedAt = now
            try await conn.execute(
                """
                UPDATE projects SET name = \(next.name), name_key = \(ProjectRules.nameKey(next.name)), color = \(next.color.rawValue),
                  description = \(next.description), archived = \(next.archived), position = \(next.position.key), updated_at = \(now),
                  version = \(next.version)
                WHERE id = \(id)
                """)
            return next
        }
    }

    /// The key that puts a project right after `after` (nil or the Inbox: first after the Inbox).
    static func position(after: UUID?, moving: UUID, userID: UUID, conn: any SQLConnection) async throws -> Position {
        try await slot(
            in: "projects", scope: "p.user_id = \(userID) AND NOT p.is_inbox", after: after == userID ? nil : after, moving: moving,
            resource: "project", conn: conn)
    }

    /// The key that puts row `moving` of `table` (aliased `p`) right after row `after` (nil:
    /// first) among the rows of `scope`; rebalances those rows once when there is no room (equal
    /// or over-long keys).
    static func slot(in table: String, scope: SQLQuery, after: UUID?, moving: UUID, resource: String, conn: any SQLConnection) async throws
        -> Position
    {
        guard after != moving else { throw TodoError.invalid("after", "must be another \(resource)") }
        for attempt in 0..<2 {
            let rows = try await conn.query(
                "SELECT p.id, p.position FROM \(raw: table) p WHERE \(scope) AND p.id <> \(moving) ORDER BY p.position, p.id")
            let order = try rows.map { (id: try $0.uuid("id"), key: Position(try $0.string("position")) ?? Position("V")!) }
            var prev: Position?
            var index = 0
            if let after {
                guard let i = order.firstIndex(where: { $0.id == after }) else { throw TodoError.notFound(resource: resource) }
                prev = order[i].key
                index = i + 1
            }
            let next = index < order.count ? order[index].key : nil
            if let key = Position.gap(prev, next, now: Date()), key.key.count <= Position.maxLength || attempt == 1 { return key }
            guard attempt == 0 else { break }
            for (item, key) in zip(order, Position.evenly(order.count, before: Date())) {
                try await conn.execute("UPDATE \(raw: table) SET position = \(key.key) WHERE id = \(item.id)")
            }
        }
        throw TodoError.conflict(code: "no_room", detail: "The order could not be rebalanced; try again.")
    }

    /// Deletes a project. Its tasks go as `tasks` says; a project with tasks and no `tasks` is
    /// refused (422), so nothing is deleted or moved silently.
    public func delete(id: UUID, userID: UUID, tasks disposal: TaskDisposal?, precondition: VersionPrecondition, now: Date = Date()) async throws {
        let now = now.truncatedToMillis
        try await db.write { conn in
            let project = try await Self.owned(id, userID: userID, forUpdate: true, need: .owner, conn: conn)
            try precondition.check(project.version)
            if project.isInbox { throw TodoError.conflict(code: "inbox", detail: "The Inbox cannot be deleted.") }
            let count = try await conn.first("SELECT count(*) AS n FROM tasks WHERE project_id = \(id)")?.int("n") ?? 0
            if count > 0 {
                switch disposal {
                case nil:
                    throw TodoError.invalid(
                        "tasks",
                        "is required: the project has \(count) task(s); delete them (tasks=delete) or move them (tasks=move, to=<project id>, default the Inbox)"
                    )
                case .delete:
                    try await TaskStore.deleteTasks(where: "t.project_id = \(id)", userID: project.userID, now: now, conn: conn)
                case .move(let to):
                    let target = to ?? userID
                    guard target != id else { throw TodoError.invalid("to", "must be another project") }
                    let destination = try await Self.owned(target, userID: userID, need: .editor, conn: conn)
                    try await TaskStore.reassign(
                        where: "t.project_id = \(id)", to: target, sectionID: nil, userID: project.userID, holder: destination.userID, now: now,
                        conn: conn)
                }
            }
            try await conn.execute("DELETE FROM projects WHERE id = \(id)")
        }
    }

    /// The project if the person holds it or is a member (`notFound` otherwise), with at least the
    /// role `need` (`forbidden` otherwise).
    static func owned(_ id: UUID, userID: UUID, forUpdate: Bool = false, need: MemberRole = .viewer, conn: any SQLConnection) async throws
        -> Project
    {
        try project(
            try await reachableRow(
                "projects", columns, id: id, project: "p.id", userID: userID, resource: "project", forUpdate: forUpdate, need: need, conn: conn))
    }

    /// The row of `table` (aliased `p`, its project in column `project`) with this id if the person
    /// may see it, with at least the role `need`.
    static func reachableRow(
        _ table: String, _ columns: String, id: UUID, project: String, userID: UUID, resource: String, forUpdate: Bool = false,
        need: MemberRole, conn: any SQLConnection
    ) async throws -> SQLRow {
        let lock: SQLQuery = forUpdate ? conn.rowLock : ""
        guard
            let row = try await conn.first(
                """
                SELECT \(raw: columns), \(Access.roleColumn(project: project, holder: "p.user_id", viewer: userID)) FROM \(raw: table) p
                WHERE p.id = \(id) AND \(Access.visible(project: project, holder: "p.user_id", viewer: userID))\(lock)
                """)
        else { throw TodoError.notFound(resource: resource) }
        try Access.role(row).check(need)
        return row
    }

    /// The row of `table` (aliased `p`) with this id if it is the person's; else `notFound`
    /// naming `resource` — another person's row is indistinguishable from a missing one.
    static func ownedRow(
        _ table: String, _ columns: String, id: UUID, userID: UUID, resource: String, forUpdate: Bool = false, conn: any SQLConnection
    ) async throws -> SQLRow {
        let lock: SQLQuery = forUpdate ? conn.rowLock : ""
        guard let row = try await conn.first("SELECT \(raw: columns) FROM \(raw: table) p WHERE p.id = \(id) AND p.user_id = \(userID)\(lock)") else {
            throw TodoError.notFound(resource: resource)
        }
        return row
    }

    /// A row's colour and position, as every ordered, coloured thing stores them.
    static func colorAndPosition(_ row: SQLRow) throws -> (ProjectColor, Position) {
        guard let color = ProjectColor(rawValue: try row.string("color")) else { throw SQLDecodingError(column: "color", expected: "a colour") }
        guard let position = Position(try row.string("position")) else { throw SQLDecodingError(column: "position", expected: "a key") }
        return (color, position)
    }

    static func project(_ row: SQLRow) throws -> Project {
        let (color, position) = try colorAndPosition(row)
        return Project(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), name: try row.string("name"), color: color,
            description: try row.string("description"), isInbox: try row.bool("is_inbox"), archived: try row.bool("archived"),
            position: position, createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), version: try row.int("version"))
    }
}
