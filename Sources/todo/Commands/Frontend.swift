import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo frontend`: the web origin (Kubernetes deployment `frontend`). No database: forwards
/// `/api/…` and `/openapi.json` to `BACKEND_URL` (default `http://backend:8000`); ready while the
/// backend is.
struct Frontend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web frontend (forwards the API to BACKEND_URL).")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        AppMetrics.bootstrap()
        let logger = makeLogger("frontend")
        let config = try options.configuration()
        let settings = try FrontendSettings.fromEnvironment()
        let readiness = backendReadiness(settings, logger: logger)
        var app = listeningApplication(router: buildFrontendRouter(settings, readiness: readiness), config: config, logger: logger)
        app.addServices(readiness)
        logger.info("Starting", metadata: ["role": "frontend", "backend": .string(settings.backendURL)])
        try await runDraining(app, readiness: readiness, config: config, logger: logger)
    }
}
