import Foundation
import Hummingbird
import TodoCore
import TodoStore

/// `/api/v1/projects` and their sections (`/api/v1/projects/{id}/sections`, `/api/v1/sections/{id}`).
struct ProjectRoutes {
    let services: AppServices

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("projects", use: list)
        group.post("projects", use: create)
        group.get("projects/{id}", use: get)
        group.patch("projects/{id}", use: update)
        group.delete("projects/{id}", use: delete)
        group.get("projects/{id}/sections", use: sections)
        group.post("projects/{id}/sections", use: createSection)
        group.patch("sections/{id}", use: updateSection)
        group.delete("sections/{id}", use: deleteSection)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        var archived: Bool? = false
        var errors = FieldErrors()
        for (key, value) in request.uri.queryParameters {
            guard key == "archived" else {
                errors.add(String(key), "is not a parameter of this list")
                continue
            }
            switch value {
            case "true": archived = true
            case "false": archived = false
            case "all": archived = nil
            default: errors.add("archived", "must be true, false or all")
            }
        }
        try errors.check()
        let projects = try await services.projects.list(userID: principal.userID, archived: archived)
        return .json(.object([("items", .array(projects.map(ProjectResponse.json))), ("next_cursor", .null)]))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await request.jsonObject(context: context)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where !["name", "color", "description"].contains(key) {
            errors.add(key, "is not a field of a new project")
        }
        var draft = ProjectDraft(name: "")
        if let n = body["name"] { draft.name = errors.collect { try ProjectRules.name(n) } ?? "" } else { errors.add("name", "is required") }
        if let c = body["color"], c != .null { draft.color = errors.collect { try ProjectRules.color(c) } ?? .charcoal }
        if let d = body["description"] { draft.description = errors.collect { try ProjectRules.description(d) } ?? "" }
        try errors.check()
        let project = try await services.projects.create(userID: principal.userID, draft: draft)
        return ProjectResponse.response(
            ProjectSummary(project: project, openTasks: 0, overdueTasks: 0), status: .created,
            headers: [.location: "/api/v1/projects/\(project.id.lowercased)"])
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let summary = try await services.projects.get(id: try context.parameters.uuid("id", resource: "project"), userID: principal.userID)
        return ProjectResponse.response(summary)
    }

    /// A merge patch of `name`, `color`, `description`, `archived` and `after` (the project it
    /// goes after; `null`: first).
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "project")
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        var errors = FieldErrors()
        var patch = ProjectPatch()
        for (key, _) in AccountRoutes.members(body) where !["name", "color", "description", "archived", "after"].contains(key) {
            errors.add(
                key, ["id", "is_inbox", "position", "open_tasks", "overdue_tasks"].contains(key) ? "is read-only" : "is not a field of a project")
        }
        if let n = body["name"] { patch.name = errors.collect { try ProjectRules.name(n) } }
        if let c = body["color"] { patch.color = errors.collect { try ProjectRules.color(c) } }
        if let d = body["description"] { patch.description = errors.collect { try ProjectRules.description(d) } }
        if let a = body["archived"] {
            if case .bool(let b) = a { patch.archived = b } else { errors.add("archived", "must be true or false") }
        }
        if let a = body["after"] { patch.after = TaskMoveRequest.id(a, field: "after", errors: &errors) }
        try errors.check()
        _ = try await services.projects.update(id: id, userID: principal.userID, patch: patch, precondition: VersionPrecondition(request))
        return ProjectResponse.response(try await services.projects.get(id: id, userID: principal.userID))
    }

    /// `?tasks=delete`, or `?tasks=move` with `to=<project id>` (default the Inbox; `to` alone
    /// means move); required when the project has tasks.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "project")
        let disposal = try Self.disposal(request, allowsTarget: true)
        try await services.projects.delete(id: id, userID: principal.userID, tasks: disposal, precondition: VersionPrecondition(request))
        return Response(status: .noContent)
    }

    /// What a delete's query string says to do with the tasks.
    static func disposal(_ request: Request, allowsTarget: Bool) throws -> TaskDisposal? {
        var errors = FieldErrors()
        var mode: String?
        var target: UUID?
        for (key, value) in request.uri.queryParameters {
            switch key {
            case "tasks":
                if value == "delete" || value == "move" { mode = String(value) } else { errors.add("tasks", "must be delete or move") }
            case "to" where allowsTarget:
                if let id = UUID(canonical: String(value)) { target = id } else { errors.add("to", "must be a project id") }
            default: errors.add(String(key), "is not a parameter of this request")
            }
        }
        if target != nil && mode == "delete" { errors.add("to", "goes with tasks=move (it says where the tasks go)") }
        try errors.check()
        switch mode {
        case "delete": return .delete
        case "move": return .move(to: target)
        default: return target.map { .move(to: $0) }  // `to` alone says "move them there"
        }
    }

    @Sendable func sections(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let sections = try await services.projects.sections(
            projectID: try context.parameters.uuid("id", resource: "project"), userID: principal.userID)
        return .json(.object([("items", .array(sections.map(ProjectResponse.json))), ("next_cursor", .null)]))
    }

    @Sendable func createSection(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let projectID = try context.parameters.uuid("id", resource: "project")
        var request = request
        let body = try await request.jsonObject(context: context)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where key != "name" { errors.add(key, "is not a field of a new section") }
        var name = ""
        if let n = body["name"] { name = errors.collect { try ProjectRules.name(n) } ?? "" } else { errors.add("name", "is required") }
        try errors.check()
        let section = try await services.projects.createSection(projectID: projectID, userID: principal.userID, name: name)
        return .json(ProjectResponse.json(section), status: .created, headers: [.location: "/api/v1/sections/\(section.id.lowercased)"])
    }

    @Sendable func updateSection(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "section")
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where !["name", "after"].contains(key) { errors.add(key, "is not a field of a section") }
        var name: String?
        if let n = body["name"] { name = errors.collect { try ProjectRules.name(n) } }
        var after = FieldChange<UUID>.unchanged
        if let a = body["after"] { after = TaskMoveRequest.id(a, field: "after", errors: &errors) }
        try errors.check()
        let section = try await services.projects.updateSection(id: id, userID: principal.userID, name: name, after: after)
        return .json(ProjectResponse.json(section))
    }

    /// `?tasks=delete` or `?tasks=move` (out of the section, into the project); required when the
    /// section has tasks.
    @Sendable func deleteSection(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "section")
        try await services.projects.deleteSection(id: id, userID: principal.userID, tasks: try Self.disposal(request, allowsTarget: false))
        return Response(status: .noContent)
    }
}

/// A project as the API answers it (`docs/openapi.json`, schema `Project`), and a section.
enum ProjectResponse {
    static func json(_ s: ProjectSummary) -> JSONValue {
        let p = s.project
        return .object([
            ("id", .string(p.id.lowercased)), ("name", .string(p.name)), ("color", .string(p.color.rawValue)),
            ("description", .string(p.description)), ("is_inbox", .bool(p.isInbox)), ("archived", .bool(p.archived)),
            ("position", .string(p.position.key)), ("open_tasks", .int(Int64(s.openTasks))), ("overdue_tasks", .int(Int64(s.overdueTasks))),
            ("owner_id", .string(p.userID.lowercased)), ("role", .string(s.role.rawValue)), ("member_count", .int(Int64(s.memberCount))),
            ("created_at", .string(Timestamp.millis(p.createdAt))), ("updated_at", .string(Timestamp.millis(p.updatedAt))),
            ("version", .int(Int64(p.version))),
        ])
    }

    static func response(_ s: ProjectSummary, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.eTag] = s.project.etag
        return .json(json(s), status: status, headers: headers)
    }

    static func json(_ s: Section) -> JSONValue {
        .object([
            ("id", .string(s.id.lowercased)), ("project_id", .string(s.projectID.lowercased)), ("name", .string(s.name)),
            ("position", .string(s.position.key)), ("created_at", .string(Timestamp.millis(s.createdAt))),
            ("updated_at", .string(Timestamp.millis(s.updatedAt))),
        ])
    }
}

/// The upcoming view's `groups`: the page's tasks by day in the person's zone, the overdue first
/// (`{"date": null, "overdue": true, "task_ids": […]}`, then `{"date": "2026-12-04", …}`).
struct UpcomingGroups {
    var tasks: [TodoTask]
    var zone: TimeZoneID
    var now = Date()

    func write(to w: inout JSONWriter) {
        let groups = DayGroup.upcoming(tasks, zone: zone, now: now)
        w.key("groups")
        w.array { w in
            for group in groups {
                w.object { w in
                    w.key("date")
                    w.string(group.date?.description)
                    w.key("overdue")
                    w.bool(group.date == nil)
                    w.key("task_ids")
                    w.array { w in for id in group.ids { w.string(id.lowercased) } }
                }
            }
        }
    }
}
