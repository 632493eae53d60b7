import Foundation
import TodoCore

/// Who is in a project, and invitations to join one. A project's holder (`projects.user_id`)
/// is always an owner and is not a row of `project_members`; the others are. Everything here
/// is scoped like the project itself: a person who cannot see the project gets `notFound`.
public struct MemberStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// The members of a project the person can see: the holder first, then by when they joined.
    public func members(projectID: UUID, userID: UUID) async throws -> [Member] {
        try await db.read { conn in
            let project = try await ProjectStore.owned(projectID, userID: userID, conn: conn)
            return try await Self.members(of: project, conn: conn)
        }
    }

    /// The people of each of these projects the person can see, in one statement (a page showing
    /// several shared projects' people reads them at once).
    public func people(ofProjects ids: [UUID], userID: UUID) async throws -> [UUID: [Member]] {
        guard !ids.isEmpty else { return [:] }
        return try await db.read { conn in try await Self.people(ofProjects: ids, viewer: userID, conn: conn) }
    }

    static func members(of project: Project, conn: any SQLConnection) async throws -> [Member] {
        try await people(ofProjects: [project.id], viewer: nil, conn: conn)[project.id] ?? []
    }

    /// Each project's people: its holder first (an owner since the project began), then its members
    /// by when they joined; only projects `viewer` can see, when one is given.
    static func people(ofProjects ids: [UUID], viewer: UUID?, conn: any SQLConnection) async throws -> [UUID: [Member]] {
        let list: SQLQuery = "\(list: ids.map(SQLValue.uuid))"
        let visible: SQLQuery = viewer.map { " AND \(Access.visible(project: "p.id", holder: "p.user_id", viewer: $0))" } ?? ""
        let rows = try await conn.query(
            """
            SELECT p.id AS project_id, u.id AS person_id, u.email, u.display_name, 'owner' AS role, p.created_at AS joined_at, 0 AS o
            FROM projects p JOIN users u ON u.id = p.user_id WHERE p.id IN \(list)\(visible)
            UNION ALL
            SELECT p.id AS project_id, u.id AS person_id, u.email, u.display_name, m.role, m.created_at AS joined_at, 1 AS o
            FROM project_members m JOIN projects p ON p.id = m.project_id JOIN users u ON u.id = m.user_id WHERE p.id IN \(list)\(visible)
            ORDER BY project_id, o, joined_at, person_id
            """)
        var result: [UUID: [Member]] = [:]
        for row in rows {
            result[try row.uuid("project_id"), default: []].append(
                Member(
                    userID: try row.uuid("person_id"), email: try row.string("email"), displayName: try row.string("display_name"),
                    role: MemberRole(rawValue: try row.string("role")) ?? .viewer, joinedAt: try row.date("joined_at")))
        }
        return result
    }

    // MARK: - Invitations

    static let invitationColumns = """
        i.id, i.project_id, p.name AS project_name, i.email, i.role, i.invited_by, u.display_name AS inviter_name, i.created_at, i.expires_at,
        i.accepted_at, i.declined_at, i.revoked_at
        """
    static let invitationFrom = "invitations i JOIN projects p ON p.id = i.project_id JOIN users u ON u.id = i.invited_by"

    /// What the invitation email and in-app notification need besides the invitation.
    public struct Invited: Sendable {
        public var invitation: Invitation
        /// The invited address's account, when there is one (it gets an in-app notification too).
        public var existingUserID: UUID?
    }

    /// Invites `email` to the project as `role` (an owner's right). A pending invitation of the
    /// same address is replaced (its link stops working). The answer is the same whether the
    /// address has an account or not. Refused: the Inbox, an address already in the project, and
    /// more than `SharingRules` allows per inviter and per address (429). With a `link` (the
    /// token is only in it), the email that carries it is queued in the same transaction.
    public func invite(
        projectID: UUID, userID: UUID, email: String, role: MemberRole, tokenHash: String, link: String? = nil, now: Date = Date()
    ) async throws -> Invited {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let project = try await ProjectStore.owned(projectID, userID: userID, forUpdate: true, need: .owner, conn: conn)
            if project.isInbox { throw TodoError.conflict(code: "inbox", detail: "The Inbox cannot be shared.") }
            let members = try await Self.members(of: project, conn: conn)
            if members.contains(where: { $0.email == email }) {
                throw TodoError.conflict(code: "already_member", detail: "This address belongs to a member of the project already.")
            }
            if members.count >= SharingRules.maxMembers {
                throw TodoError.conflict(code: "too_many_members", detail: "A project has at most \(SharingRules.maxMembers) members.")
            }
            let hourAgo = now - .hours(1)
            let dayAgo = now - .days(1)
            let sent = try await conn.first("SELECT count(*) AS n FROM invitations WHERE invited_by = \(userID) AND created_at > \(hourAgo)")
            if let sent, try sent.int("n") >= SharingRules.invitationsPerInviterPerHour { throw TodoError.rateLimited(retryAfterSeconds: 3600) }
            let received = try await conn.first("SELECT count(*) AS n FROM invitations WHERE email = \(email) AND created_at > \(dayAgo)")
            if let received, try received.int("n") >= SharingRules.invitationsPerAddressPerDay {
                throw TodoError.rateLimited(retryAfterSeconds: 86_400)
            }
            try await conn.execute(
                """
                UPDATE invitations SET revoked_at = \(now) WHERE project_id = \(projectID) AND email = \(email)
                  AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL
                """)
            let invitation = Invitation(
                id: .v7(at: now), projectID: projectID, projectName: project.name, email: email, role: role, invitedBy: userID,
                inviterName: members.first { $0.userID == userID }?.displayName ?? "", createdAt: now,
                expiresAt: now + SharingRules.invitationLifetime, state: .pending)
            try await conn.execute(
                """
                INSERT INTO invitations (id, project_id, email, role, token_hash, invited_by, created_at, expires_at)
                VALUES (\(invitation.id), \(projectID), \(email), \(role.rawValue), \(tokenHash), \(userID), \(now), \(invitation.expiresAt))
                """)
            let existing = try await conn.first("SELECT id FROM users WHERE email = \(email)").map { try $0.uuid("id") }
            if let link {
                let mail = InvitationEmail(invitation, link: link)
                try await conn.execute(
                    """
                    INSERT INTO deliveries (id, reminder_id, channel, user_id, event, next_attempt_at, created_at)
                    VALUES (\(UUID.v7(at: now)), \(invitation.id), \(ReminderChannel.email.rawValue), \(existing ?? userID),
                      \(mail.document.serialized()), \(now), \(now))
                    """)
                try await conn.notify(.deliveries)
            }
            if let existing {
                // In the app at once (the notification stream), answered in GET /api/v1/invitations.
                try await conn.execute(
                    """
                    INSERT INTO notifications (id, user_id, reminder_id, task_id, title, body, created_at)
                    VALUES (\(UUID.v7(at: now)), \(existing), \(invitation.id), NULL,
                      \("\(invitation.inviterName) invited you to \(project.name)"), \("Join as \(role.rawValue) — see your invitations."), \(now))
                    """)
                try await conn.notify(.notifications)
            }
            return Invited(invitation: invitation, existingUserID: existing)
        }
    }

    /// The project's invitations, newest first (an owner's view).
    public func invitations(projectID: UUID, userID: UUID, now: Date = Date()) async throws -> [Invitation] {
        try await db.read { conn in
            _ = try await ProjectStore.owned(projectID, userID: userID, need: .owner, conn: conn)
            let rows = try await conn.query(
                "SELECT \(raw: Self.invitationColumns) FROM \(raw: Self.invitationFrom) WHERE i.project_id = \(projectID) ORDER BY i.created_at DESC, i.id"
            )
            return try rows.map { try Self.invitation($0, now: now) }
        }
    }

    /// The pending invitations to the person's address, newest first.
    public func received(userID: UUID, now: Date = Date()) async throws -> [Invitation] {
        try await db.read { conn in
            let rows = try await conn.query(
                """
                SELECT \(raw: Self.invitationColumns) FROM \(raw: Self.invitationFrom)
                WHERE i.email = (SELECT email FROM users WHERE id = \(userID)) AND i.accepted_at IS NULL AND i.declined_at IS NULL
                  AND i.revoked_at IS NULL AND i.expires_at > \(now)
                ORDER BY i.created_at DESC, i.id
                """)
            return try rows.map { try Self.invitation($0, now: now) }
        }
    }

    /// An invitation by its link's token hash (what the link's page shows before signing in).
    public func invitation(tokenHash: String, now: Date = Date()) async throws -> Invitation {
        try await db.read { conn in
            guard
                let row = try await conn.first(
                    "SELECT \(raw: Self.invitationColumns) FROM \(raw: Self.invitationFrom) WHERE i.token_hash = \(tokenHash)")
            else { throw TodoError.notFound(resource: "invitation") }
            return try Self.invitation(row, now: now)
        }
    }

    /// Revokes a pending invitation (an owner's right); its link stops working.
    public func revoke(id: UUID, userID: UUID, now: Date = Date()) async throws {
        try await db.write { conn in
            guard let row = try await conn.first("SELECT \(raw: Self.invitationColumns) FROM \(raw: Self.invitationFrom) WHERE i.id = \(id)")
            else { throw TodoError.notFound(resource: "invitation") }
            let invitation = try Self.invitation(row, now: now)
            _ = try await ProjectStore.owned(invitation.projectID, userID: userID, need: .owner, conn: conn)
            guard invitation.state == .pending else {
                throw TodoError.conflict(code: "invitation_\(invitation.state.rawValue)", detail: "The invitation is \(invitation.state.rawValue).")
            }
            try await conn.execute("UPDATE invitations SET revoked_at = \(now.truncatedToMillis) WHERE id = \(id)")
        }
    }

    /// Which invitation an answer is about: its link's token (hash), or its id (the invited
    /// person answering in the app).
    public enum InvitationKey: Sendable {
        case token(hash: String)
        case id(UUID)
    }

    /// Accepts (joins the project with the invitation's role) or declines. By id, only the
    /// invited address's account may answer. By link, another signed-in account may accept only
    /// with `confirm` (the link was forwarded, or the person has two accounts); declining by link
    /// needs no account match. A used, revoked or expired invitation is a 409 naming its state.
    /// Returns the project's id.
    @discardableResult
    public func answer(_ key: InvitationKey, accept: Bool, userID: UUID, confirm: Bool = false, now: Date = Date()) async throws -> UUID {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let condition: SQLQuery
            switch key {
            case .token(let hash): condition = "i.token_hash = \(hash)"
            case .id(let id): condition = "i.id = \(id)"
            }
            guard let row = try await conn.first("SELECT \(raw: Self.invitationColumns) FROM \(raw: Self.invitationFrom) WHERE \(condition)")
            else { throw TodoError.notFound(resource: "invitation") }
            let invitation = try Self.invitation(row, now: now)
            let email = try await conn.first("SELECT email FROM users WHERE id = \(userID)")?.string("email")
            let isInvitee = email == invitation.email
            if case .id = key, !isInvitee { throw TodoError.notFound(resource: "invitation") }
            guard invitation.state == .pending else {
                throw TodoError.conflict(code: "invitation_\(invitation.state.rawValue)", detail: "The invitation is \(invitation.state.rawValue).")
            }
            guard accept else {
                try await conn.execute("UPDATE invitations SET declined_at = \(now) WHERE id = \(invitation.id)")
                return invitation.projectID
            }
            if !isInvitee && !confirm {
                throw TodoError.conflict(
                    code: "email_mismatch",
                    detail:
                        "This invitation was sent to another address. Accept with \"confirm\": true to join as the account you are signed in with.")
            }
            let holder = try await conn.first("SELECT user_id FROM projects WHERE id = \(invitation.projectID)")?.uuid("user_id")
            if let holder, holder != userID {
                let added = try await conn.query(
                    """
                    INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (\(invitation.projectID), \(userID), \(invitation.role.rawValue), \(now))
                    ON CONFLICT (project_id, user_id) DO NOTHING RETURNING user_id
                    """)
                if !added.isEmpty {
                    try await Self.recordMembership(
                        "member.joined", projectID: invitation.projectID, holder: holder, member: userID, role: invitation.role, now: now, conn: conn)
                }
            }
            try await conn.execute("UPDATE invitations SET accepted_at = \(now), accepted_by = \(userID) WHERE id = \(invitation.id)")
            return invitation.projectID
        }
    }

    static func invitation(_ row: SQLRow, now: Date) throws -> Invitation {
        let expiresAt = try row.date("expires_at")
        let state: Invitation.State =
            if row.optionalDate("accepted_at") != nil { .accepted } else if row.optionalDate("declined_at") != nil {
                .declined
            } else if row
                .optionalDate("revoked_at") != nil
            { .revoked } else if expiresAt <= now { .expired } else { .pending }
        return Invitation(
            id: try row.uuid("id"), projectID: try row.uuid("project_id"), projectName: try row.string("project_name"),
            email: try row.string("email"),
            role: MemberRole(rawValue: try row.string("role")) ?? .viewer, invitedBy: try row.uuid("invited_by"),
            inviterName: try row.string("inviter_name"), createdAt: try row.date("created_at"), expiresAt: expiresAt, state: state)
    }
}
