import Foundation
import TodoCore

/// A tag with how many of the user's tasks carry it.
public struct TagSummary: Sendable, Equatable {
    public var name: String
    public var openCount: Int
    public var totalCount: Int

    public init(name: String, openCount: Int, totalCount: Int) {
        self.name = name
        self.openCount = openCount
        self.totalCount = totalCount
    }

    public var json: JSONValue {
        .object([("name", .string(name)), ("open_count", .int(Int64(openCount))), ("total_count", .int(Int64(totalCount)))])
    }
}

extension TaskStore {
    /// The user's tags by name, with open and total task counts.
    public func tags(userID: UUID) async throws -> [TagSummary] {
        try await db.read { conn in
            try await conn.query(
                """
                SELECT g.name, g.key, COUNT(t.id) AS total_count,
                  COALESCE(SUM(CASE WHEN t.id IS NOT NULL AND t.completed_at IS NULL AND t.skipped_at IS NULL THEN 1 ELSE 0 END), 0) AS open_count
                FROM tags g LEFT JOIN task_tags tt ON tt.tag_id = g.id LEFT JOIN tasks t ON t.id = tt.task_id
                WHERE g.user_id = \(userID) GROUP BY g.id, g.name, g.key ORDER BY g.key
                """
            ).map { TagSummary(name: try $0.string("name"), openCount: try $0.int("open_count"), totalCount: try $0.int("total_count")) }
        }
    }

    /// Renames a tag on every task that carries it. Renaming onto another existing tag is a conflict.
    public func renameTag(userID: UUID, from: String, to newName: String, now: Date = Date()) async throws -> TagSummary {
        let now = now.truncatedToMillis
        let oldKey = TaskRules.tagKey(from)
        let newKey = TaskRules.tagKey(newName)
        try await db.write { conn in
            guard let tag = try await conn.first("SELECT id FROM tags WHERE user_id = \(userID) AND key = \(oldKey)") else {
                throw TodoError.notFound(resource: "tag")
            }
            let tagID = try tag.uuid("id")
            if newKey != oldKey, try await conn.first("SELECT id FROM tags WHERE user_id = \(userID) AND key = \(newKey)") != nil {
                throw TodoError.conflict(code: "tag_exists", detail: "A tag named \(newName) exists already.")
            }
            let before = try await Self.tasks(withTag: tagID, conn: conn)
            try await conn.execute("UPDATE tags SET name = \(newName), key = \(newKey) WHERE id = \(tagID)")
            try await Self.touchTasks(before, now: now, conn: conn)
        }
        return try await tags(userID: userID).first { TaskRules.tagKey($0.name) == newKey }
            ?? TagSummary(name: newName, openCount: 0, totalCount: 0)
    }

    /// Removes a tag from every task and deletes it.
    public func deleteTag(userID: UUID, name: String, now: Date = Date()) async throws {
        let now = now.truncatedToMillis
        try await db.write { conn in
            guard let tag = try await conn.first("SELECT id FROM tags WHERE user_id = \(userID) AND key = \(TaskRules.tagKey(name))") else {
                throw TodoError.notFound(resource: "tag")
            }
            let tagID = try tag.uuid("id")
            let before = try await Self.tasks(withTag: tagID, conn: conn)
            try await conn.execute("DELETE FROM tags WHERE id = \(tagID)")
            try await Self.touchTasks(before, now: now, conn: conn)
        }
    }

    /// A tag change changes every task carrying it: new version, new `updated_at`, and a
    /// `task.updated` event each. Call it after the change (`before` holds the tasks as they were).
    static func touchTasks(_ before: [TodoTask], now: Date, conn: any SQLConnection) async throws {
        guard !before.isEmpty else { return }
        let ids = before.map { SQLValue.uuid($0.id) }
        try await conn.execute("UPDATE tasks SET version = version + 1, updated_at = \(now) WHERE id IN \(list: ids)")
        let rows = try await conn.query("SELECT \(raw: readColumns(conn.dialect)) FROM tasks t WHERE t.id IN \(list: ids)")
        let old = Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0) })
        for after in try await tasks(rows, conn: conn) {
            guard let previous = old[after.id] else { continue }
            try await EventOutbox.append(TaskEvent.updated(from: previous, to: after, at: now), conn: conn)
        }
    }

    /// The tasks carrying a tag, as they are now.
    static func tasks(withTag tagID: UUID, conn: any SQLConnection) async throws -> [TodoTask] {
        let rows = try await conn.query(
            "SELECT \(raw: readColumns(conn.dialect)) FROM tasks t WHERE t.id IN (SELECT task_id FROM task_tags WHERE tag_id = \(tagID))")
        return try await tasks(rows, conn: conn)
    }

}

extension TaskStore {
    /// Sets a task's tags, creating the person's tags it names that do not exist yet; returns
    /// their stored names in order (an existing tag keeps the spelling it was created with).
    /// On PostgreSQL one statement does it when it can (`linkTags`); otherwise, and on SQLite,
    /// three. A new task has no links to clear.
    static func replaceTags(
        of taskID: UUID, userID: UUID, names: [String], now: Date, isNew: Bool = false, conn: any SQLConnection
    ) async throws -> [String] {
        if !isNew { try await conn.execute("DELETE FROM task_tags WHERE task_id = \(taskID)") }
        guard !names.isEmpty else { return [] }
        if conn.dialect == .postgres {
            if let linked = try await linkTags(of: taskID, userID: userID, names: names, now: now, conn: conn) { return linked }
            try await conn.execute("DELETE FROM task_tags WHERE task_id = \(taskID)")
        }
        let keys = names.map(TaskRules.tagKey)
        let values = zip(names, keys).map { name, key -> SQLQuery in "(\(UUID.v7(at: now)), \(userID), \(name), \(key), \(now))" }
        try await conn.execute(
            "INSERT INTO tags (id, user_id, name, key, created_at) VALUES \(SQLQuery(values, separator: ", ")) ON CONFLICT (user_id, key) DO NOTHING"
        )
        let rows = try await conn.query("SELECT id, name, key FROM tags WHERE user_id = \(userID) AND key IN \(list: keys.map(SQLValue.text))")
        var byKey: [String: (UUID, String)] = [:]
        for row in rows { byKey[try row.string("key")] = (try row.uuid("id"), try row.string("name")) }
        let links = keys.enumerated().compactMap { i, key -> SQLQuery? in
            guard let (tagID, _) = byKey[key] else { return nil }
            return "(\(taskID), \(tagID), \(i))"
        }
        try await conn.execute("INSERT INTO task_tags (task_id, tag_id, position) VALUES \(SQLQuery(links, separator: ", "))")
        return keys.compactMap { byKey[$0]?.1 }
    }

    /// Creates the missing tags, links all of them and returns their names, in one statement
    /// (PostgreSQL). The statement sees the tags that existed when it started plus those it
    /// inserted; a tag another transaction created meanwhile is in neither (its insert waited
    /// and did nothing). Then nil, and the caller's step-by-step path — whose later statements
    /// do see it — links them all again.
    static func linkTags(of taskID: UUID, userID: UUID, names: [String], now: Date, conn: any SQLConnection) async throws -> [String]? {
        let input = names.enumerated().map { i, name -> SQLQuery in "(\(UUID.v7(at: now)), \(name), \(TaskRules.tagKey(name)), \(i))" }
        let rows = try await conn.query(
            """
            WITH input (id, name, key, position) AS (VALUES \(SQLQuery(input, separator: ", "))),
            added AS (
              INSERT INTO tags (id, user_id, name, key, created_at) SELECT id, \(userID), name, key, \(now) FROM input
              ON CONFLICT (user_id, key) DO NOTHING RETURNING id, name, key),
            resolved AS (
              SELECT id, name, key FROM added
              UNION ALL SELECT t.id, t.name, t.key FROM tags t JOIN input i ON t.key = i.key WHERE t.user_id = \(userID)),
            linked AS (
              INSERT INTO task_tags (task_id, tag_id, position)
              SELECT \(taskID), r.id, i.position FROM resolved r JOIN input i ON i.key = r.key)
            SELECT r.name FROM resolved r JOIN input i ON i.key = r.key ORDER BY i.position
            """)
        guard rows.count == names.count else { return nil }
        return try rows.map { try $0.string("name") }
    }
}
