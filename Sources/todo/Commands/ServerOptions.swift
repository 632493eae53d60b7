import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// Flags shared by the server roles.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (env HOST).") var host: String?
    @Option(help: "Port to listen on (env PORT).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Directory of the SQLite database and generated keys (env TODO_DATA_DIR).")
    var dataDir: String?

    func configuration() throws -> AppConfiguration {
        var config = try AppConfiguration.fromEnvironment()
        if let host { config.host = host }
        if let port { config.port = port }
        if let dataDir { config.dataDirectory = dataDir }
        return config
    }
}

/// A logger for a command or role; its level and format come from the bootstrap in `main`.
func makeLogger(_ label: String) -> Logger { Logger(label: label) }

/// Operator commands work on a database at the current schema; anything else is a clear error.
func requireMigrated(_ db: any SQLDatabase) async throws {
    let pending = try await Migrator(db: db).pending()
    if !pending.isEmpty {
        throw ConfigurationError("Migrations pending: \(pending.map { "\($0.version) \($0.name)" }); run todo migrate first")
    }
}

/// Opens the configured database for a one-shot command, runs `body` while the database's own
/// services (the PostgreSQL pool) run, and closes it. `migrated` refuses a database whose
/// migrations are pending, with a message that says so.
func withDatabase(_ options: ServerOptions, label: String, migrated: Bool = true, _ body: (any SQLDatabase) async throws -> Void) async throws {
    let (db, services) = try openDatabase(try options.configuration(), logger: makeLogger(label))
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services { group.addTask { try await service.run() } }
        defer { group.cancelAll() }
        // Let the client's run() start before the first lease (else postgres-nio warns once per
        // query that run() was not called yet; the query would still wait for it).
        try await Task.sleep(for: .milliseconds(20))
        if migrated { try await requireMigrated(db) }
        try await body(db)
    }
    try await db.close()
}

/// `--topic reminders-dlq`: a topic name as the operator types it.
extension Topic: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
}
