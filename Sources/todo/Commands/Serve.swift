import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo serve`: every role in one process; SQLite unless DATABASE_URL is set; applies
/// migrations and generates a signing key on first start, so it works with no setup.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run everything in one process (the default).")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let logger = makeLogger("serve")
        var config = try options.configuration()
        if config.jwtKeys.isEmpty {
            config.jwtKeys = [try LocalSigningKey.loadOrCreate(in: config.dataDirectory, logger: logger)]
        }
        try await runServer(config: config, role: .all, logger: logger) { db in
            let applied = try await Migrator(db: db).migrate()
            if !applied.isEmpty { logger.info("Migrations applied", metadata: ["versions": "\(applied.map(\.version))"]) }
        }
    }
}
