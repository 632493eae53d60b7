import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo backup --output FILE`: a consistent copy of the database the services use (same
/// `--data-dir` / `DATABASE_URL`); SQLite online, PostgreSQL through pg_dump.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Back up the database to a file.")
    @Option(name: .shortAndLong, help: "The file to write (must not exist).") var output: String
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let config = try options.configuration()
        let started = ContinuousClock.now
        if let url = config.databaseURL {
            try await DatabaseBackup.backupPostgres(url: url, to: output)
        } else {
            try DatabaseBackup.backupSQLite(databasePath: config.sqlitePath, to: output)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        makeLogger("backup").info(
            "Backup written", metadata: ["file": .string(output), "bytes": "\(size)", "took": "\(ContinuousClock.now - started)"])
    }
}

/// `todo restore FILE`: replaces the database's content with a backup's. Stop the services
/// first (scale the deployments to 0, or stop `todo serve`); start them after — `todo serve`
/// migrates an older backup, `todo backend` asks for `todo migrate`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore the database from a backup file.")
    @Argument(help: "A file written by todo backup.") var file: String
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let config = try options.configuration()
        if let url = config.databaseURL {
            try await DatabaseBackup.restorePostgres(from: file, url: url)
        } else {
            try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
            try DatabaseBackup.restoreSQLite(from: file, databasePath: config.sqlitePath)
        }
        makeLogger("restore").notice("Database restored; run todo doctor", metadata: ["file": .string(file)])
    }
}
