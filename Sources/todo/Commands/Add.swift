import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo add "Pay rent every month on the 1st #bills !high"`: quick add through the API, with a
/// personal API token (`TODO_TOKEN`, scope tasks:write) against `TODO_URL`.
struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a task from one line of text (quick add), through the API.",
        discussion: "The words are read as dates, times, recurrence, reminders, #tags and !priority; the rest is the title (README: quick add).")
    @Option(help: "The server (env TODO_URL, default http://127.0.0.1:8000).") var url: String?
    @Option(help: "A personal API token (env TODO_TOKEN).") var token: String?
    @Flag(name: .customLong("dry-run"), help: "Only show what would be created.") var dryRun = false
    @Argument(help: "The task, e.g. \"Dentist tomorrow at 3pm remind me 15 minutes before\".") var words: [String]

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let token = token ?? env["TODO_TOKEN"], !token.isEmpty else {
            throw ValidationError("a personal API token is needed: --token or TODO_TOKEN (create one with POST /api/v1/tokens)")
        }
        let client = TodoAPIClient(baseURL: url ?? env["TODO_URL"] ?? "http://127.0.0.1:8000", token: token)
        let text = words.joined(separator: " ")
        do {
            let answer = try await client.post(dryRun ? "/api/v1/tasks/parse" : "/api/v1/tasks/quick", .object([("text", .string(text))]))
            print(describeQuickAdd(answer))
        } catch let failure as TodoAPIClient.Failure {
            FileHandle.standardError.write(Data("todo add: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}
