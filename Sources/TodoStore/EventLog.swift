import Foundation
import TodoCore

/// The `events` table as a partitioned log. Writers only append (offset NULL, see
/// `EventOutbox`); one sequencer at a time gives committed rows their offsets, per (topic,
/// partition), in the order they became visible. Consumers read only sequenced rows, so a row
/// whose transaction commits late is sequenced after everything already read — never skipped.
public struct EventLog: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// Gives offsets to up to `batch` unsequenced events; returns how many it sequenced.
    @discardableResult
    public func sequence(batch: Int = 1000) async throws -> Int {
        try await db.write { conn in
            try await conn.lock(.sequencer)
            let rows = try await conn.query(
                "SELECT seq, topic, partition_no FROM events WHERE log_offset IS NULL ORDER BY seq LIMIT \(batch)")
            guard !rows.isEmpty else { return 0 }
            let pending = try rows.map { (seq: try $0.int("seq"), topic: try $0.string("topic"), partition: try $0.int("partition_no")) }
            var next: [String: Int] = [:]
            for (topic, partition) in Set(pending.map { "\($0.topic)\u{1F}\($0.partition)" }).map(Self.split) {
                let row = try await conn.first(
                    "SELECT next_offset FROM log_heads WHERE topic = \(topic) AND partition_no = \(partition)")
                next["\(topic)\u{1F}\(partition)"] = row?.optionalInt("next_offset") ?? 0
            }
            var assignments: [SQLQuery] = []
            for p in pending {
                let key = "\(p.topic)\u{1F}\(p.partition)"
                let offset = next[key]!
                next[key] = offset + 1
                assignments.append("(\(conn.cast(.int(Int64(p.seq)), as: .bigint)), \(conn.cast(.int(Int64(offset)), as: .bigint)))")
            }
            try await conn.execute(
                """
                WITH v(s, o) AS (VALUES \(SQLQuery(assignments, separator: ", ")))
                UPDATE events SET log_offset = v.o FROM v WHERE events.seq = v.s
                """)
            let heads = next.map { key, offset -> SQLQuery in
                let (topic, partition) = Self.split(key)
                return "(\(topic), \(partition), \(offset))"
            }
            try await conn.execute(
                """
                INSERT INTO log_heads (topic, partition_no, next_offset) VALUES \(SQLQuery(heads, separator: ", "))
                ON CONFLICT (topic, partition_no) DO UPDATE SET next_offset = excluded.next_offset
                """)
            try await conn.notify(.log)
            return pending.count
        }
    }

    static func split(_ key: String) -> (String, Int) {
        let parts = key.split(separator: "\u{1F}", maxSplits: 1)
        return (String(parts[0]), Int(parts[1])!)
    }

    /// One row of `todo events lag`.
    public struct Lag: Sendable, Equatable {
        public var group: String
        public var topic: Topic
        public var partition: Int
        public var currentOffset: Int
        public var logEndOffset: Int
        public var lag: Int { logEndOffset - currentOffset }
        /// The member that holds the partition's lease now (nil when no consumer runs).
        public var owner: String?
        /// How old the oldest event this group has not consumed is (nil when none).
        public var oldestUnconsumedAge: Duration?
    }

    /// Lag per group, topic and partition: like `kafka-consumer-groups.sh --describe`, every
    /// partition of each topic a group consumes — one that has never had an event too (log end 0,
    /// lag 0). Groups that have not committed on a partition start at offset 0 there.
    public func lag(group: String? = nil, now: Date = Date()) async throws -> [Lag] {
        try await db.read { conn in
            var ends: [Topic: [Int: Int]] = [:]
            for row in try await conn.query("SELECT topic, partition_no, next_offset AS log_end FROM log_heads") {
                ends[try row.topic("topic"), default: [:]][try row.int("partition_no")] = try row.int("log_end")
            }
            var filter: SQLQuery = ""
            if let group { filter = "WHERE group_name = \(group)" }
            // group → topic → partition → committed offset
            var committed: [String: [Topic: [Int: Int]]] = [:]
            for row in try await conn.query("SELECT group_name, topic, partition_no, next_offset FROM consumer_offsets \(filter)") {
                committed[try row.string("group_name"), default: [:]][try row.topic("topic"), default: [:]][try row.int("partition_no")] =
                    try row.int("next_offset")
            }
            var result: [Lag] = []
            for (g, topics) in committed.sorted(by: { $0.key < $1.key }) {
                for (topic, offsets) in topics.sorted(by: { $0.key < $1.key }) {
                    let owners = try await GroupMembership.owners(group: g, topic: topic, conn: conn)
                    for partition in 0..<Topic.partitions {
                        let current = offsets[partition] ?? 0
                        let logEnd = ends[topic]?[partition] ?? 0
                        var age: Duration?
                        if current < logEnd,
                            let oldest = try await conn.first(
                                "SELECT created_at FROM events WHERE topic = \(topic) AND partition_no = \(partition) AND log_offset = \(current)")
                        {
                            age = .between(try oldest.date("created_at"), now)
                        }
                        result.append(
                            Lag(
                                group: g, topic: topic, partition: partition, currentOffset: current, logEndOffset: logEnd,
                                owner: owners[partition], oldestUnconsumedAge: age))
                    }
                }
            }
            return result
        }
    }

    /// Where `todo events reset` moves a group.
    public enum ResetTarget: Sendable, Equatable {
        case earliest
        /// The first event written at or after this time, per partition.
        case datetime(Date)
    }

    /// `reset` refuses while consumers of the group run (as Kafka does): they would commit over
    /// the new offsets.
    public struct GroupActive: Error, CustomStringConvertible {
        public var group: String
        public var members: [String]
        public var description: String {
            "consumer group \(group) has active members (\(members.joined(separator: ", "))); stop them first "
                + "(kubectl scale deployment/\(group) --replicas=0), reset, then start them again"
        }
    }

    /// Moves a group's committed offsets on every partition of `topic` (the runbook's emergency
    /// reset). Replaying is safe: handlers are idempotent by event id. Returns the new offsets.
    /// Throws `GroupActive` while members of the group are alive.
    @discardableResult
    public func reset(group: String, topic: Topic, to target: ResetTarget, now: Date = Date()) async throws -> [Int: Int] {
        try await db.write { conn in
            let members = try await GroupMembership.liveMembers(group: group, topic: topic, conn: conn)
            guard members.isEmpty else { throw GroupActive(group: group, members: members) }
            var offsets: [Int: Int] = [:]
            for partition in 0..<Topic.partitions {
                let offset: Int
                switch target {
                case .earliest:
                    offset =
                        try await conn.first(
                            "SELECT MIN(log_offset) AS o FROM events WHERE topic = \(topic) AND partition_no = \(partition) AND log_offset IS NOT NULL"
                        )?
                        .optionalInt("o") ?? 0
                case .datetime(let t):
                    if let o = try await conn.first(
                        """
                        SELECT MIN(log_offset) AS o FROM events WHERE topic = \(topic) AND partition_no = \(partition)
                          AND log_offset IS NOT NULL AND created_at >= \(t)
                        """)?.optionalInt("o")
                    {
                        offset = o
                    } else {
                        offset =
                            try await conn.first(
                                "SELECT next_offset FROM log_heads WHERE topic = \(topic) AND partition_no = \(partition)")?
                            .optionalInt("next_offset") ?? 0
                    }
                }
                offsets[partition] = offset
                try await Self.commit(group: group, topic: topic, partition: partition, nextOffset: offset, now: now, conn: conn)
            }
            return offsets
        }
    }

    /// Commits a group's position on one partition (the next offset it will read).
    public func commit(group: String, topic: Topic, partition: Int, nextOffset: Int, now: Date = Date()) async throws {
        try await db.write { conn in
            try await Self.commit(group: group, topic: topic, partition: partition, nextOffset: nextOffset, now: now, conn: conn)
        }
    }

    /// Commits inside the caller's transaction (a consumer commits with its handler's writes).
    /// `forwardOnly` (consumers) never moves an offset back: a member that lost its lease while
    /// busy cannot undo the new owner's progress.
    public static func commit(
        group: String, topic: Topic, partition: Int, nextOffset: Int, forwardOnly: Bool = false, now: Date = Date(), conn: any SQLConnection
    ) async throws {
        let now = now.truncatedToMillis
        let guardClause: SQLQuery = forwardOnly ? " WHERE consumer_offsets.next_offset < \(nextOffset)" : ""
        try await conn.execute(
            """
            INSERT INTO consumer_offsets (group_name, topic, partition_no, next_offset, updated_at)
            VALUES (\(group), \(topic), \(partition), \(nextOffset), \(now))
            ON CONFLICT (group_name, topic, partition_no) DO UPDATE SET next_offset = \(nextOffset), updated_at = \(now)\(guardClause)
            """)
    }

    /// Partitions of `topic` with events a group has not consumed yet: (partition, committed
    /// offset) — one small query on `log_heads`, however long the log.
    /// Records `ids` as processed by `group` (the consumer's exactly-once mark, in the handler's
    /// transaction); returns those that were not processed before.
    public static func markProcessed(_ ids: [UUID], group: String, now: Date, conn: any SQLConnection) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = ids.map { id -> SQLQuery in "(\(group), \(id), \(now))" }
        return Set(
            try await conn.query(
                """
                INSERT INTO processed_events (group_name, event_id, processed_at) VALUES \(SQLQuery(rows, separator: ", "))
                ON CONFLICT (group_name, event_id) DO NOTHING RETURNING event_id
                """
            ).map { try $0.uuid("event_id") })
    }

    public static func behind(group: String, topic: Topic, conn: any SQLConnection) async throws -> [(partition: Int, committed: Int)] {
        try await conn.query(
            """
            SELECT h.partition_no, COALESCE(o.next_offset, 0) AS committed FROM log_heads h
            LEFT JOIN consumer_offsets o ON o.group_name = \(group) AND o.topic = h.topic AND o.partition_no = h.partition_no
            WHERE h.topic = \(topic) AND h.next_offset > COALESCE(o.next_offset, 0) ORDER BY h.partition_no
            """
        ).map { (try $0.int("partition_no"), try $0.int("committed")) }
    }

    /// A group's lag on the given partitions: messages behind, and the age of the oldest event it
    /// has not consumed (nil when caught up) — what a consumer process exports for the
    /// partitions it owns.
    public func partitionLag(group: String, topic: Topic, partitions: Set<Int>, now: Date = Date()) async throws
        -> [Int: (messages: Int, age: Duration?)]
    {
        guard !partitions.isEmpty else { return [:] }
        return try await db.read { conn in
            let rows = try await conn.query(
                """
                SELECT h.partition_no, h.next_offset AS head, COALESCE(o.next_offset, 0) AS committed FROM log_heads h
                LEFT JOIN consumer_offsets o ON o.group_name = \(group) AND o.topic = h.topic AND o.partition_no = h.partition_no
                WHERE h.topic = \(topic) AND h.partition_no IN \(list: partitions.sorted().map { .int(Int64($0)) })
                """)
            var result: [Int: (messages: Int, age: Duration?)] = [:]
            for p in partitions { result[p] = (0, nil) }
            for row in rows {
                let (partition, head, committed) = (try row.int("partition_no"), try row.int("head"), try row.int("committed"))
                guard head > committed else { continue }
                let oldest = try await conn.first(
                    """
                    SELECT created_at AS t FROM events WHERE topic = \(topic) AND partition_no = \(partition)
                      AND log_offset = \(committed)
                    """)?.optionalDate("t")
                result[partition] = (head - committed, oldest.map { .between($0, now) })
            }
            return result
        }
    }

    /// Sequenced events of one partition from `offset` on, in order.
    public func read(topic: Topic, partition: Int, from offset: Int, limit: Int) async throws -> [(offset: Int, cloudEvent: String)] {
        try await db.read { conn in
            try await conn.query(
                """
                SELECT log_offset, cloud_event FROM events WHERE topic = \(topic) AND partition_no = \(partition)
                  AND log_offset >= \(offset) ORDER BY log_offset LIMIT \(limit)
                """
            ).map { (try $0.int("log_offset"), try $0.string("cloud_event")) }
        }
    }
}
