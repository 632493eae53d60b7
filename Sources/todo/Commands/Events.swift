import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo events …`: operator commands on the event log, in the spirit of kafka-consumer-groups.sh.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect the event log.", subcommands: [Tail.self, Lag.self, Members.self, Reset.self])

    /// `todo events lag [--group G]`: per group, topic and partition, like kafka-consumer-groups.sh --describe.
    struct Lag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show consumer lag per group, topic and partition.")
        @OptionGroup var options: ServerOptions
        @Option(help: "Only this consumer group.") var group: String?

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                let rows = try await EventLog(db: db).lag(group: group)
                print("GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID OLDEST-UNCONSUMED-AGE")
                for r in rows {
                    let age = r.oldestUnconsumedAge.map { String(format: "%.1fs", $0.inSeconds) } ?? "-"
                    print("\(r.group) \(r.topic) \(r.partition) \(r.currentOffset) \(r.logEndOffset) \(r.lag) \(r.owner ?? "-") \(age)")
                }
            }
        }

    }

    /// `todo events members [--group G]`: who consumes which partitions now.
    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the live members of each consumer group and their partitions.")
        @OptionGroup var options: ServerOptions
        @Option(help: "Only this consumer group.") var group: String?

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                print("GROUP TOPIC CONSUMER-ID #PARTITIONS ASSIGNMENT")
                for m in try await GroupMembership.members(group: group, db: db) {
                    let assignment = m.partitions.isEmpty ? "-" : m.partitions.map(String.init).joined(separator: ",")
                    print("\(m.group) \(m.topic) \(m.member) \(m.partitions.count) \(assignment)")
                }
            }
        }
    }

    /// `todo events reset --group G --topic T --to-earliest | --to-datetime 2025-12-31T10:00:00.000`.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a consumer group's offsets (events are then processed again; handlers are idempotent).")
        @OptionGroup var options: ServerOptions
        @Option(help: "Consumer group.") var group: String
        @Option(help: "Topic.") var topic: Topic
        @Flag(name: .customLong("to-earliest"), help: "Replay everything still in the log.") var toEarliest = false
        @Option(name: .customLong("to-datetime"), help: "First event written at or after this UTC time (2025-12-31T10:00:00.000).")
        var toDatetime: String?

        func validate() throws {
            guard toEarliest != (toDatetime != nil) else { throw ValidationError("give exactly one of --to-earliest and --to-datetime") }
            if let t = toDatetime, Self.parse(t) == nil { throw ValidationError("--to-datetime must look like 2025-12-31T10:00:00.000") }
        }

        /// kafka-consumer-groups.sh's form (no zone: UTC), or RFC 3339.
        static func parse(_ text: String) -> Date? {
            Timestamp.parse(text) ?? Timestamp.parse(text + "Z") ?? Timestamp.parse(text + ":00Z")
        }

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                let target: EventLog.ResetTarget = toEarliest ? .earliest : .datetime(Self.parse(toDatetime!)!)
                let offsets = try await EventLog(db: db).reset(group: group, topic: topic, to: target)
                print("GROUP TOPIC PARTITION NEW-OFFSET")
                for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) { print("\(group) \(topic) \(partition) \(offset)") }
            }
        }

    }

    /// `todo events tail --topic T [--limit N]`: the latest events, one CloudEvent JSON per line.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the latest events of a topic, one CloudEvent per line.")
        @OptionGroup var options: ServerOptions
        @Option(help: "Topic (task-events, reminders, …).") var topic: Topic
        @Option(help: "How many of the latest events.") var limit: Int = 20

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        }

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                for line in try await EventLogReader(db: db).tail(topic: topic, limit: limit) { print(line) }
            }
        }

    }
}
