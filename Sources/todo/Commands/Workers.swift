import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo recurring`: the recurring-task-service. Consumes `task-events` (group
/// `recurring-task-service`) and creates next occurrences; serves /health and /health/ready.
struct Recurring: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the recurring-task-service.")
    @OptionGroup var options: ServerOptions

    func run() async throws { try await runWorker(.recurring, options: options) }
}

/// `todo notifier`: the notification-service. Consumes `reminders` (group
/// `notification-service`): in-app notifications, and emails through SMTP with retries.
struct Notifier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the notification-service.")
    @OptionGroup var options: ServerOptions

    func run() async throws { try await runWorker(.notifier, options: options) }
}

/// `todo webhooks`: webhook deliveries. Consumes `task-events` (group `webhooks`), queues a
/// delivery per endpoint, and sends them signed, with retries.
struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run webhook deliveries.")
    @OptionGroup var options: ServerOptions

    func run() async throws { try await runWorker(.webhooks, options: options) }
}

/// A consumer role (`todo recurring`, `todo notifier`): needs migrations applied; signs no tokens,
/// so it needs no configured key.
func runWorker(_ role: Role, options: ServerOptions) async throws {
    var config = try options.configuration()
    if config.jwtKeys.isEmpty { config.jwtKeys = [(kid: "unused", secret: OpaqueToken.make())] }
    try await runServer(config: config, role: role, logger: makeLogger(role.rawValue)) { db in try await requireMigrated(db) }
}
