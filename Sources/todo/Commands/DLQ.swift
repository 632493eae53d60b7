import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo dlq list|retry --topic reminders-dlq`: the dead letters, and putting them back (the same
/// as the admin API's `GET /api/admin/dlq` and `POST /api/admin/retry-dlq`).
struct DLQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List or retry dead letters.", subcommands: [List.self, Retry.self])

    static func validate(_ topic: Topic) throws {
        guard DeadLetterStore.sourceTopic(topic) != nil else { throw ValidationError("--topic must be a DLQ topic such as reminders-dlq") }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the waiting dead letters, one JSON object per line.")
        @OptionGroup var options: ServerOptions
        @Option(help: "reminders-dlq or task-events-dlq.") var topic: Topic
        @Option(help: "At most this many.") var limit: Int = 100

        func validate() throws {
            try DLQ.validate(topic)
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        }

        func run() async throws {
            try await withDatabase(options, label: "dlq") { db in
                for letter in try await DeadLetterStore(db: db).list(dlq: topic, limit: limit) { print(letter.json.serialized()) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put dead letters back: deliveries are tried again, events reprocessed once.")
        @OptionGroup var options: ServerOptions
        @Option(help: "reminders-dlq or task-events-dlq.") var topic: Topic
        @Option(name: .customLong("max-count"), help: "At most this many, oldest first.") var maxCount: Int = 100

        func validate() throws {
            try DLQ.validate(topic)
            guard (1...100_000).contains(maxCount) else { throw ValidationError("--max-count must be from 1 to 100000") }
        }

        func run() async throws {
            try await withDatabase(options, label: "dlq") { db in
                let n = try await DeadLetterStore(db: db).retry(dlq: topic, maxCount: maxCount)
                print("requeued \(n) from \(topic)")
            }
        }
    }
}
