import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import TodoCore
import TodoStore

/// Runs a consumer until shutdown as a member of its group: a heartbeat (every `heartbeat`)
/// keeps the partitions this process owns (`GroupMembership`), and the consumer drains those
/// whenever the log signals new events (NOTIFY on PostgreSQL, in-process on SQLite) or, as a
/// fallback, every `idle`. On shutdown it leaves the group so the others take over at once.
public struct ConsumerService: Service {
    let consumer: Consumer
    let membership: GroupMembership
    let logger: Logger
    let idle: Duration
    let heartbeat: Duration

    public init(
        consumer: Consumer, db: any SQLDatabase, logger: Logger, member: String = GroupMembership.makeMemberID(),
        idle: Duration = .seconds(1), heartbeat: Duration = .seconds(1)
    ) {
        self.consumer = consumer
        membership = GroupMembership(group: consumer.group, topic: consumer.topic, member: member, db: db)
        self.logger = logger
        self.idle = idle
        self.heartbeat = heartbeat
    }

    public func run() async throws {
        let owned = OwnedPartitions()
        let wakeup = consumer.db.signals[.log]
        var memberLogger = self.logger
        memberLogger[metadataKey: "member_id"] = .string(membership.member)
        let logger = memberLogger
        let (membership, heartbeat, consumer, idle) = (self.membership, self.heartbeat, self.consumer, self.idle)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await pollUntilShutdown("consumer group \(membership.group) heartbeat", logger: logger, idle: heartbeat) {
                    let now: Set<Int>
                    do { now = try await membership.heartbeat() } catch {
                        owned.replace(with: [])  // unconfirmed leases may already be someone else's
                        throw error
                    }
                    let before = owned.replace(with: now)
                    await exportLag(owned: now, logger: logger)
                    try await consumer.retryRequeued(owns: { now.contains($0) })
                    if before != now {
                        logger.info(
                            "Partitions assigned",
                            metadata: [
                                "group": .string(membership.group), "topic": .string(membership.topic.rawValue),
                                "partitions": .string(now.sorted().map(String.init).joined(separator: ",")),
                            ])
                        wakeup.signal()
                    }
                    return 0
                }
                owned.replace(with: [])
            }
            group.addTask {
                await pollUntilShutdown("consumer group \(consumer.group)", logger: logger, idle: idle, wakeup: wakeup) {
                    try await consumer.drain(owns: { owned.contains($0) })
                }
            }
            await group.waitForAll()
        }
        do { try await membership.leave() } catch { logger.warning("Could not leave the consumer group", metadata: ["error": "\(error)"]) }
    }
}

extension ConsumerService {
    /// Exports this process's share of the group's lag on every heartbeat: the real lag for the
    /// partitions it owns, 0 for the others (each partition is reported by its owner, so summing
    /// over pods gives the group's lag, and an HPA's per-pod average is lag per replica).
    /// `kafka_consumer_lag` (messages) and `kafka_consumer_lag_seconds` (age of the oldest
    /// unconsumed event), labelled group, topic, partition.
    func exportLag(owned: Set<Int>, logger: Logger) async {
        let (group, topic) = (membership.group, membership.topic)
        let lag: [Int: (messages: Int, age: Duration?)]
        do {
            lag = try await EventLog(db: consumer.db).partitionLag(group: group, topic: topic, partitions: owned)
        } catch {
            // The gauges keep their last values; the next heartbeat tries again.
            if !isTransientDatabaseFailure(error) { logger.warning("Could not measure the consumer lag", metadata: ["error": "\(error)"]) }
            return
        }
        for partition in 0..<Topic.partitions {
            let dimensions = [("group", group), ("topic", topic.rawValue), ("partition", String(partition))]
            let value = lag[partition]
            Gauge(label: "kafka_consumer_lag", dimensions: dimensions).record(value?.messages ?? 0)
            Gauge(label: "kafka_consumer_lag_seconds", dimensions: dimensions).record(value?.age?.inSeconds ?? 0)
        }
    }
}

/// The partitions this process owns, shared by the heartbeat and the consumer.
final class OwnedPartitions: Sendable {
    private let partitions = Mutex(Set<Int>())

    func contains(_ p: Int) -> Bool { partitions.withLock { $0.contains(p) } }

    @discardableResult
    func replace(with new: Set<Int>) -> Set<Int> {
        partitions.withLock { s in
            defer { s = new }
            return s
        }
    }
}
