import Foundation
import Logging
import PostgresNIO
import TodoCore
import TodoStore

/// Test support, shared by the test targets (not shipped in the executable).
///
/// The databases the contract suites run against: SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` is set (CI starts a real PostgreSQL 15 and sets it).
public enum TestDatabase: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres

    public static var available: [TestDatabase] {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    public var description: String { rawValue }

    /// Runs `body` with a database of its own, migrated: a new SQLite file, or a new PostgreSQL
    /// database cloned from a migrated template (so tests running in parallel never see each
    /// other's rows, events or consumer offsets). Both are removed afterwards.
    public func with(_ body: (any SQLDatabase) async throws -> Void) async throws {
        try await with(migrated: true, body)
    }

    /// `with`, on an empty database (no migrations run): for the migration tests.
    public func withEmpty(_ body: (any SQLDatabase) async throws -> Void) async throws {
        try await with(migrated: false, body)
    }

    func with(migrated: Bool, _ body: (any SQLDatabase) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("todo-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let db = try SQLiteDatabase(path: dir.appendingPathComponent("todo.sqlite").path)
            if migrated { try await Migrator(db: db).migrate() }
            try await body(db)
            try await db.close()
        case .postgres:
            let server = try PostgresTestServer(url: ProcessInfo.processInfo.environment["TEST_DATABASE_URL"]!)
            let name = "todo_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            if migrated {
                let template = try await PostgresTestServer.templates.ensure(server)
                try await server.admin("CREATE DATABASE \(name) TEMPLATE \(template)")
            } else {
                try await server.admin("CREATE DATABASE \(name)")
            }
            do {
                try await server.withDatabase(name) { db in try await body(db) }
            } catch {
                try? await server.admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                throw error
            }
            try await server.admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }
}

/// The PostgreSQL server of `TEST_DATABASE_URL`, for making and dropping test databases.
struct PostgresTestServer: Sendable {
    let base: URLComponents
    let logger: Logger

    init(url: String) throws {
        guard let components = URLComponents(string: url) else { throw ConfigurationError("TEST_DATABASE_URL is not a URL") }
        base = components
        var logger = Logger(label: "test")
        logger.logLevel = .error
        self.logger = logger
    }

    func url(database: String) -> String {
        var c = base
        c.path = "/" + database
        return c.string!
    }

    /// Runs one statement on the `postgres` database (CREATE/DROP DATABASE cannot run elsewhere).
    func admin(_ sql: String) async throws {
        try await withDatabase("postgres") { db in
            try await db.read { conn in try await conn.execute("\(raw: sql)") }
        }
    }

    func withDatabase<T: Sendable>(_ name: String, _ body: (TodoStore.PostgresDatabase) async throws -> T) async throws -> T {
        let client = try TodoStore.PostgresDatabase.makeClient(url: url(database: name), maxConnections: 8, logger: logger)
        // A pool wait of 30 s, not the product's 5 (DB_POOL_TIMEOUT): the whole suite runs in
        // parallel on two cores while other tests clone databases, and a new connection can take
        // seconds then — a slow machine, not the database unavailable.
        let db = TodoStore.PostgresDatabase(client: client, logger: logger, maxConnections: 8, poolTimeout: .seconds(30))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(db)
        }
    }

    /// One migrated template per schema version, made once per test process.
    static let templates = Templates()

    actor Templates {
        var ready: String?

        func ensure(_ server: PostgresTestServer) async throws -> String {
            if let ready { return ready }
            let name = "todo_template_v\(Migrator.all.map(\.version).max() ?? 0)"
            let exists = try await server.withDatabase("postgres") { db in
                try await db.read { conn in try await conn.first("SELECT 1 AS one FROM pg_database WHERE datname = \(name)") } != nil
            }
            if !exists {
                // Built under another name and renamed, so a half-made template is never used.
                let building = name + "_" + String(UUID().uuidString.prefix(8)).lowercased()
                try await server.admin("CREATE DATABASE \(building)")
                try await server.withDatabase(building) { db in _ = try await Migrator(db: db).migrate() }
                do {
                    try await server.admin("ALTER DATABASE \(building) RENAME TO \(name)")
                } catch {
                    try? await server.admin("DROP DATABASE IF EXISTS \(building) WITH (FORCE)")  // another process won
                }
            }
            ready = name
            return name
        }
    }
}

/// A new user with a unique email.
public func makeUser(_ db: any SQLDatabase, timeZone: TimeZoneID = "Europe/Berlin") async throws -> User {
    try await AccountStore(db: db).createUser(
        email: "u-\(UUID().uuidString.lowercased())@example.com", passwordHash: "x", displayName: "Test", timeZone: timeZone)
}
