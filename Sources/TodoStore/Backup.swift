import Foundation
import GRDB

/// `todo backup` / `todo restore`. SQLite: SQLite's online backup API — a consistent copy while
/// the services keep running. PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean
/// --single-transaction` (found on PATH, else the newest /usr/lib/postgresql/*/bin — Debian does
/// not put them on PATH; `PG_DUMP`/`PG_RESTORE` name them explicitly). The password goes to
/// them in PGPASSWORD, never on the command line (which `ps` shows).
public enum DatabaseBackup {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    // MARK: SQLite

    public static func backupSQLite(databasePath: String, to output: String) throws {
        guard FileManager.default.fileExists(atPath: databasePath) else { throw Failure("no database at \(databasePath)") }
        try refuseToOverwrite(output)
        let source = try DatabasePool(path: databasePath)
        let destination = try DatabaseQueue(path: output)
        try source.backup(to: destination)
        try destination.close()
        try source.close()
    }

    /// Replaces the database at `databasePath` with the backup's content (the services must be
    /// stopped: scale to 0, or stop `todo serve`). Refuses a file that is not a Todo database.
    public static func restoreSQLite(from file: String, databasePath: String) throws {
        guard FileManager.default.fileExists(atPath: file) else { throw Failure("no backup at \(file)") }
        let source = try DatabaseQueue(path: file, configuration: readOnly)
        let isTodo = try source.read { db in
            try Bool.fetchOne(db, sql: "SELECT COUNT(*) = 2 FROM sqlite_master WHERE name IN ('tasks', 'schema_migrations')") ?? false
        }
        guard isTodo else { throw Failure("\(file) is not a backup of a Todo database") }
        let destination = try DatabasePool(path: databasePath)
        try source.backup(to: destination)
        try destination.close()
        try source.close()
    }

    static var readOnly: Configuration {
        var c = Configuration()
        c.readonly = true
        return c
    }

    // MARK: PostgreSQL

    public static func backupPostgres(url: String, to output: String) async throws {
        try refuseToOverwrite(output)
        let (target, environment) = try connection(url)
        try await run(tool("pg_dump", env: "PG_DUMP"), ["--format=custom", "--no-owner", "--file=\(output)", "--dbname=\(target)"], environment)
    }

    /// Replaces the database's objects with the backup's, in one transaction (all or nothing).
    public static func restorePostgres(from file: String, url: String) async throws {
        guard FileManager.default.fileExists(atPath: file) else { throw Failure("no backup at \(file)") }
        let (target, environment) = try connection(url)
        try await run(
            tool("pg_restore", env: "PG_RESTORE"),
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname=\(target)", file], environment)
    }

    /// The URL without its password (which goes to PGPASSWORD) and with only libpq's parameters.
    static func connection(_ url: String) throws -> (String, [String: String]) {
        guard var c = URLComponents(string: url) else { throw Failure("DATABASE_URL is not a URL") }
        var environment = ProcessInfo.processInfo.environment
        if let password = c.password { environment["PGPASSWORD"] = password }
        c.password = nil
        return (c.string ?? url, environment)
    }

    static func tool(_ name: String, env: String) throws -> String {
        if let explicit = ProcessInfo.processInfo.environment[env], !explicit.isEmpty { return explicit }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
        if let found = path.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted()
        if let newest = versions.last(where: { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/\(name)") }) {
            return "/usr/lib/postgresql/\(newest)/bin/\(name)"
        }
        throw Failure("\(name) not found (install postgresql-client, or set \(env))")
    }

    static func run(_ executable: String, _ arguments: [String], _ environment: [String: String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Polling: Foundation's waitUntilExit spins a CPU on Linux off the main thread.
        while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure("\((executable as NSString).lastPathComponent) failed (\(process.terminationStatus)): \(message.prefix(2000))")
        }
    }

    static func refuseToOverwrite(_ output: String) throws {
        if FileManager.default.fileExists(atPath: output) { throw Failure("\(output) exists; choose a new file") }
    }
}
