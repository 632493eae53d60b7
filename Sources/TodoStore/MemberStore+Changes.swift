import Foundation
import TodoCore

extension MemberStore {
    /// Changes a member's role (an owner's right). The holder's role is fixed (owner): hand the
    /// project over first (`transfer`).
    public func setRole(projectID: UUID, memberID: UUID, role: MemberRole, userID: UUID, now: Date = Date()) async throws -> Member {
        try await db.write { conn in
            let project = try await ProjectStore.owned(projectID, userID: userID, forUpdate: true, need: .owner, conn: conn)
            if memberID == project.userID {
                throw TodoError.conflict(code: "holder", detail: "The project's holder is always an owner; transfer the project first.")
            }
            guard
                try await conn.first(
                    "UPDATE project_members SET role = \(role.rawValue) WHERE project_id = \(projectID) AND user_id = \(memberID) RETURNING user_id")
                    != nil
            else { throw TodoError.notFound(resource: "member") }
            try await Self.recordMembership(
                "member.role_changed", projectID: projectID, holder: project.userID, member: memberID, role: role, now: now.truncatedToMillis,
                conn: conn)
            return try await Self.members(of: project, conn: conn).first { $0.userID == memberID }!
        }
    }

    /// Removes a member (an owner's right), or the person themselves (leaving, anyone's right).
    /// The holder leaving hands the project to the owner who joined first; with no other owner
    /// that is refused (409 `last_owner`), as is removing the holder by someone else. Tasks
    /// assigned to the member are unassigned, each with its `task.updated`.
    public func remove(projectID: UUID, memberID: UUID, userID: UUID, now: Date = Date()) async throws {
        let now = now.truncatedToMillis
        try await db.write { conn in
            let project = try await ProjectStore.owned(
                projectID, userID: userID, forUpdate: true, need: memberID == userID ? .viewer : .owner, conn: conn)
            if memberID == project.userID {
                guard memberID == userID else {
                    throw TodoError.conflict(code: "holder", detail: "The project's holder cannot be removed; they can leave or transfer it.")
                }
                guard
                    let heir = try await conn.first(
                        """
                        SELECT user_id FROM project_members WHERE project_id = \(projectID) AND role = \(MemberRole.owner.rawValue)
                        ORDER BY created_at, user_id LIMIT 1
                        """)?.uuid("user_id")
                else {
                    throw TodoError.conflict(
                        code: "last_owner", detail: "You are the project's last owner: make another member an owner or transfer the project first.")
                }
                try await Self.rehold(project, to: heir, conn: conn)
                try await Self.recordMembership(
                    "project.transferred", projectID: projectID, holder: heir, member: heir, role: .owner, now: now, conn: conn)
                try await Self.recordMembership("member.left", projectID: projectID, holder: heir, member: memberID, role: nil, now: now, conn: conn)
            } else {
                guard
                    try await conn.first(
                        "DELETE FROM project_members WHERE project_id = \(projectID) AND user_id = \(memberID) RETURNING user_id") != nil
                else { throw TodoError.notFound(resource: "member") }
                try await Self.recordMembership(
                    memberID == userID ? "member.left" : "member.removed", projectID: projectID, holder: project.userID, member: memberID, role: nil,
                    now: now, conn: conn)
            }
            try await TaskStore.unassign(memberID, inProject: projectID, now: now, conn: conn)
        }
    }

    /// Makes another member the project's holder (the holder's right); the previous holder stays
    /// an owner.
    public func transfer(projectID: UUID, to memberID: UUID, userID: UUID, now: Date = Date()) async throws {
        let now = now.truncatedToMillis
        try await db.write { conn in
            let project = try await ProjectStore.owned(projectID, userID: userID, forUpdate: true, need: .owner, conn: conn)
            guard project.userID == userID else {
                throw TodoError.forbidden(code: "holder_only", detail: "Only the project's holder can transfer it.")
            }
            guard memberID != userID else { return }
            guard try await conn.first("SELECT user_id FROM project_members WHERE project_id = \(projectID) AND user_id = \(memberID)") != nil
            else { throw TodoError.notFound(resource: "member") }
            try await Self.rehold(project, to: memberID, conn: conn)
            try await conn.execute(
                "INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (\(projectID), \(userID), \(MemberRole.owner.rawValue), \(now))"
            )
            try await Self.recordMembership(
                "project.transferred", projectID: projectID, holder: memberID, member: memberID, role: .owner, now: now, conn: conn)
        }
    }

    /// Moves the project, its sections and its tasks into `heir`'s space (`user_id`), and takes
    /// the heir off the member rows (the holder is not one). The previous holder is no longer in
    /// the project unless the caller adds them back.
    static func rehold(_ project: Project, to heir: UUID, conn: any SQLConnection) async throws {
        try await conn.execute("DELETE FROM project_members WHERE project_id = \(project.id) AND user_id = \(heir)")
        try await conn.execute("UPDATE projects SET user_id = \(heir) WHERE id = \(project.id)")
        try await conn.execute("UPDATE sections SET user_id = \(heir) WHERE project_id = \(project.id)")
        try await conn.execute("UPDATE tasks SET user_id = \(heir) WHERE project_id = \(project.id)")
    }
}
