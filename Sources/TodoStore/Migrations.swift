import Foundation
import TodoCore

/// One step of the schema, in both dialects. Steps are applied in order, each in its own
/// transaction, recorded in `schema_migrations`, and never edited once released: a change to the
/// schema is a new step.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    var sqlite: [String]
    var postgres: [String]

    func statements(_ dialect: SQLDialect) -> [String] { dialect == .sqlite ? sqlite : postgres }
}

/// Applies and reports schema migrations.
public struct Migrator: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    public static let all: [Migration] = [
        Schema.v1, Schema.v2, Schema.v3, Schema.v4, Schema.v5, Schema.v6, Schema.v7, Schema.v8, Schema.v9, Schema.v10, Schema.v11, Schema.v12,
        Schema.v13, Schema.v14, Schema.v15,
    ]

    /// The versions recorded as applied.
    public func applied() async throws -> Set<Int> {
        try await ensureTable()
        let rows = try await db.read { conn in try await conn.query("SELECT version FROM schema_migrations") }
        return Set(try rows.map { try $0.int("version") })
    }

    /// Migrations not yet applied, in order.
    public func pending() async throws -> [Migration] {
        let done = try await applied()
        return Migrator.all.filter { !done.contains($0.version) }
    }

    /// Applies every pending migration (up to `version` when given: the migration tests build an
    /// older schema to migrate from); returns those it applied. Safe to run from several
    /// processes at once on PostgreSQL (an advisory lock serializes them).
    @discardableResult
    public func migrate(through version: Int = .max) async throws -> [Migration] {
        try await ensureTable()
        var appliedNow: [Migration] = []
        for migration in Migrator.all where migration.version <= version {
            let didApply = try await db.write { conn -> Bool in
                try await conn.lock(.migrations)
                let done = try await conn.first("SELECT 1 AS one FROM schema_migrations WHERE version = \(migration.version)")
                if done != nil { return false }
                for statement in migration.statements(conn.dialect) { try await conn.execute("\(raw: statement)") }
                try await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(Date()))")
                return true
            }
            if didApply { appliedNow.append(migration) }
        }
        return appliedNow
    }

    private func ensureTable() async throws {
        let timestamp = db.dialect == .postgres ? "timestamptz" : "TEXT"
        try await db.write { conn in
            try await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at \(raw: timestamp) NOT NULL)"
            )
        }
    }
}
