import Foundation
import Hummingbird
import TodoCore
import TodoStore

/// Sharing: a project's members (`/api/v1/projects/{id}/members`), its invitations
/// (`/api/v1/projects/{id}/invitations`) and the invitations a person received
/// (`/api/v1/invitations`). Roles and who may do what: `MemberRole`, `MemberStore`.
struct MemberRoutes {
    let services: AppServices

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("projects/{id}/members", use: members)
        group.patch("projects/{id}/members/{user}", use: setRole)
        group.delete("projects/{id}/members/{user}", use: remove)
        group.post("projects/{id}/transfer", use: transfer)
        group.get("projects/{id}/invitations", use: invitations)
        group.post("projects/{id}/invitations", use: invite)
        group.get("invitations", use: received)
        group.delete("invitations/{id}", use: revoke)
        group.post("invitations/{id}/accept", use: acceptByID)
        group.post("invitations/{id}/decline", use: declineByID)
        group.post("invitations/lookup", use: lookup)
        group.post("invitations/accept", use: acceptByToken)
        group.post("invitations/decline", use: declineByToken)
        group.get("projects/{id}/activity", use: activity)
    }

    var store: MemberStore { MemberStore(db: services.db) }

    /// The `{user}` of a member path: a user id, or `me`.
    static func member(_ context: AppRequestContext, principal: Principal) throws -> UUID {
        if context.parameters.get("user") == "me" { return principal.userID }
        return try context.parameters.uuid("user", resource: "member")
    }

    static func project(_ context: AppRequestContext) throws -> UUID { try context.parameters.uuid("id", resource: "project") }

    static func membersJSON(_ members: [Member]) -> JSONValue {
        .object([("items", .array(members.map(\.json))), ("next_cursor", .null)])
    }

    /// Reads a body's members against the fields it may have.
    static func body(_ request: inout Request, context: AppRequestContext, fields: [String], what: String) async throws -> JSONValue {
        let body = try await request.jsonObject(context: context)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where !fields.contains(key) { errors.add(key, "is not a field of \(what)") }
        try errors.check()
        return body
    }

    @Sendable func members(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        return .json(Self.membersJSON(try await store.members(projectID: try Self.project(context), userID: principal.userID)))
    }

    @Sendable func setRole(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await Self.body(&request, context: context, fields: ["role"], what: "a member")
        let role = try MemberRole.parse(body["role"])
        let member = try await store.setRole(
            projectID: try Self.project(context), memberID: try Self.member(context, principal: principal), role: role, userID: principal.userID)
        return .json(member.json)
    }

    @Sendable func remove(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        try await store.remove(
            projectID: try Self.project(context), memberID: try Self.member(context, principal: principal), userID: principal.userID)
        return Response(status: .noContent)
    }

    @Sendable func transfer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await Self.body(&request, context: context, fields: ["user_id"], what: "a transfer")
        guard case .string(let text)? = body["user_id"], let to = UUID(canonical: text) else {
            throw TodoError.invalid("user_id", body["user_id"] == nil ? "is required" : "must be a member's user id")
        }
        let projectID = try Self.project(context)
        try await store.transfer(projectID: projectID, to: to, userID: principal.userID)
        return .json(Self.membersJSON(try await store.members(projectID: projectID, userID: principal.userID)))
    }

    @Sendable func invitations(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let list = try await store.invitations(projectID: try Self.project(context), userID: principal.userID)
        return .json(.object([("items", .array(list.map(\.json))), ("next_cursor", .null)]))
    }

    /// `POST …/invitations {"email", "role"}`: 201 with the invitation, the same whether the
    /// address has an account or not (no enumeration); the link goes only to the address.
    @Sendable func invite(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await Self.body(&request, context: context, fields: ["email", "role"], what: "an invitation")
        var errors = FieldErrors()
        let email = errors.collect { try AccountRules.email(body["email"]) }
        let role = errors.collect { try MemberRole.parse(body["role"] ?? .string(MemberRole.editor.rawValue)) }
        try errors.check()
        let token = OpaqueToken.make(prefix: "todo_inv_")
        let link = "\(services.config.linkBase)/invite/\(token)"
        let invited = try await store.invite(
            projectID: try Self.project(context), userID: principal.userID, email: email!, role: role!, tokenHash: OpaqueToken.hash(token),
            link: services.config.smtp == nil ? nil : link)
        guard services.config.smtp == nil, case .object(var members) = invited.invitation.json else {
            return .json(invited.invitation.json, status: .created)
        }
        // Without an email channel the link cannot reach the address: the owner gets it to pass on.
        members.append(("link", .string(link)))
        return .json(.object(members), status: .created)
    }

    @Sendable func received(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let list = try await store.received(userID: principal.userID)
        return .json(.object([("items", .array(list.map(\.json))), ("next_cursor", .null)]))
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        try await store.revoke(id: try context.parameters.uuid("id", resource: "invitation"), userID: principal.userID)
        return Response(status: .noContent)
    }

    @Sendable func acceptByID(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context: context, key: .id(try context.parameters.uuid("id", resource: "invitation")), accept: true)
    }

    @Sendable func declineByID(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context: context, key: .id(try context.parameters.uuid("id", resource: "invitation")), accept: false)
    }

    /// The link's token from a body `{"token", "confirm"?}`.
    static func token(_ request: inout Request, context: AppRequestContext, fields: [String]) async throws -> (hash: String, confirm: Bool) {
        let body = try await Self.body(&request, context: context, fields: fields, what: "an invitation answer")
        guard case .string(let token)? = body["token"], !token.isEmpty else {
            throw TodoError.invalid("token", body["token"] == nil ? "is required" : "must be the invitation link's token")
        }
        var confirm = false
        if let c = body["confirm"] {
            guard case .bool(let b) = c else { throw TodoError.invalid("confirm", "must be true or false") }
            confirm = b
        }
        return (OpaqueToken.hash(token), confirm)
    }

    /// `POST /api/v1/invitations/lookup {"token"}`: what the link invites to (project, inviter,
    /// role, state), for the page the link opens.
    @Sendable func lookup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        var request = request
        let (hash, _) = try await Self.token(&request, context: context, fields: ["token"])
        return .json(try await store.invitation(tokenHash: hash).json)
    }

    @Sendable func acceptByToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let (hash, confirm) = try await Self.token(&request, context: context, fields: ["token", "confirm"])
        return try await answer(request, context: context, key: .token(hash: hash), accept: true, confirm: confirm)
    }

    @Sendable func declineByToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let (hash, _) = try await Self.token(&request, context: context, fields: ["token"])
        return try await answer(request, context: context, key: .token(hash: hash), accept: false)
    }

    /// `GET …/activity?limit=&cursor=`: who did what in the project, newest first, from the event
    /// log (`ActivityStore`); each actor with their name and initials.
    @Sendable func activity(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        var limit = 50
        var cursor: Int?
        var errors = FieldErrors()
        for (key, value) in request.uri.queryParameters {
            switch key {
            case "limit":
                if let n = Int(value), (1...200).contains(n) { limit = n } else { errors.add("limit", "must be a whole number from 1 to 200") }
            case "cursor":
                if let n = Int(value), n > 0 { cursor = n } else { errors.add("cursor", "must be the next_cursor of a page") }
            default: errors.add(String(key), "is not a parameter of this list")
            }
        }
        try errors.check()
        let page = try await ActivityStore(db: services.db).activity(
            projectID: try Self.project(context), userID: principal.userID, before: cursor, limit: limit)
        var people: [UUID: User] = [:]
        for id in Set(page.entries.flatMap { [$0.actor, $0.memberID].compactMap { $0 } }) {
            people[id] = try await services.accounts.user(id: id)
        }
        func person(_ id: UUID?) -> JSONValue {
            guard let id else { return .null }
            let name = people[id]?.displayName ?? "Former member"
            return .object([
                ("user_id", .string(id.lowercased)), ("display_name", .string(name)), ("initials", .string(Member.initials(name))),
            ])
        }
        let items = page.entries.map { e -> JSONValue in
            .object([
                ("id", .int(Int64(e.id))), ("type", .string(e.type)), ("at", .string(Timestamp.millis(e.at))), ("actor", person(e.actor)),
                ("task_id", e.taskID.map { .string($0.lowercased) } ?? .null), ("title", e.title.map(JSONValue.string) ?? .null),
                ("fields", .array(e.fields.map(JSONValue.string))), ("member", person(e.memberID)),
                ("role", e.role.map(JSONValue.string) ?? .null),
            ])
        }
        return .json(.object([("items", .array(items)), ("next_cursor", page.next.map { .string(String($0)) } ?? .null)]))
    }

    /// Accepting answers with the project as the new member sees it; declining with 204.
    func answer(_ request: Request, context: AppRequestContext, key: MemberStore.InvitationKey, accept: Bool, confirm: Bool = false) async throws
        -> Response
    {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let projectID = try await store.answer(key, accept: accept, userID: principal.userID, confirm: confirm)
        guard accept else { return Response(status: .noContent) }
        return ProjectResponse.response(try await services.projects.get(id: projectID, userID: principal.userID))
    }
}
