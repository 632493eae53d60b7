import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

@main
struct Todo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "todo",
        abstract: "Todo: an event-driven task service.",
        subcommands: [
            Serve.self, Backend.self, Recurring.self, Notifier.self, Webhooks.self, Frontend.self, Migrate.self, Events.self, DLQ.self,
            BackupCommand.self,
            RestoreCommand.self, DoctorCommand.self, HealthCommand.self, AddCommand.self, ListCommand.self, ProjectsCommand.self,
            ShareCommand.self, MembersCommand.self, CalendarCommand.self, ExportCommand.self, ImportCommand.self, MCPCommand.self,
        ],
        defaultSubcommand: Serve.self)

    /// Logging is bootstrapped once, before any command runs (LOG_FORMAT, LOG_LEVEL).
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        do {
            LogOutput.bootstrap(
                format: try LogFormat.from(environment, isTerminal: isatty(STDERR_FILENO) == 1), level: try LogOutput.level(environment))
        } catch {
            FileHandle.standardError.write(Data("todo: \(error)\n".utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
