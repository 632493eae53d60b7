import Foundation
import TodoCore

/// `todo doctor`: the integrity checks an operator runs after an incident (a restore, manual SQL,
/// an outage). Each finding has a count and what to do about it; all counts 0 means healthy.
/// Read-only.
public struct Doctor: Sendable {
    public struct Finding: Sendable, Equatable {
        public var check: String
        public var count: Int
        public var hint: String
    }

    let db: any SQLDatabase
    /// Events not sequenced for longer than this are "stuck in the outbox".
    public var outboxAge: Duration = .minutes(1)
    /// A group whose oldest unconsumed event is older than this is "far behind" (the alert's 60 s).
    public var lagAge: Duration = .minutes(1)

    public init(db: any SQLDatabase) { self.db = db }

    public func run(now: Date = Date()) async throws -> [Finding] {
        let (outboxCutoff, fired) = ((now - outboxAge).truncatedToMillis, (now - .minutes(5)).truncatedToMillis)
        var findings = try await db.read { conn -> [Finding] in
            func count(_ query: SQLQuery) async throws -> Int { try await conn.first(query)!.int("n") }
            return [
                Finding(
                    check: "tasks without a user",
                    count: try await count("SELECT COUNT(*) AS n FROM tasks t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)"),
                    hint: "left by manual SQL or a partial restore; restore the users or delete these tasks"),
                Finding(
                    check: "orphan tags",
                    count: try await count(
                        """
                        SELECT (SELECT COUNT(*) FROM task_tags tt WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = tt.task_id)
                                  OR NOT EXISTS (SELECT 1 FROM tags g WHERE g.id = tt.tag_id))
                             + (SELECT COUNT(*) FROM tags g WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = g.user_id)) AS n
                        """),
                    hint: "tag links to a missing task or tag, or tags of a missing user; delete them"),
                Finding(
                    check: "reminders pointing nowhere",
                    count: try await count(
                        """
                        SELECT COUNT(*) AS n FROM reminders r WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = r.task_id)
                          OR (r.state = 'pending' AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = r.task_id AND t.completed_at IS NOT NULL))
                        """),
                    hint: "reminders of missing or completed tasks; they never fire — delete them (completing a task cancels its reminders)"),
                Finding(
                    check: "stuck outbox",
                    count: try await count("SELECT COUNT(*) AS n FROM events WHERE log_offset IS NULL AND created_at < \(outboxCutoff)"),
                    hint: "committed events not sequenced for over a minute: is any todo process running? (every role sequences) check its logs"),
                Finding(
                    check: "reminders not fired",
                    count: try await count("SELECT COUNT(*) AS n FROM reminders WHERE state = 'pending' AND remind_at < \(fired)"),
                    hint:
                        "due over 5 minutes ago and still pending: is a backend (the scheduler) running? they fire at its start if younger than REMINDER_CATCH_UP"
                ),
                Finding(
                    check: "dead letters waiting",
                    count: try await count("SELECT COUNT(*) AS n FROM dead_letters WHERE state = 'dead'"),
                    hint: "todo dlq list --topic reminders-dlq (or task-events-dlq); fix the cause, then todo dlq retry"),
            ]
        }
        let lagging = try await EventLog(db: db).lag(now: now).filter { ($0.oldestUnconsumedAge ?? .zero) > lagAge }
        let groups = Set(lagging.map { "\($0.group) on \($0.topic)" }).sorted()
        findings.append(
            Finding(
                check: "consumer groups far behind", count: lagging.count,
                hint: groups.isEmpty
                    ? "partitions whose oldest unconsumed event is over a minute old; scripts/verify-kafka-lag.sh"
                    : "\(groups.joined(separator: ", ")): is the consumer running? scale it (≤ 12); scripts/verify-kafka-lag.sh"))
        return findings
    }
}
