import Foundation
import TodoCore

/// How a person reaches a project's things: as the project's holder (the account whose space
/// holds its tasks: `projects.user_id`, and `user_id` of every task, section and subtask in it)
/// or as a member (`project_members`). Every store statement that starts from a person's
/// request finds rows through these two conditions; a row neither admits is indistinguishable
/// from a missing one. Statements that continue from a row found this way (its subtree, its
/// siblings) scope by the row's holder, so they keep reading the holder-led indexes.
enum Access {
    /// The rows (project column `project`, holder column `holder`) the viewer may see.
    static func visible(project: String, holder: String, viewer: UUID) -> SQLQuery {
        "(\(raw: holder) = \(viewer) OR \(raw: project) IN (SELECT m.project_id FROM project_members m WHERE m.user_id = \(viewer)))"
    }

    /// The viewer's role on the row's project, as the result column `access_role`.
    static func roleColumn(project: String, holder: String, viewer: UUID) -> SQLQuery {
        """
        CASE WHEN \(raw: holder) = \(viewer) THEN 'owner' ELSE (SELECT m.role FROM project_members m
          WHERE m.project_id = \(raw: project) AND m.user_id = \(viewer)) END AS access_role
        """
    }

    static func role(_ row: SQLRow) throws -> MemberRole {
        guard let text = row.optionalString("access_role"), let role = MemberRole(rawValue: text) else {
            throw SQLDecodingError(column: "access_role", expected: "a role")
        }
        return role
    }

    /// The projects shared with the viewer (not the ones they hold), with their holders.
    static func sharedProjects(viewer: UUID, conn: any SQLConnection) async throws -> [(project: UUID, holder: UUID, role: MemberRole)] {
        let rows = try await conn.query(
            """
            SELECT m.project_id, p.user_id, m.role FROM project_members m JOIN projects p ON p.id = m.project_id
            WHERE m.user_id = \(viewer)
            """)
        return try rows.map { row in
            (try row.uuid("project_id"), try row.uuid("user_id"), MemberRole(rawValue: try row.string("role")) ?? .viewer)
        }
    }

    /// Which tasks a person's lists read: their own space, and each project shared with them.
    /// With nothing shared it is exactly `t.user_id = viewer`, the condition the open-task
    /// indexes lead with; a list of named projects becomes `t.user_id = holder AND t.project_id
    /// = …` per project, which reads `tasks_project_path` like a personal project's list.
    static func taskScope(viewer: UUID, projects: [UUID], conn: any SQLConnection) async throws -> SQLQuery {
        let shared = try await sharedProjects(viewer: viewer, conn: conn)
        if !projects.isEmpty {
            let holders = Dictionary(shared.map { ($0.project, $0.holder) }, uniquingKeysWith: { a, _ in a })
            let own = projects.filter { holders[$0] == nil }
            var parts: [SQLQuery] = []
            if !own.isEmpty { parts.append("(t.user_id = \(viewer) AND t.project_id IN \(list: own.map(SQLValue.uuid)))") }
            for project in projects where holders[project] != nil {
                parts.append("(t.user_id = \(holders[project]!) AND t.project_id = \(project))")
            }
            return parts.count == 1 ? parts[0] : "(\(SQLQuery(parts, separator: " OR ")))"
        }
        guard !shared.isEmpty else { return "t.user_id = \(viewer)" }
        return "(t.user_id = \(viewer) OR t.project_id IN \(list: shared.map { SQLValue.uuid($0.project) }))"
    }
}
