import Foundation
import TodoCore

/// A person's saved filters. The query is checked (`TaskFilter.parse`) by the caller before it
/// is stored and parsed again whenever it is used.
public struct FilterStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    static let columns = "p.id, p.user_id, p.name, p.query, p.color, p.position, p.created_at, p.updated_at, p.version"

    public func list(userID: UUID) async throws -> [SavedFilter] {
        try await db.read { conn in
            try await conn.query("SELECT \(raw: Self.columns) FROM filters p WHERE p.user_id = \(userID) ORDER BY p.position, p.id").map(Self.filter)
        }
    }

    public func get(id: UUID, userID: UUID) async throws -> SavedFilter {
        try await db.read { conn in try await Self.owned(id, userID: userID, conn: conn) }
    }

    /// A new filter, after the person's others.
    public func create(userID: UUID, name: String, query: String, color: ProjectColor, now: Date = Date()) async throws -> SavedFilter {
        let now = now.truncatedToMillis
        let f = SavedFilter(
            id: .v7(at: now), userID: userID, name: name, query: query, color: color, position: .at(now), createdAt: now, updatedAt: now)
        try await db.write { conn in
            try await conn.execute(
                """
                INSERT INTO filters (id, user_id, name, query, color, position, created_at, updated_at, version)
                VALUES (\(f.id), \(userID), \(name), \(query), \(color.rawValue), \(f.position.key), \(now), \(now), 1)
                """)
        }
        return f
    }

    /// Changes the given fields; `after` places it after another filter (`.clear`: first).
    public func update(
        id: UUID, userID: UUID, name: String?, query: String?, color: ProjectColor?, after: FieldChange<UUID>, precondition: VersionPrecondition,
        now: Date = Date()
    ) async throws -> SavedFilter {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let current = try await Self.owned(id, userID: userID, forUpdate: true, conn: conn)
            try precondition.check(current.version)
            var next = current
            if let name { next.name = name }
            if let query { next.query = query }
            if let color { next.color = color }
            let scope: SQLQuery = "p.user_id = \(userID)"
            switch after {
            case .unchanged: break
            case .clear:
                next.position = try await ProjectStore.slot(in: "filters", scope: scope, after: nil, moving: id, resource: "filter", conn: conn)
            case .set(let a):
                next.position = try await ProjectStore.slot(in: "filters", scope: scope, after: a, moving: id, resource: "filter", conn: conn)
            }
            guard next != current else { return current }
            next.version += 1
            next.updatedAt = now
            try await conn.execute(
                """
                UPDATE filters SET name = \(next.name), query = \(next.query), color = \(next.color.rawValue), position = \(next.position.key),
                  updated_at = \(now), version = \(next.version)
                WHERE id = \(id) AND user_id = \(userID)
                """)
            return next
        }
    }

    public func delete(id: UUID, userID: UUID, precondition: VersionPrecondition) async throws {
        try await db.write { conn in
            let current = try await Self.owned(id, userID: userID, forUpdate: true, conn: conn)
            try precondition.check(current.version)
            try await conn.execute("DELETE FROM filters WHERE id = \(id) AND user_id = \(userID)")
        }
    }

    static func owned(_ id: UUID, userID: UUID, forUpdate: Bool = false, conn: any SQLConnection) async throws -> SavedFilter {
        try filter(try await ProjectStore.ownedRow("filters", columns, id: id, userID: userID, resource: "filter", forUpdate: forUpdate, conn: conn))
    }

    static func filter(_ row: SQLRow) throws -> SavedFilter {
        let (color, position) = try ProjectStore.colorAndPosition(row)
        return SavedFilter(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), name: try row.string("name"), query: try row.string("query"), color: color,
            position: position, createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), version: try row.int("version"))
    }
}
