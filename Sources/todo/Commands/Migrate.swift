import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo migrate`: applies pending migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await withDatabase(options, label: "migrate", migrated: false) { db in
            let applied = try await Migrator(db: db).migrate()
            makeLogger("migrate").info("Migrations applied", metadata: ["versions": "\(applied.map(\.version))"])
        }
    }

}
