import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TodoCore
import TodoStore

/// Calendar feeds: `/api/v1/calendar-feeds` manages a person's secret feed URLs, and
/// `GET /ical/{token}.ics` serves one (no other credential: the URL is the secret, so a calendar
/// app can subscribe to it).
struct CalendarRoutes {
    let services: AppServices

    var store: CalendarFeedStore { CalendarFeedStore(db: services.db) }

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("calendar-feeds", use: list)
        group.post("calendar-feeds", use: create)
        group.get("calendar-feeds/{id}", use: get)
        group.patch("calendar-feeds/{id}", use: update)
        group.delete("calendar-feeds/{id}", use: delete)
        group.post("calendar-feeds/{id}/rotate", use: rotate)
    }

    /// The public feed route, outside the API's authentication.
    func addPublic(to router: Router<AppRequestContext>) {
        router.get("ical/{file}", use: feed)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let feeds = try await store.list(userID: principal.userID)
        return .json(.object([("items", .array(feeds.map { json($0) })), ("next_cursor", .null)]))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        return .json(json(try await store.get(id: try context.parameters.uuid("id", resource: "calendar feed"), userID: principal.userID)))
    }

    /// `{"name", "scope": "all"|"project"|"filter", "project_id", "filter_id", "include_completed"}`;
    /// the answer carries the feed's `url`, shown this once.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var request = request
        let body = try await request.jsonObject(context: context)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where !["name", "scope", "project_id", "filter_id", "include_completed"].contains(key) {
            errors.add(key, "is not a field of a calendar feed")
        }
        let name = body["name"].flatMap { n in errors.collect { try ProjectRules.name(n) } } ?? "Todo"
        let include = body["include_completed"].flatMap { Self.bool($0, field: "include_completed", errors: &errors) } ?? false
        var scope: CalendarFeedScope?
        func id(_ field: String) -> UUID? {
            guard let value = body[field] else {
                errors.add(field, "is required for this scope")
                return nil
            }
            guard let text = value.stringValue, let id = UUID(canonical: text) else {
                errors.add(field, "must be an id")
                return nil
            }
            return id
        }
        switch body["scope"]?.stringValue ?? (body["scope"] == nil ? "all" : nil) {
        case "all": scope = .all
        case "project": scope = id("project_id").map(CalendarFeedScope.project)
        case "filter": scope = id("filter_id").map(CalendarFeedScope.filter)
        default: errors.add("scope", "must be all, project or filter")
        }
        if case .all? = scope, body["project_id"] != nil || body["filter_id"] != nil {
            errors.add("scope", "must be project or filter when project_id or filter_id is given")
        }
        try errors.check()
        let token = OpaqueToken.make(prefix: "cal_")
        let feed = try await store.create(
            userID: principal.userID, name: name, scope: scope!, includeCompleted: include, tokenHash: OpaqueToken.hash(token))
        return .json(json(feed, token: token), status: .created, headers: [.location: "/api/v1/calendar-feeds/\(feed.id.lowercased)"])
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "calendar feed")
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where !["name", "include_completed"].contains(key) {
            errors.add(key, key == "scope" ? "cannot change: make a new feed" : "is not a field of a calendar feed")
        }
        let name = body["name"].flatMap { n in errors.collect { try ProjectRules.name(n) } }
        let include = body["include_completed"].flatMap { Self.bool($0, field: "include_completed", errors: &errors) }
        try errors.check()
        return .json(json(try await store.update(id: id, userID: principal.userID, name: name, includeCompleted: include)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        try await store.delete(id: try context.parameters.uuid("id", resource: "calendar feed"), userID: principal.userID)
        return Response(status: .noContent)
    }

    /// A new URL for the feed; the old one answers 404 from now on.
    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let token = OpaqueToken.make(prefix: "cal_")
        let feed = try await store.rotate(
            id: try context.parameters.uuid("id", resource: "calendar feed"), userID: principal.userID, tokenHash: OpaqueToken.hash(token))
        return .json(json(feed, token: token))
    }

    /// `GET /ical/{token}.ics`: the feed as `text/calendar`, with an `ETag` (a hash of the body:
    /// the same tasks give the same bytes) that `If-None-Match` answers with 304.
    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> Response {
        let file = try context.parameters.require("file")
        guard file.hasSuffix(".ics"), let feed = try await store.feed(tokenHash: OpaqueToken.hash(String(file.dropLast(4)))) else {
            throw TodoError.notFound(resource: "calendar feed")
        }
        let now = Date()
        let zone = try await services.timeZone(of: feed.userID)
        var query = TaskQuery()
        switch feed.scope {
        case .all: query.activeProjectsOnly = true
        case .project(let id): query.projects = [id]
        case .filter(let id):
            query.savedFilterID = id
            query.activeProjectsOnly = true
            try await services.applySavedFilter(to: &query, userID: feed.userID, zone: zone, now: now)
        }
        let tasks = try await store.tasks(userID: feed.userID, query: query, now: now)
        let host = URL(string: services.config.linkBase)?.host ?? "todo"
        let text = CalendarFeed.render(
            open: tasks.open, closed: tasks.closed,
            options: .init(name: feed.name, timeZone: zone, includeCompleted: feed.includeCompleted, now: now, host: host))
        let bytes = Array(text.utf8)
        let etag = "\"" + SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "private, max-age=300"]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingOWS() == etag || $0.trimmingOWS() == "*" })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "text/calendar; charset=utf-8"
        headers[.contentDisposition] = "inline; filename=\"todo.ics\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func bool(_ value: JSONValue, field: String, errors: inout FieldErrors) -> Bool? {
        guard case .bool(let b) = value else {
            errors.add(field, "must be true or false")
            return nil
        }
        return b
    }

    func json(_ feed: CalendarFeedInfo, token: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(feed.id.lowercased)), ("name", .string(feed.name)), ("scope", .string(feed.scope.name)),
        ]
        switch feed.scope {
        case .all: break
        case .project(let id): members.append(("project_id", .string(id.lowercased)))
        case .filter(let id): members.append(("filter_id", .string(id.lowercased)))
        }
        members += [
            ("include_completed", .bool(feed.includeCompleted)), ("created_at", .string(Timestamp.millis(feed.createdAt))),
            ("rotated_at", .string(Timestamp.millis(feed.rotatedAt))),
            ("last_read_at", feed.lastReadAt.map { .string(Timestamp.millis($0)) } ?? .null),
        ]
        if let token { members.append(("url", .string("\(services.config.linkBase)/ical/\(token).ics"))) }
        return .object(members)
    }
}
