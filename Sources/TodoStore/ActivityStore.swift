import Foundation
import TodoCore

/// A project's activity, read from the event log rather than kept a second time: its tasks'
/// events and its membership events (`member.*`, `project.transferred`), all on `task-events`
/// under the holder's key. So it reaches back as far as the events are kept (`EVENT_RETENTION`,
/// once every group has read them); an event written before the project changed holders is under
/// the former holder's key and not shown.
public struct ActivityStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// One entry: who (`actor`; nil for the service's own work, such as a next occurrence) did
    /// what (`type`, `fields` for an update) to which task or member, and when. `id` orders
    /// entries and is the cursor.
    public struct Entry: Sendable, Equatable {
        public var id: Int
        public var type: String
        public var at: Date
        public var actor: UUID?
        public var taskID: UUID?
        public var title: String?
        public var fields: [String]
        public var memberID: UUID?
        public var role: String?
    }

    /// Entries older than `before` (nil: the newest), newest first, at most `limit`; and the cursor
    /// of the next page. Reads at most 2,000 of the space's events per call: a page may come back
    /// short (with a cursor) when the project is a quiet part of a busy space.
    public func activity(projectID: UUID, userID: UUID, before: Int?, limit: Int) async throws -> (entries: [Entry], next: Int?) {
        try await db.read { conn in
            let project = try await ProjectStore.owned(projectID, userID: userID, conn: conn)
            var entries: [Entry] = []
            var cursor = before ?? Int.max
            var scanned = 0
            while entries.count < limit, scanned < 2_000 {
                let rows = try await conn.query(
                    """
                    SELECT seq, cloud_event FROM events WHERE topic = \(Topic.taskEvents) AND event_key = \(project.userID.lowercased)
                      AND seq < \(cursor) ORDER BY seq DESC LIMIT 200
                    """)
                guard !rows.isEmpty else { return (entries, nil) }
                scanned += rows.count
                for row in rows {
                    cursor = try row.int("seq")
                    guard let document = try? JSONValue.parse(Data(try row.string("cloud_event").utf8)),
                        let entry = Self.entry(cursor, document, project: projectID)
                    else { continue }
                    entries.append(entry)
                    if entries.count == limit { return (entries, cursor) }
                }
            }
            return (entries, cursor)
        }
    }

    /// The entry of an event about `project`, or nil for another project's.
    static func entry(_ id: Int, _ document: JSONValue, project: UUID) -> Entry? {
        guard case .string(let type)? = document["type"], let data = document["data"],
            case .string(let time)? = document["time"], let at = Timestamp.parse(time)
        else { return nil }
        let actor = document["actorid"]?.stringValue.flatMap { UUID(canonical: $0) }
        let projectText = project.lowercased
        if let task = data["task_data"] {
            // A task moved out of the project is its activity too (the old value).
            let changes = data["changes"]
            let inProject = task["project_id"] == .string(projectText) || changes?["project_id"]?["old"] == .string(projectText)
            guard inProject else { return nil }
            var fields: [String] = []
            if case .object(let members)? = changes { fields = members.map(\.0) }
            return Entry(
                id: id, type: type, at: at, actor: actor, taskID: task["id"]?.stringValue.flatMap { UUID(canonical: $0) },
                title: task["title"]?.stringValue, fields: fields, memberID: nil, role: nil)
        }
        guard data["project_id"] == .string(projectText) else { return nil }
        return Entry(
            id: id, type: type, at: at, actor: actor, taskID: nil, title: nil, fields: [],
            memberID: data["user_id"]?.stringValue.flatMap { UUID(canonical: $0) }, role: data["role"]?.stringValue)
    }
}

extension MemberStore {
    /// A membership event (`member.joined`, `member.left`, `member.removed`, `member.role_changed`,
    /// `project.transferred`) on `task-events` under the holder's key, so a project's activity and
    /// its tasks' events are one ordered stream; consumers that do not know the type skip it.
    static func recordMembership(
        _ type: String, projectID: UUID, holder: UUID, member: UUID, role: MemberRole?, now: Date, conn: any SQLConnection
    ) async throws {
        let key = holder.lowercased
        let data: JSONValue = .object([
            ("event_type", .string(type)), ("project_id", .string(projectID.lowercased)), ("user_id", .string(member.lowercased)),
            ("role", role.map { .string($0.rawValue) } ?? .null), ("timestamp", .string(Timestamp.millis(now))),
        ])
        try await EventOutbox.append(
            OutboxEvent(topic: Topic.taskEvents, type: type, key: key, subject: projectID.lowercased, time: now, data: data), conn: conn)
    }
}
