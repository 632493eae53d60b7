import Foundation
import Synchronization
import TodoCore

/// One change of a task or of a project's people, as the live streams announce it: what
/// happened and to what, never the content (a client reads that through the API, which checks
/// access at that moment).
public struct Change: Sendable, Equatable {
    public var seq: Int
    public var type: String
    /// The event's key: the holder of the space it happened in.
    public var holder: String
    public var projectID: UUID?
    public var taskID: UUID?
    public var actor: UUID?
    /// A membership event's member.
    public var memberID: UUID?

    public var json: JSONValue {
        .object([
            ("type", .string(type)), ("project_id", projectID.map { .string($0.lowercased) } ?? .null),
            ("task_id", taskID.map { .string($0.lowercased) } ?? .null), ("actor_id", actor.map { .string($0.lowercased) } ?? .null),
        ])
    }

    /// The change in a `task-events` CloudEvent (nil when it is not one of ours).
    init?(seq: Int, document: JSONValue) {
        guard case .string(let type)? = document["type"], let data = document["data"], case .string(let key)? = document["partitionkey"] else {
            return nil
        }
        let id = { (v: JSONValue?) in v?.stringValue.flatMap { UUID(canonical: $0) } }
        (self.seq, self.type, self.holder, self.actor) = (seq, type, key, id(document["actorid"]))
        if let task = data["task_data"] {
            (projectID, taskID, memberID) = (id(task["project_id"]), id(task["id"]), nil)
        } else {
            (projectID, taskID, memberID) = (id(data["project_id"]), nil, id(data["user_id"]))
        }
    }
}

/// One tail of `task-events` per process, shared by every open stream: woken by the outbox
/// signal (LISTEN/NOTIFY on PostgreSQL, so a change written by another replica arrives too), it
/// reads what is new once and hands it to each subscriber, which filters by what its person may
/// see. It runs only while someone listens. Rows are read by `seq` with a look-back window (an
/// insert that commits after a later one has a smaller `seq`): within the last 500 rows nothing
/// is missed or repeated; a change is a hint to reload, so one later still costs only staleness.
public final class ChangeFeed: Sendable {
    let db: any SQLDatabase
    private struct State {
        var subscribers: [Int: AsyncStream<[Change]>.Continuation] = [:]
        var next = 0
        var tail: Task<Void, Never>?
    }
    private let state = Mutex(State())
    private let tailing = Atomic(false)
    static let window = 500
    /// How long it waits for a wake-up before looking anyway (a lost signal).
    let fallback: Duration

    public init(db: any SQLDatabase, fallback: Duration = .seconds(1)) {
        self.db = db
        self.fallback = fallback
    }

    /// Whether the tail has taken its starting point: changes committed from then on reach every
    /// subscriber ("from now on" is when the tail starts, a moment after the first subscription).
    public var isTailing: Bool { tailing.load(ordering: .acquiring) }

    /// A stream of batches of changes from now on; it ends when the caller stops iterating.
    public func subscribe() -> AsyncStream<[Change]> {
        let (stream, continuation) = AsyncStream<[Change]>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = state.withLock { s -> Int in
            s.next += 1
            s.subscribers[s.next] = continuation
            if s.tail == nil { s.tail = Task { [self] in await self.run() } }
            return s.next
        }
        continuation.onTermination = { [self] _ in
            state.withLock { s in
                s.subscribers.removeValue(forKey: id)
                if s.subscribers.isEmpty {
                    s.tail?.cancel()
                    s.tail = nil
                    tailing.store(false, ordering: .releasing)
                }
            }
        }
        return stream
    }

    func run() async {
        let wakeup = db.signals[.outbox]
        var last: Int?
        var seen: Set<Int> = []
        while !Task.isCancelled {
            let generation = wakeup.generation
            do {
                if let from = last {
                    let rows = try await db.read { conn in
                        try await conn.query(
                            """
                            SELECT seq, cloud_event FROM events WHERE topic = \(Topic.taskEvents) AND seq > \(from - Self.window)
                            ORDER BY seq LIMIT 1000
                            """)
                    }
                    var batch: [Change] = []
                    for row in rows {
                        let seq = try row.int("seq")
                        guard seen.insert(seq).inserted else { continue }
                        last = max(last ?? seq, seq)
                        if let document = try? JSONValue.parse(Data(try row.string("cloud_event").utf8)),
                            let change = Change(seq: seq, document: document)
                        {
                            batch.append(change)
                        }
                    }
                    if let top = last { seen = seen.filter { $0 > top - Self.window } }
                    if !batch.isEmpty {
                        for subscriber in state.withLock({ Array($0.subscribers.values) }) { subscriber.yield(batch) }
                    }
                    if rows.count == 1000 { continue }
                } else {
                    // From now on: the window before now counts as seen.
                    let top = try await db.read { conn in
                        try await conn.first("SELECT max(seq) AS m FROM events WHERE topic = \(Topic.taskEvents)")?.optionalInt("m") ?? 0
                    }
                    let rows = try await db.read { conn in
                        try await conn.query("SELECT seq FROM events WHERE topic = \(Topic.taskEvents) AND seq > \(top - Self.window)")
                    }
                    seen = Set(try rows.map { try $0.int("seq") })
                    last = top
                    tailing.store(true, ordering: .releasing)
                    continue
                }
            } catch {
                // The database is away: try again on the next wake-up or in a second.
            }
            await wakeup.wait(since: generation, timeout: fallback)
        }
    }
}
