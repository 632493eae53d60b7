import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo health`: exits 0 when the local server's /health answers 200 (the image's HEALTHCHECK).
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Exit 0 if the server on this machine answers /health.")
    @Option(help: "The URL to probe (default http://127.0.0.1:$PORT/health, PORT from the environment or 8000).") var url: String?

    func run() async throws {
        let port = ProcessInfo.processInfo.environment["PORT"] ?? "8000"
        let target = url ?? "http://127.0.0.1:\(port)/health"
        guard await probeHealth(url: target) else {
            FileHandle.standardError.write(Data("todo health: \(target) did not answer 200\n".utf8))
            throw ExitCode(1)
        }
        print("ok \(target)")
    }
}
