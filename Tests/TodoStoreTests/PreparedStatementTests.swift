import Foundation
import Testing
import TodoTesting

@testable import TodoStore

/// PostgreSQL statements go named (`PreparedStatements`): each connection parses and plans a
/// statement once. postgres-nio keeps a failed preparation's error for that name on that
/// connection for good, so a connection whose preparation may have failed is closed rather than
/// left to repeat a stale error after the cause is gone.
@Suite struct PreparedStatementTests {
    @Test(arguments: TestDatabase.available.filter { $0 == .postgres })
    func aStatementIsPreparedOncePerConnectionAndReused(_ kind: TestDatabase) async throws {
        try await kind.with { any in
            let db = try #require(any as? PostgresDatabase)
            let before = db.statements.count
            let (first, second, prepared) = try await db.read { conn in
                let a = try await conn.first("SELECT \(41) + 1 AS n")?.int("n")
                let b = try await conn.first("SELECT \(1) + 1 AS n")?.int("n")
                let names = try await conn.query("SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1 + 1%'")
                return (a, b, names.count)
            }
            #expect(first == 42 && second == 2)
            #expect(prepared == 1)
            #expect(db.statements.count == before + 2)
            // The same text with a NULL is another parameter type, so another statement.
            _ = try await db.read { conn in try await conn.first("SELECT \(nil as Int?)::int8 IS NULL AS n") }
            #expect(db.statements.count == before + 3)
        }
    }

    @Test(arguments: TestDatabase.available.filter { $0 == .postgres })
    func aFailedPreparationClosesItsConnectionSoTheStatementWorksOnceItsCauseIsGone(_ kind: TestDatabase) async throws {
        try await kind.with { any in
            let db = try #require(any as? PostgresDatabase)
            let closed = try await db.read { conn in
                await #expect(throws: (any Error).self) { try await conn.query("SELECT n FROM created_later") }
                return (conn as! PostgresDatabase.Connection).conn.isClosed
            }
            #expect(closed)
            try await db.write { conn in
                try await conn.execute("CREATE TABLE created_later (n int)")
                try await conn.execute("INSERT INTO created_later VALUES (7)")
            }
            let n = try await db.read { conn in try await conn.first("SELECT n FROM created_later")?.int("n") }
            #expect(n == 7)
        }
    }

    /// A unique violation is the data's fault, not the statement's: the connection stays, and
    /// the transaction that met it rolls back cleanly.
    @Test(arguments: TestDatabase.available.filter { $0 == .postgres })
    func aUniqueViolationKeepsTheConnection(_ kind: TestDatabase) async throws {
        try await kind.with { any in
            let db = try #require(any as? PostgresDatabase)
            try await db.write { conn in try await conn.execute("CREATE TABLE once (k text PRIMARY KEY)") }
            try await db.write { conn in try await conn.execute("INSERT INTO once VALUES (\("a"))") }
            await #expect(throws: UniqueViolation.self) {
                try await db.write { conn in
                    do {
                        try await conn.execute("INSERT INTO once VALUES (\("a"))")
                    } catch {
                        #expect(!(conn as! PostgresDatabase.Connection).conn.isClosed)
                        throw error
                    }
                }
            }
            let count = try await db.read { conn in try await conn.first("SELECT COUNT(*) AS n FROM once")?.int("n") }
            #expect(count == 1)
        }
    }

    @Test func transactionControlAndStatementsBeyondTheLimitGoUnnamed() {
        let statements = PreparedStatements(limit: 2)
        #expect(statements.name(sql: "BEGIN", types: []) == nil)
        let a = statements.name(sql: "SELECT 1", types: [])
        #expect(a != nil)
        #expect(statements.name(sql: "SELECT 1", types: []) == a)
        #expect(statements.name(sql: "SELECT $1", types: [.int8]) != nil)
        #expect(statements.name(sql: "SELECT $1", types: [.text]) == nil)
        #expect(statements.name(sql: "SELECT 1", types: []) == a)
        #expect(PreparedStatements(limit: 0).name(sql: "SELECT 1", types: []) == nil)
    }
}
