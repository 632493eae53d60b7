import Foundation
import Logging
import PostgresNIO
import TodoCore
import TodoStore

/// Test support, shared by the test targets (not shipped in the executable).
///
/// The databases the store contract runs against: SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` is set (CI starts a real PostgreSQL 15 and sets it).
public enum TestDatabase: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres

    public static var available: [TestDatabase] {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    public var description: String { rawValue }

    /// Runs `body` with a migrated database: a new SQLite file, or the shared PostgreSQL database
    /// (tests stay apart by creating their own users).
    public func with(_ body: (any SQLDatabase) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("todo-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let db = try SQLiteDatabase(path: dir.appendingPathComponent("todo.sqlite").path)
            try await Migrator(db: db).migrate()
            try await body(db)
            try await db.close()
        case .postgres:
            let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"]!
            var logger = Logger(label: "test")
            logger.logLevel = .error
            let client = try PostgresDatabase.makeClient(url: url, poolSize: 4, maxOverflow: 4, logger: logger)
            let db = PostgresDatabase(client: client, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await Migrator(db: db).migrate()
                try await body(db)
            }
        }
    }
}

/// A new user with a unique email.
public func makeUser(_ db: any SQLDatabase, timeZone: String = "Europe/Berlin") async throws -> User {
    try await AccountStore(db: db).createUser(
        email: "u-\(UUID().uuidString.lowercased())@example.com", passwordHash: "x", displayName: "Test", timeZone: timeZone)
}
