import Foundation
import Hummingbird
import TodoCore
import TodoStore

/// `/api/v1/tasks` and `/api/v1/tags`.
struct TaskRoutes {
    let services: AppServices

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("tasks", use: create)
        group.post("tasks/parse", use: parse)
        group.post("tasks/quick", use: quick)
        group.get("tasks", use: list)
        group.get("tasks/{id}", use: get)
        group.patch("tasks/{id}", use: update)
        group.delete("tasks/{id}", use: delete)
        group.post("tasks/{id}/complete") { try await self.setCompleted(true, $0, $1) }
        group.post("tasks/{id}/reopen") { try await self.setCompleted(false, $0, $1) }
        group.post("tasks/{id}/skip", use: skip)
        group.post("tasks/{id}/move", use: move)
        group.get("tasks/{id}/history", use: history)
        group.get("recurrence/preview", use: preview)
        group.get("tags", use: tags)
        group.patch("tags/{name}", use: renameTag)
        group.delete("tags/{name}", use: deleteTag)
    }

    /// The user's time zone, which all-day dues and date-only filters are read in.
    func timeZone(_ principal: Principal) async throws -> TimeZoneID {
        try await services.timeZone(of: principal.userID)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await request.jsonObject(context: context)
        let draft = try TaskCreateRequest.decode(body, defaultTimeZone: try await timeZone(principal))
        let task = try await services.tasks.create(userID: principal.userID, draft: draft)
        context.logger.info("Task created", metadata: ["task_id": .string(task.id.lowercased)])
        return .task(task, status: .created, headers: [.location: "/api/v1/tasks/\(task.id.lowercased)"])
    }

    /// `POST /api/v1/tasks/parse` `{"text", "now"?, "time_zone"?}`: what quick add understands
    /// (the task fields and every recognised span); creates nothing.
    @Sendable func parse(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        var request = request
        let body = try await request.jsonObject(context: context)
        let result = try await quickAdd(body, zone: try await timeZone(principal), allowed: ["text", "now", "time_zone"], userID: principal.userID)
        return .json(result.json)
    }

    /// `POST /api/v1/tasks/quick` `{"text", "project_id"?}`: parses in the person's zone and creates
    /// the task (as `POST /api/v1/tasks` would with the parsed fields); `project_id` is where it
    /// goes when the text names no `+Project`.
    @Sendable func quick(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await request.jsonObject(context: context)
        let zone = try await timeZone(principal)
        let result = try await quickAdd(body, zone: zone, allowed: ["text", "project_id"], userID: principal.userID)
        guard !result.title.isEmpty else {
            throw TodoError.invalid("text", "leaves no title once the date, time, recurrence, tags and priority are taken out")
        }
        var draft = try TaskCreateRequest.decode(result.taskJSON, defaultTimeZone: zone)
        // `project_id`: where the task goes when the line names no project (the page's current one).
        if result.projectID == nil, let p = body["project_id"] {
            var errors = FieldErrors()
            if case .set(let id) = TaskMoveRequest.id(p, field: "project_id", errors: &errors) { draft.move.projectID = id }
            try errors.check()
        }
        let task = try await services.tasks.create(userID: principal.userID, draft: draft)
        context.logger.info("Task created", metadata: ["task_id": .string(task.id.lowercased), "via": "quick add"])
        return .task(task, status: .created, headers: [.location: "/api/v1/tasks/\(task.id.lowercased)"])
    }

    /// Parses a quick-add body read at `now` (default: the clock) in `time_zone` (default: `zone`, the person's).
    /// `+Project` and `/Section` are looked up among the person's (read only when the text has a `+` or `/`).
    func quickAdd(_ body: JSONValue, zone defaultZone: TimeZoneID, allowed: [String], userID: UUID) async throws -> QuickAddResult {
        var errors = FieldErrors()
        if case .object(let members) = body {
            for (key, _) in members where !allowed.contains(key) { errors.add(key, "is not a field of a quick add") }
        }
        var text = ""
        switch body["text"] {
        case .string(let t)?:
            text = t
            if t.trimmingCharacters(in: .whitespaces).isEmpty { errors.add("text", "must not be empty") }
            if t.count > QuickAdd.maxLength { errors.add("text", "must be at most \(QuickAdd.maxLength) characters") }
            if t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                errors.add("text", "must not contain control characters or line breaks")
            }
        case nil: errors.add("text", "is required")
        default: errors.add("text", "must be a string")
        }
        var zone: TimeZoneID?
        if let z = body["time_zone"] { zone = errors.collect { try TaskRules.timeZone(z) } } else { zone = defaultZone }
        var now: LocalDateTime?
        if let n = body["now"] {
            now = n.stringValue.flatMap { LocalDateTime($0) }
            if now == nil { errors.add("now", "must be a local date-time YYYY-MM-DDTHH:MM[:SS]") }
        }
        try errors.check()
        guard let zone else { throw TodoError.invalid("time_zone", "must be an IANA time zone such as Europe/Berlin") }
        let projects = text.contains("+") || text.contains("/") ? try await services.projects.quickAddTargets(userID: userID) : []
        return QuickAdd.parse(text, now: now ?? Zones.local(at: Date(), in: zone.zone), timeZone: zone, projects: projects)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let zone =
            parameters.contains { ["due_before", "due_after", "view", "days", "filter"].contains($0.0) } ? try await timeZone(principal) : .utc
        let now = Date()
        var query = try TaskQuery(parameters: parameters, timeZone: zone, now: now)
        try await services.applySavedFilter(to: &query, userID: principal.userID, zone: zone, now: now)
        let page = try await services.tasks.list(userID: principal.userID, query: query)
        var response = PageResponse(items: page.items, nextCursor: page.nextCursor) { TaskResponse($0).write(to: &$1) }
        if case .upcoming = query.view { response.extra = UpcomingGroups(tasks: page.items, zone: zone).write }
        return .json(bytes: response.bytes)
    }

    /// `POST /api/v1/tasks/{id}/move`: another project, section, parent or place among its siblings.
    @Sendable func move(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "task")
        var request = request
        let move = try TaskMoveRequest.decode(try await request.jsonObject(context: context))
        let task = try await services.tasks.move(id: id, userID: principal.userID, to: move, precondition: VersionPrecondition(request))
        return .task(task)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let task = try await services.tasks.get(id: try context.parameters.uuid("id", resource: "task"), userID: principal.userID)
        if let none = request.headers[.ifNoneMatch],
            none.split(separator: ",").contains(where: { $0.trimmingOWS() == task.etag })
        {
            return Response(status: .notModified, headers: [.eTag: task.etag])
        }
        return .task(task)
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "task")
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        let patch = try TaskPatchRequest.decode(body, defaultTimeZone: try await timeZone(principal))
        let task = try await services.tasks.update(
            id: id, userID: principal.userID, patch: patch, precondition: VersionPrecondition(request))
        return .task(task)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        try await services.tasks.delete(
            id: try context.parameters.uuid("id", resource: "task"), userID: principal.userID,
            precondition: VersionPrecondition(request))
        return Response(status: .noContent)
    }

    /// `…/complete` (`?with_subtasks=true` completes the open subtasks too) and `…/reopen`.
    func setCompleted(_ completed: Bool, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var errors = FieldErrors()
        var withSubtasks = false
        for (key, value) in request.uri.queryParameters {
            if key == "with_subtasks" && completed {
                if value == "true" || value == "false" {
                    withSubtasks = value == "true"
                } else {
                    errors.add("with_subtasks", "must be true or false")
                }
            } else {
                errors.add(String(key), "is not a parameter of this request")
            }
        }
        try errors.check()
        let task = try await services.tasks.setCompleted(
            id: try context.parameters.uuid("id", resource: "task"), userID: principal.userID, completed: completed, withSubtasks: withSubtasks,
            precondition: VersionPrecondition(request))
        return .task(task)
    }

    @Sendable func skip(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let task = try await services.tasks.skip(
            id: try context.parameters.uuid("id", resource: "task"), userID: principal.userID,
            precondition: VersionPrecondition(request))
        return .task(task)
    }

    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let entries = try await services.tasks.history(id: try context.parameters.uuid("id", resource: "task"), userID: principal.userID)
        return .json(bytes: PageResponse(items: entries, nextCursor: nil) { SeriesEntryResponse(entry: $0).write(to: &$1) }.bytes)
    }

    /// `GET /api/v1/recurrence/preview?rule=…&start=…&time_zone=…&count=5`: the next instances of
    /// a rule and its English description, for the recurrence builder.
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let q = request.uri.queryParameters
        var errors = FieldErrors()
        for (key, _) in q where !["rule", "start", "time_zone", "count"].contains(String(key)) {
            errors.add(String(key), "is not a parameter of the preview")
        }
        var rule: RecurrenceRule?
        if let text = q["rule"] {
            do { rule = try RecurrenceRule(parsing: String(text)) } catch { errors.add("rule", error.description) }
        } else {
            errors.add("rule", "is required")
        }
        let zoneID: TimeZoneID? =
            if let z = q["time_zone"] { errors.collect { try TaskRules.timeZone(.string(String(z))) } } else { try await timeZone(principal) }
        var count = 5
        if let c = q["count"] {
            if let n = Int(c), (1...100).contains(n) { count = n } else { errors.add("count", "must be a whole number from 1 to 100") }
        }
        var start: LocalDateTime?
        if let s = q["start"].map(String.init) {
            start = LocalDateTime(s) ?? LocalDate(s).map { LocalDateTime(date: $0, hour: 0, minute: 0)! }
            if start == nil { errors.add("start", "must be a local date-time YYYY-MM-DDTHH:MM or a date YYYY-MM-DD") }
        }
        try errors.check()
        guard let zone = zoneID?.zone else { throw TodoError.invalid("time_zone", "must be an IANA time zone such as Europe/Berlin") }
        let from = start ?? Zones.local(at: Date(), in: zone)
        let instances = rule!.expand(start: from, zone: zone, limit: count)
        return .json(
            .object([
                ("instances", .array(instances.map { .string(Timestamp.withOffset($0.at, in: zone)) })),
                ("description", .string(rule!.englishDescription)), ("rule", .string(rule!.description)),
            ]))
    }

    @Sendable func tags(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let tags = try await services.tasks.tags(userID: principal.userID)
        return .json(.object([("items", .array(tags.map(\.json))), ("next_cursor", .null)]))
    }

    @Sendable func renameTag(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let old = try tagParameter(context)
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where key != "name" { errors.add(key, "is not a field of a tag") }
        let name: String? =
            if case .string(let s)? = body["name"] { errors.collect { try TaskRules.tag(s, field: "name") } } else {
                {
                    errors.add("name", "is required")
                    return nil
                }()
            }
        try errors.check()
        let tag = try await services.tasks.renameTag(userID: principal.userID, from: old, to: name!)
        return .json(tag.json)
    }

    @Sendable func deleteTag(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        try await services.tasks.deleteTag(userID: principal.userID, name: try tagParameter(context))
        return Response(status: .noContent)
    }

    func tagParameter(_ context: AppRequestContext) throws -> String {
        guard let raw = context.parameters.get("name"), let name = raw.removingPercentEncoding,
            let tag = try? TaskRules.tag(name)
        else { throw TodoError.notFound(resource: "tag") }
        return tag
    }
}
