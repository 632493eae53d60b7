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
        discussion:
            "The words are read as dates, times, recurrence, reminders, #tags, !priority, +Project and /Section; the rest is the title (README: quick add)."
    )
    @OptionGroup var api: APIOptions
    @Flag(name: .customLong("dry-run"), help: "Only show what would be created.") var dryRun = false
    @Argument(help: "The task, e.g. \"Dentist tomorrow at 3pm remind me 15 minutes before\".") var words: [String]

    func run() async throws {
        let client = try api.client()
        let text = words.joined(separator: " ")
        let answer = try await reportingFailures("add") {
            try await client.post(dryRun ? "/api/v1/tasks/parse" : "/api/v1/tasks/quick", .object([("text", .string(text))]))
        }
        print(describeQuickAdd(answer))
    }
}
