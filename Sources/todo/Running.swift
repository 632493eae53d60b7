import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

func runServer(config: AppConfiguration, role: Role, logger: Logger, prepare: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws
{
    AppMetrics.bootstrap()
    let (db, dbServices) = try openDatabase(config, logger: logger)
    let services = await AppServices(config: config, db: db, logger: logger)
    let app = buildApplication(services, extraServices: dbServices, logger: logger, role: role) { try await prepare(db) }
    logger.info(
        "Starting", metadata: ["role": .string(role.rawValue), "database": .string(config.databaseURL == nil ? "sqlite" : "postgres")])
    try await runDraining(app, readiness: services.readiness, config: config, logger: logger)
}

/// Runs a role's application until SIGTERM/SIGINT, draining first (`DrainOnShutdown`, `SHUTDOWN_DELAY`).
/// The process exits within `SHUTDOWN_DELAY` + 10 s of the signal, whatever state it is in: past
/// `SHUTDOWN_DELAY` + 8 s the services still running are cancelled (every wait in them ends on
/// cancellation), and the drain's watchdog ends the process at + 10 s if even that did not do it.
func runDraining(_ app: some ApplicationProtocol, readiness: ReadinessProbe, config: AppConfiguration, logger: Logger) async throws {
    let drain = DrainOnShutdown(probe: readiness, delay: config.shutdownDelay, logger: logger)
    var configuration = ServiceGroupConfiguration(services: [app, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = config.shutdownDelay + .seconds(8)
    try await ServiceGroup(configuration: configuration).run()
}

/// The signing key `todo serve` makes for itself when no JWT_SECRET is set, kept in the data
/// directory (mode 0600) so sessions survive restarts.
enum LocalSigningKey {
    static func loadOrCreate(in directory: String, logger: Logger) throws -> (kid: String, secret: String) {
        let path = directory + "/jwt-secret"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let data = FileManager.default.contents(atPath: path) {
            let keys = try AppConfiguration.parseJWTKeys(String(decoding: data, as: UTF8.self))
            logger.info("Using the signing key kept in the data directory", metadata: ["path": .string(path)])
            return keys[0]
        }
        let kid = "local-" + String(Int(Date().timeIntervalSince1970))
        let secret = OpaqueToken.make()
        guard FileManager.default.createFile(atPath: path, contents: Data("\(kid):\(secret)\n".utf8), attributes: [.posixPermissions: 0o600])
        else { throw ConfigurationError("cannot write \(path)") }
        logger.notice(
            "JWT_SECRET is not set: generated a signing key and saved it in the data directory",
            metadata: ["path": .string(path), "kid": .string(kid)])
        return (kid, secret)
    }
}
