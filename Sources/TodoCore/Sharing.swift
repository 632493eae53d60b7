import Foundation

/// What a member of a project may do. Ordered: an owner may do everything an editor may, an
/// editor everything a viewer may.
public enum MemberRole: String, Sendable, CaseIterable, Comparable {
    /// Reads the project and its tasks.
    case viewer
    /// Also creates, edits, completes, moves and deletes tasks and sections.
    case editor
    /// Also renames, archives and deletes the project and manages its members.
    case owner

    var rank: Int {
        switch self {
        case .viewer: 0
        case .editor: 1
        case .owner: 2
        }
    }

    public static func < (a: MemberRole, b: MemberRole) -> Bool { a.rank < b.rank }

    /// Throws `forbidden` unless this role allows `needed`: the person can see the project, so a
    /// 404 would be a lie, and a 403 says what is missing.
    public func check(_ needed: MemberRole) throws {
        guard self < needed else { return }
        switch needed {
        case .viewer: return
        case .editor: throw TodoError.forbidden(code: "read_only", detail: "You can view this project but not change it (your role: \(rawValue)).")
        case .owner: throw TodoError.forbidden(code: "owner_only", detail: "Only an owner of the project can do this (your role: \(rawValue)).")
        }
    }

    public static func parse(_ value: JSONValue?, field: String = "role") throws -> MemberRole {
        guard case .string(let s)? = value, let role = MemberRole(rawValue: s) else {
            throw TodoError.invalid(field, value == nil ? "is required" : "must be one of owner, editor, viewer")
        }
        return role
    }
}

/// A person in a project, with their role. The project's holder (the account whose space holds
/// its tasks, `Project.userID`) is always an owner.
public struct Member: Sendable, Equatable {
    public var userID: UUID
    public var email: String
    public var displayName: String
    public var role: MemberRole
    public var joinedAt: Date

    public init(userID: UUID, email: String, displayName: String, role: MemberRole, joinedAt: Date) {
        (self.userID, self.email, self.displayName, self.role, self.joinedAt) = (userID, email, displayName, role, joinedAt)
    }

    public var json: JSONValue {
        .object([
            ("user_id", .string(userID.lowercased)), ("email", .string(email)), ("display_name", .string(displayName)),
            ("initials", .string(Member.initials(displayName))), ("role", .string(role.rawValue)),
            ("joined_at", .string(Timestamp.millis(joinedAt))),
        ])
    }

    /// One or two letters for an avatar: the first letters of the first and last words.
    public static func initials(_ name: String) -> String {
        let words = name.split(whereSeparator: { $0.isWhitespace || $0 == "@" || $0 == "." })
        guard let first = words.first?.first else { return "?" }
        guard words.count > 1, let last = words.last?.first else { return String(first).uppercased() }
        return (String(first) + String(last)).uppercased()
    }
}

/// An invitation to join a project. Its secret is the link's token, stored only as a SHA-256
/// hash; the invitation is pending until accepted, declined, revoked or expired.
public struct Invitation: Sendable, Equatable {
    public enum State: String, Sendable { case pending, accepted, declined, revoked, expired }

    public var id: UUID
    public var projectID: UUID
    public var projectName: String
    public var email: String
    public var role: MemberRole
    public var invitedBy: UUID
    public var inviterName: String
    public var createdAt: Date
    public var expiresAt: Date
    public var state: State

    public init(
        id: UUID, projectID: UUID, projectName: String, email: String, role: MemberRole, invitedBy: UUID, inviterName: String, createdAt: Date,
        expiresAt: Date, state: State
    ) {
        (self.id, self.projectID, self.projectName, self.email, self.role) = (id, projectID, projectName, email, role)
        (self.invitedBy, self.inviterName, self.createdAt, self.expiresAt, self.state) = (invitedBy, inviterName, createdAt, expiresAt, state)
    }

    public var json: JSONValue {
        .object([
            ("id", .string(id.lowercased)), ("project_id", .string(projectID.lowercased)), ("project_name", .string(projectName)),
            ("email", .string(email)), ("role", .string(role.rawValue)), ("invited_by", .string(invitedBy.lowercased)),
            ("inviter_name", .string(inviterName)), ("created_at", .string(Timestamp.millis(createdAt))),
            ("expires_at", .string(Timestamp.millis(expiresAt))), ("state", .string(state.rawValue)),
        ])
    }
}

/// The rules of sharing.
public enum SharingRules {
    /// How long an invitation link works.
    public static let invitationLifetime = Duration.days(7)
    /// Invitations one person may send per hour, and one address may receive per day (from anyone).
    public static let invitationsPerInviterPerHour = 20
    public static let invitationsPerAddressPerDay = 5
    /// Members of one project, the holder included.
    public static let maxMembers = 50
}

/// The email that carries an invitation's link, as the delivery queue holds it until it is sent
/// (`type` first, so the queue can recognise it and remove the link once sent).
public struct InvitationEmail: Sendable, Equatable {
    public static let type = "invitation.sent"
    /// What the stored document becomes once sent: the link is gone.
    public static let redacted = "{\"type\":\"invitation.sent\",\"data\":{\"link\":null}}"

    public var invitationID: UUID
    public var email: String
    public var projectName: String
    public var inviterName: String
    public var role: MemberRole
    public var link: String
    public var expiresAt: Date

    public init(_ invitation: Invitation, link: String) {
        (invitationID, email, projectName, inviterName) = (invitation.id, invitation.email, invitation.projectName, invitation.inviterName)
        (role, self.link, expiresAt) = (invitation.role, link, invitation.expiresAt)
    }

    public var document: JSONValue {
        .object([
            ("type", .string(Self.type)), ("id", .string(invitationID.lowercased)),
            (
                "data",
                .object([
                    ("invitation_id", .string(invitationID.lowercased)), ("email", .string(email)), ("project_name", .string(projectName)),
                    ("inviter_name", .string(inviterName)), ("role", .string(role.rawValue)), ("link", .string(link)),
                    ("expires_at", .string(Timestamp.millis(expiresAt))),
                ])
            ),
        ])
    }

    /// The document read back; nil when it is not an invitation email (or its link is gone).
    public init?(document: JSONValue) {
        guard document["type"] == .string(Self.type), let data = document["data"],
            case .string(let id)? = data["invitation_id"], let invitationID = UUID(canonical: id),
            case .string(let email)? = data["email"], case .string(let project)? = data["project_name"],
            case .string(let inviter)? = data["inviter_name"], case .string(let roleText)? = data["role"], let role = MemberRole(rawValue: roleText),
            case .string(let link)? = data["link"], case .string(let expires)? = data["expires_at"], let expiresAt = Timestamp.parse(expires)
        else { return nil }
        (self.invitationID, self.email, self.projectName, self.inviterName) = (invitationID, email, project, inviter)
        (self.role, self.link, self.expiresAt) = (role, link, expiresAt)
    }

    public var subject: String { "\(inviterName.isEmpty ? "Someone" : inviterName) invited you to “\(projectName)” on Todo" }

    public var text: String {
        """
        \(inviterName.isEmpty ? "Someone" : inviterName) invited you to the project “\(projectName)” as \(role.rawValue).

        Join: \(link)

        The link works once and until \(Timestamp.millis(expiresAt)). If you do not know what this is about, ignore this email.
        """
    }
}
