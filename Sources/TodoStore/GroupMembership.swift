import Foundation
import TodoCore

/// One process's membership in a consumer group on one topic. Members heartbeat; each partition
/// is leased to one member at a time. The assignment is Kafka's round robin over the live members
/// sorted by id — partition p belongs to member p mod n — so with more members than partitions
/// the extra ones own nothing and stand by.
///
/// Rebalancing: a member that joins is counted at once, and the others give up the partitions
/// that are no longer theirs on their next heartbeat; the newcomer takes them on its next one
/// (about two heartbeats). A member that leaves cleanly deletes its row and leases; one that dies
/// is dropped when its heartbeat is `memberTTL` old and its leases expire after `leaseTTL`.
///
/// Time comes from the database's clock on PostgreSQL, so pods with skewed clocks agree.
public struct GroupMembership: Sendable {
    /// How long a member counts as alive, and a lease as held, after its last heartbeat: six
    /// missed one-second heartbeats (a stalled or killed process's partitions move after this).
    public static let defaultTTL: Duration = .seconds(6)

    public let group: String
    public let topic: Topic
    public let member: String
    public let memberTTL: Duration
    public let leaseTTL: Duration
    let db: any SQLDatabase

    public init(
        group: String, topic: Topic, member: String, db: any SQLDatabase, memberTTL: Duration = defaultTTL, leaseTTL: Duration = defaultTTL
    ) {
        self.group = group
        self.topic = topic
        self.member = member
        self.db = db
        self.memberTTL = memberTTL
        self.leaseTTL = leaseTTL
    }

    /// A member id that tells an operator where the consumer runs: host (the pod's name in
    /// Kubernetes), process id and a random suffix.
    public static func makeMemberID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().lowercased.prefix(8))"
    }

    /// Renews this member and its leases, gives up partitions assigned to others, claims free or
    /// expired ones assigned to it; returns the partitions it owns until the next heartbeat.
    public func heartbeat() async throws -> Set<Int> {
        let (group, topic, member, memberTTL, leaseTTL) = (self.group, self.topic, self.member, self.memberTTL, self.leaseTTL)
        return try await db.write { conn in
            let now = try await Self.clock(conn)
            try await conn.execute(
                """
                INSERT INTO consumer_members (group_name, topic, member_id, heartbeat_at) VALUES (\(group), \(topic), \(member), \(now))
                ON CONFLICT (group_name, topic, member_id) DO UPDATE SET heartbeat_at = \(now)
                """)
            let stale = now - memberTTL
            try await conn.execute(
                "DELETE FROM consumer_members WHERE group_name = \(group) AND topic = \(topic) AND heartbeat_at < \(stale)")
            let members = try await conn.query(
                "SELECT member_id FROM consumer_members WHERE group_name = \(group) AND topic = \(topic) ORDER BY member_id"
            ).map { try $0.string("member_id") }
            let index = members.firstIndex(of: member) ?? 0
            let assigned = (0..<Topic.partitions).filter { $0 % members.count == index }
            var release: SQLQuery = "DELETE FROM consumer_leases WHERE group_name = \(group) AND topic = \(topic) AND owner = \(member)"
            if !assigned.isEmpty { release += " AND partition_no NOT IN \(list: assigned.map { .int(Int64($0)) })" }
            try await conn.execute(release)
            guard !assigned.isEmpty else { return [] }
            let expires = now + leaseTTL
            let rows = assigned.map { p -> SQLQuery in "(\(group), \(topic), \(p), \(member), \(expires))" }
            let claimed = try await conn.query(
                """
                INSERT INTO consumer_leases (group_name, topic, partition_no, owner, expires_at) VALUES \(SQLQuery(rows, separator: ", "))
                ON CONFLICT (group_name, topic, partition_no) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE consumer_leases.owner = excluded.owner OR consumer_leases.expires_at < \(now)
                RETURNING partition_no
                """)
            return Set(try claimed.map { try $0.int("partition_no") })
        }
    }

    /// Leaves the group: the partitions are free for the others at their next heartbeat.
    public func leave() async throws {
        let (group, topic, member) = (self.group, self.topic, self.member)
        try await db.write { conn in
            try await conn.execute("DELETE FROM consumer_leases WHERE group_name = \(group) AND topic = \(topic) AND owner = \(member)")
            try await conn.execute(
                "DELETE FROM consumer_members WHERE group_name = \(group) AND topic = \(topic) AND member_id = \(member)")
        }
    }

    /// Live members of a group on a topic (what `todo events reset` refuses to run against).
    public static func liveMembers(group: String, topic: Topic, memberTTL: Duration = defaultTTL, conn: any SQLConnection) async throws
        -> [String]
    {
        let since = try await clock(conn) - memberTTL
        return try await conn.query(
            """
            SELECT member_id FROM consumer_members WHERE group_name = \(group) AND topic = \(topic) AND heartbeat_at >= \(since)
            ORDER BY member_id
            """
        ).map { try $0.string("member_id") }
    }

    /// One row of `todo events members`.
    public struct Member: Sendable, Equatable {
        public var group: String
        public var topic: Topic
        public var member: String
        public var partitions: [Int]
    }

    /// The live members of every group (or one), with the partitions each holds: like
    /// `kafka-consumer-groups.sh --describe --members --verbose`.
    public static func members(group: String? = nil, db: any SQLDatabase) async throws -> [Member] {
        try await db.read { conn in
            let now = try await clock(conn)
            var filter: SQLQuery = ""
            if let group { filter = " AND m.group_name = \(group)" }
            let rows = try await conn.query(
                """
                SELECT m.group_name, m.topic, m.member_id, l.partition_no FROM consumer_members m
                LEFT JOIN consumer_leases l ON l.group_name = m.group_name AND l.topic = m.topic AND l.owner = m.member_id
                  AND l.expires_at >= \(now)
                WHERE m.heartbeat_at >= \(now - defaultTTL)\(filter)
                ORDER BY m.group_name, m.topic, m.member_id, l.partition_no
                """)
            var result: [Member] = []
            for row in rows {
                let (g, t, m) = (try row.string("group_name"), try row.topic("topic"), try row.string("member_id"))
                if result.last.map({ ($0.group, $0.topic, $0.member) != (g, t, m) }) ?? true {
                    result.append(Member(group: g, topic: t, member: m, partitions: []))
                }
                if let p = row.optionalInt("partition_no") { result[result.count - 1].partitions.append(p) }
            }
            return result
        }
    }

    /// The current owner of each leased partition of a group's topic.
    static func owners(group: String, topic: Topic, conn: any SQLConnection) async throws -> [Int: String] {
        let now = try await clock(conn)
        var owners: [Int: String] = [:]
        for row in try await conn.query(
            "SELECT partition_no, owner FROM consumer_leases WHERE group_name = \(group) AND topic = \(topic) AND expires_at >= \(now)")
        {
            owners[try row.int("partition_no")] = try row.string("owner")
        }
        return owners
    }

    /// The database's clock on PostgreSQL (shared by every pod), this process's on SQLite (one
    /// machine).
    static func clock(_ conn: any SQLConnection) async throws -> Date {
        guard conn is PostgresDatabase.Connection else { return Date().truncatedToMillis }
        return try await conn.first("SELECT date_trunc('milliseconds', clock_timestamp()) AS now")!.date("now")
    }
}
