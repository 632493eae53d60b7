import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo backend`: the API role for production. Refuses to start without a configured signing key
/// or with migrations pending (run `todo migrate` first).
struct Backend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the REST API (port 8000).")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let logger = makeLogger("backend")
        let config = try options.configuration()
        guard !config.jwtKeys.isEmpty else {
            throw ConfigurationError("JWT_SECRET or JWT_SECRET_FILE must be set for todo backend")
        }
        try await runServer(config: config, role: .backend, logger: logger) { db in try await requireMigrated(db) }
    }
}
