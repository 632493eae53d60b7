import Foundation
import TodoCore

/// Calendar feeds: their settings and secret tokens (stored as hashes), and what a feed shows.
public struct CalendarFeedStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// A person has at most this many feeds.
    public static let maxPerPerson = 50
    /// The most tasks a feed shows (open ones first, by due).
    public static let maxTasks = 5000

    static let columns =
        "p.id, p.user_id, p.name, p.scope, p.project_id, p.filter_id, p.include_completed, p.created_at, p.rotated_at, p.last_read_at"

    public func list(userID: UUID) async throws -> [CalendarFeedInfo] {
        try await db.read { conn in
            try await conn.query("SELECT \(raw: Self.columns) FROM calendar_feeds p WHERE p.user_id = \(userID) ORDER BY p.created_at, p.id")
                .map(Self.feed)
        }
    }

    public func get(id: UUID, userID: UUID) async throws -> CalendarFeedInfo {
        try await db.read { conn in
            try Self.feed(
                try await ProjectStore.ownedRow("calendar_feeds", Self.columns, id: id, userID: userID, resource: "calendar feed", conn: conn))
        }
    }

    /// A new feed. Its project must be one the person can see, its filter one of theirs.
    public func create(
        userID: UUID, name: String, scope: CalendarFeedScope, includeCompleted: Bool, tokenHash: String, now: Date = Date()
    ) async throws -> CalendarFeedInfo {
        let now = now.truncatedToMillis
        let feed = CalendarFeedInfo(
            id: .v7(at: now), userID: userID, name: name, scope: scope, includeCompleted: includeCompleted, createdAt: now, rotatedAt: now)
        try await db.write { conn in
            try await Self.checkScope(scope, userID: userID, conn: conn)
            let count = try await conn.first("SELECT count(*) AS n FROM calendar_feeds WHERE user_id = \(userID)")?.int("n") ?? 0
            if count >= Self.maxPerPerson {
                throw TodoError.conflict(code: "too_many_feeds", detail: "a person has at most \(Self.maxPerPerson) calendar feeds")
            }
            var project: UUID?
            var filter: UUID?
            switch scope {
            case .all: break
            case .project(let id): project = id
            case .filter(let id): filter = id
            }
            try await conn.execute(
                """
                INSERT INTO calendar_feeds (id, user_id, name, scope, project_id, filter_id, include_completed, token_hash, created_at, rotated_at)
                VALUES (\(feed.id), \(userID), \(name), \(scope.name), \(project), \(filter), \(includeCompleted), \(tokenHash), \(now), \(now))
                """)
        }
        return feed
    }

    static func checkScope(_ scope: CalendarFeedScope, userID: UUID, conn: any SQLConnection) async throws {
        switch scope {
        case .all: break
        case .project(let id):
            do { _ = try await ProjectStore.owned(id, userID: userID, conn: conn) } catch TodoError.notFound {
                throw TodoError.invalid("project_id", "is not a project you can see")
            }
        case .filter(let id):
            do { _ = try await ProjectStore.ownedRow("filters", "p.id", id: id, userID: userID, resource: "filter", conn: conn) } catch TodoError
                .notFound
            {
                throw TodoError.invalid("filter_id", "is not one of your saved filters")
            }
        }
    }

    /// Renames it or changes whether done tasks are shown.
    public func update(id: UUID, userID: UUID, name: String?, includeCompleted: Bool?) async throws -> CalendarFeedInfo {
        try await db.write { conn in
            var feed = try Self.feed(
                try await ProjectStore.ownedRow(
                    "calendar_feeds", Self.columns, id: id, userID: userID, resource: "calendar feed", forUpdate: true, conn: conn))
            feed.name = name ?? feed.name
            feed.includeCompleted = includeCompleted ?? feed.includeCompleted
            try await conn.execute(
                "UPDATE calendar_feeds SET name = \(feed.name), include_completed = \(feed.includeCompleted) WHERE id = \(id)")
            return feed
        }
    }

    /// A new secret for the feed: the old URL stops working at once.
    public func rotate(id: UUID, userID: UUID, tokenHash: String, now: Date = Date()) async throws -> CalendarFeedInfo {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            var feed = try Self.feed(
                try await ProjectStore.ownedRow(
                    "calendar_feeds", Self.columns, id: id, userID: userID, resource: "calendar feed", forUpdate: true, conn: conn))
            try await conn.execute("UPDATE calendar_feeds SET token_hash = \(tokenHash), rotated_at = \(now) WHERE id = \(id)")
            feed.rotatedAt = now
            return feed
        }
    }

    public func delete(id: UUID, userID: UUID) async throws {
        try await db.write { conn in
            _ = try await ProjectStore.ownedRow("calendar_feeds", "p.id", id: id, userID: userID, resource: "calendar feed", conn: conn)
            try await conn.execute("DELETE FROM calendar_feeds WHERE id = \(id)")
        }
    }

    /// The feed a token opens (nil: none, or revoked). Notes when it was last read, at most once an
    /// hour (calendar clients poll every few minutes).
    public func feed(tokenHash: String, now: Date = Date()) async throws -> CalendarFeedInfo? {
        guard
            let feed = try await db.read({ conn in
                try await conn.first("SELECT \(raw: Self.columns) FROM calendar_feeds p WHERE p.token_hash = \(tokenHash)").map(Self.feed)
            })
        else { return nil }
        if (feed.lastReadAt ?? .distantPast) < now - 3600 {
            try await db.write { conn in
                try await conn.execute("UPDATE calendar_feeds SET last_read_at = \(now.truncatedToMillis) WHERE id = \(feed.id)")
            }
        }
        return feed
    }

    /// What a feed shows, read as the person's lists read (shared projects included): the open
    /// tasks with a due, and the done and skipped ones due in the last `CalendarFeed.window`.
    /// `query` carries the scope (a project, a saved filter's query).
    public func tasks(userID: UUID, query: TaskQuery, now: Date = Date()) async throws -> (open: [TodoTask], closed: [TodoTask]) {
        let tasks = TaskStore(db: db)
        var open = query
        open.status = .open
        open.dueBefore = .distantFuture
        open.sort = .init(.due)
        open.limit = Self.maxTasks
        var closed = query
        closed.status = .all
        closed.dueAfter = now - CalendarFeed.window
        closed.sort = .init(.due, descending: true)
        closed.limit = Self.maxTasks
        let openTasks = try await tasks.list(userID: userID, query: open, now: now).items
        let closedTasks = try await tasks.list(userID: userID, query: closed, now: now).items.filter(\.isClosed)
        return (openTasks, closedTasks)
    }

    static func feed(_ row: SQLRow) throws -> CalendarFeedInfo {
        let scope: CalendarFeedScope =
            switch try row.string("scope") {
            case "project": .project(try row.uuid("project_id"))
            case "filter": .filter(try row.uuid("filter_id"))
            default: .all
            }
        return CalendarFeedInfo(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), name: try row.string("name"), scope: scope,
            includeCompleted: try row.bool("include_completed"), createdAt: try row.date("created_at"), rotatedAt: try row.date("rotated_at"),
            lastReadAt: row.optionalDate("last_read_at"))
    }
}
