import Foundation
import Hummingbird
import TodoCore
import TodoStore

/// `/api/v1/filters`: saved filters in the filter language (`TaskFilter`); a task list uses one
/// with `GET /api/v1/tasks?filter={id}`.
struct FilterRoutes {
    let services: AppServices

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("filters", use: list)
        group.post("filters", use: create)
        group.get("filters/{id}", use: get)
        group.patch("filters/{id}", use: update)
        group.delete("filters/{id}", use: delete)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let filters = try await services.filters.list(userID: principal.userID)
        return .json(.object([("items", .array(filters.map(Self.json))), ("next_cursor", .null)]))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        return Self.response(try await services.filters.get(id: try context.parameters.uuid("id", resource: "filter"), userID: principal.userID))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await request.jsonObject(context: context)
        let fields = try Self.fields(body, new: true, zone: try await services.timeZone(of: principal.userID))
        let filter = try await services.filters.create(
            userID: principal.userID, name: fields.name!, query: fields.query!, color: fields.color ?? .charcoal)
        return Self.response(filter, status: .created, headers: [.location: "/api/v1/filters/\(filter.id.lowercased)"])
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "filter")
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        let fields = try Self.fields(body, new: false, zone: try await services.timeZone(of: principal.userID))
        let filter = try await services.filters.update(
            id: id, userID: principal.userID, name: fields.name, query: fields.query, color: fields.color, after: fields.after,
            precondition: VersionPrecondition(request))
        return Self.response(filter)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        try await services.filters.delete(
            id: try context.parameters.uuid("id", resource: "filter"), userID: principal.userID, precondition: VersionPrecondition(request))
        return Response(status: .noContent)
    }

    /// The members of a create or merge patch, each checked; the query must parse (422 naming the
    /// position of the mistake).
    static func fields(_ body: JSONValue, new: Bool, zone: TimeZoneID) throws -> (
        name: String?, query: String?, color: ProjectColor?, after: FieldChange<UUID>
    ) {
        var errors = FieldErrors()
        let allowed = new ? ["name", "query", "color"] : ["name", "query", "color", "after"]
        for (key, _) in AccountRoutes.members(body) where !allowed.contains(key) { errors.add(key, "is not a field of a filter") }
        var name: String?
        var query: String?
        var color: ProjectColor?
        var after = FieldChange<UUID>.unchanged
        if let n = body["name"] { name = errors.collect { try ProjectRules.name(n) } } else if new { errors.add("name", "is required") }
        if let q = body["query"] {
            if case .string(let text) = q {
                if errors.collect({ try TaskFilter.parse(text, zone: zone, now: Date()) }) != nil { query = text }
            } else {
                errors.add("query", "must be a string in the filter language, such as (today | overdue) & #work")
            }
        } else if new {
            errors.add("query", "is required")
        }
        if let c = body["color"], c != .null { color = errors.collect { try ProjectRules.color(c) } }
        if let a = body["after"] { after = TaskMoveRequest.id(a, field: "after", errors: &errors) }
        try errors.check()
        return (name, query, color, after)
    }

    static func json(_ f: SavedFilter) -> JSONValue {
        .object([
            ("id", .string(f.id.lowercased)), ("name", .string(f.name)), ("query", .string(f.query)), ("color", .string(f.color.rawValue)),
            ("position", .string(f.position.key)), ("created_at", .string(Timestamp.millis(f.createdAt))),
            ("updated_at", .string(Timestamp.millis(f.updatedAt))), ("version", .int(Int64(f.version))),
        ])
    }

    static func response(_ f: SavedFilter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.eTag] = f.etag
        return .json(json(f), status: status, headers: headers)
    }
}
