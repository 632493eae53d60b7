import Foundation
import TodoCore

extension ProjectStore {
    static let sectionColumns = "p.id, p.project_id, p.user_id, p.name, p.position, p.created_at, p.updated_at"

    /// The sections of a project the person can see, in order.
    public func sections(projectID: UUID, userID: UUID) async throws -> [Section] {
        try await db.read { conn in
            _ = try await Self.owned(projectID, userID: userID, conn: conn)
            let rows = try await conn.query(
                "SELECT \(raw: Self.sectionColumns) FROM sections p WHERE p.project_id = \(projectID) ORDER BY p.position, p.id")
            return try rows.map(Self.section)
        }
    }

    /// A new section at the end of the project (an editor's right; held by the project's holder).
    public func createSection(projectID: UUID, userID: UUID, name: String, now: Date = Date()) async throws -> Section {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let project = try await Self.owned(projectID, userID: userID, forUpdate: true, need: .editor, conn: conn)
            let section = Section(
                id: .v7(at: now), projectID: projectID, userID: project.userID, name: name, position: .at(now), createdAt: now, updatedAt: now)
            try await conn.execute(
                """
                INSERT INTO sections (id, project_id, user_id, name, position, created_at, updated_at)
                VALUES (\(section.id), \(projectID), \(project.userID), \(name), \(section.position.key), \(now), \(now))
                """)
            return section
        }
    }

    /// Renames a section or moves it after another of its project (`.clear`: first).
    public func updateSection(id: UUID, userID: UUID, name: String?, after: FieldChange<UUID>, now: Date = Date()) async throws -> Section {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let current = try await Self.ownedSection(id, userID: userID, need: .editor, conn: conn)
            var next = current
            if let name { next.name = name }
            let scope: SQLQuery = "p.project_id = \(current.projectID)"
            switch after {
            case .unchanged: break
            case .clear: next.position = try await Self.slot(in: "sections", scope: scope, after: nil, moving: id, resource: "section", conn: conn)
            case .set(let a): next.position = try await Self.slot(in: "sections", scope: scope, after: a, moving: id, resource: "section", conn: conn)
            }
            guard next != current else { return current }
            next.updatedAt = now
            try await conn.execute(
                "UPDATE sections SET name = \(next.name), position = \(next.position.key), updated_at = \(now) WHERE id = \(id)"
            )
            return next
        }
    }

    /// Deletes a section; its tasks go as `tasks` says (`.move`: out of any section, in the same
    /// project). A section with tasks and no `tasks` is refused.
    public func deleteSection(id: UUID, userID: UUID, tasks disposal: TaskDisposal?, now: Date = Date()) async throws {
        let now = now.truncatedToMillis
        try await db.write { conn in
            let section = try await Self.ownedSection(id, userID: userID, need: .editor, conn: conn)
            let count = try await conn.first("SELECT count(*) AS n FROM tasks WHERE section_id = \(id)")?.int("n") ?? 0
            if count > 0 {
                switch disposal {
                case nil:
                    throw TodoError.invalid(
                        "tasks", "is required: the section has \(count) task(s); delete them (tasks=delete) or move them out of it (tasks=move)")
                case .delete:
                    try await TaskStore.deleteTasks(where: "t.section_id = \(id)", userID: section.userID, now: now, conn: conn)
                case .move:
                    try await TaskStore.reassign(
                        where: "t.section_id = \(id)", to: section.projectID, sectionID: nil, userID: section.userID, holder: section.userID,
                        now: now, conn: conn)
                }
            }
            try await conn.execute("DELETE FROM sections WHERE id = \(id)")
        }
    }

    /// A section of a project the person can see (`notFound` otherwise), with at least the role
    /// `need` there.
    static func ownedSection(_ id: UUID, userID: UUID, need: MemberRole = .viewer, conn: any SQLConnection) async throws -> Section {
        try section(
            try await reachableRow(
                "sections", sectionColumns, id: id, project: "p.project_id", userID: userID, resource: "section", need: need, conn: conn))
    }

    static func section(_ row: SQLRow) throws -> Section {
        guard let position = Position(try row.string("position")) else { throw SQLDecodingError(column: "position", expected: "a key") }
        return Section(
            id: try row.uuid("id"), projectID: try row.uuid("project_id"), userID: try row.uuid("user_id"), name: try row.string("name"),
            position: position, createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}

extension ProjectStore {
    /// The active projects the person may add tasks to (their own, and those shared with them as
    /// an editor or owner) with their sections, for quick add's `+Project /Section`.
    public func quickAddTargets(userID: UUID) async throws -> [QuickAddProject] {
        try await db.read { conn in
            let writable: SQLQuery = """
                (p.user_id = \(userID) OR p.id IN (SELECT m.project_id FROM project_members m WHERE m.user_id = \(userID)
                  AND m.role <> \(MemberRole.viewer.rawValue)))
                """
            let projects = try await conn.query(
                "SELECT p.id, p.name, p.is_inbox FROM projects p WHERE \(writable) AND p.archived = \(false) ORDER BY p.is_inbox DESC, p.position, p.id"
            )
            let sections = try await conn.query(
                """
                SELECT p.id, p.project_id, p.name FROM sections p
                WHERE \(Access.visible(project: "p.project_id", holder: "p.user_id", viewer: userID)) ORDER BY p.position, p.id
                """)
            var byProject: [UUID: [(id: UUID, name: String)]] = [:]
            for row in sections { byProject[try row.uuid("project_id"), default: []].append((try row.uuid("id"), try row.string("name"))) }
            return try projects.map { row in
                let id = try row.uuid("id")
                return QuickAddProject(id: id, name: try row.string("name"), isInbox: try row.bool("is_inbox"), sections: byProject[id] ?? [])
            }
        }
    }
}
