import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import TodoCore
import TodoStore

/// In-app notifications: `GET /api/v1/notifications` (newest first; `unread=true`, `before=<seq>`,
/// `limit`), `GET …/unread-count`, `POST …/{id}/read`, `POST …/read-all`, and the live stream
/// `GET …/stream` (Server-Sent Events; each event's id is the notification's `seq`, and a client
/// that reconnects with `Last-Event-ID` gets what it missed).
struct NotificationRoutes {
    let store: NotificationStore
    let db: any SQLDatabase
    let changes: ChangeFeed

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("notifications", use: list)
        group.get("notifications/unread-count", use: unreadCount)
        group.get("notifications/stream", use: stream)
        group.post("notifications/read-all", use: readAll)
        group.post("notifications/{id}/read", use: read)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let q = request.uri.queryParameters
        var errors = FieldErrors()
        for (key, _) in q where !["unread", "before", "limit"].contains(String(key)) { errors.add(String(key), "is not a parameter of this list") }
        let unread = q.get("unread").map { $0 == "true" || $0 == "1" } ?? false
        if let u = q.get("unread"), !["true", "false", "1", "0"].contains(u) { errors.add("unread", "must be true or false") }
        let before = q.get("before").flatMap { Int($0) }
        if q.get("before") != nil, before == nil || before! < 1 { errors.add("before", "must be a notification's seq (a positive integer)") }
        let limit = q.get("limit").flatMap { Int($0) } ?? 50
        if !(1...200).contains(limit) { errors.add("limit", "must be from 1 to 200") }
        try errors.check()
        let items = try await store.list(userID: principal.userID, unreadOnly: unread, before: before, limit: limit)
        let unreadCount = try await store.unreadCount(userID: principal.userID)
        return .json(
            .object([
                ("items", .array(items.map(\.json))), ("unread_count", .int(Int64(unreadCount))),
                ("next_before", items.count == limit ? .int(Int64(items.last!.seq)) : .null),
            ]))
    }

    @Sendable func unreadCount(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        return .json(.object([("unread_count", .int(Int64(try await store.unreadCount(userID: principal.userID))))]))
    }

    @Sendable func read(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let id = try context.parameters.uuid("id", resource: "notification")
        return .json(try await store.markRead(id: id, userID: principal.userID).json)
    }

    @Sendable func readAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        let marked = try await store.markAllRead(userID: principal.userID)
        return .json(.object([("marked_read", .int(Int64(marked))), ("unread_count", 0)]))
    }

    /// What wakes a stream: new notifications (or 15 s of nothing), or changes of tasks.
    enum StreamInput: Sendable {
        case notifications
        case idle
        case changes([Change])
    }

    /// The live stream. Without `Last-Event-ID` it starts with what is new from now on; every
    /// event is `event: notification`, `id: <seq>`, `data: <the notification>`; `event: unread`
    /// carries the unread count whenever it changes; `event: task` (no id: a hint, not kept)
    /// announces a change of a task the person can see — theirs or in a project shared with
    /// them — by anyone, so open pages reload what changed; a comment every 15 s keeps proxies
    /// from closing an idle stream. It ends when the client goes or the server shuts down.
    @Sendable func stream(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        let userID = principal.userID
        let start: Int
        if let header = request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let seq = Int(header.trimmingOWS()), seq >= 0 else {
                throw TodoError.invalid("Last-Event-ID", "must be the id of an event this stream sent")
            }
            start = seq
        } else {
            start = try await store.list(userID: userID, unreadOnly: false, before: nil, limit: 1).first?.seq ?? 0
        }
        let store = self.store
        let wakeup = db.signals[.notifications]
        let feed = changes
        let projects = ProjectStore(db: db)
        let body = ResponseBody { writer in
            var last = start
            var unread = -1
            try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
            let (inputs, input) = AsyncStream<StreamInput>.makeStream(bufferingPolicy: .bufferingNewest(64))
            let producers = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        var seen = wakeup.generation
                        input.yield(.notifications)
                        while !Task.isCancelled && !Task.isShuttingDownGracefully {
                            await wakeup.wait(since: seen, timeout: .seconds(15))
                            let now = wakeup.generation
                            input.yield(now == seen ? .idle : .notifications)
                            seen = now
                        }
                        input.finish()
                    }
                    group.addTask { for await batch in feed.subscribe() { input.yield(.changes(batch)) } }
                }
            }
            defer { producers.cancel() }
            let me = userID.lowercased
            var shared = try await projects.sharedProjectIDs(userID: userID)
            var sharedAt = ContinuousClock.now
            for await next in inputs {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                switch next {
                case .idle: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                case .notifications:
                    while true {
                        let fresh = try await store.since(userID: userID, seq: last)
                        for n in fresh {
                            try await writer.write(ByteBuffer(string: "id: \(n.seq)\nevent: notification\ndata: \(n.json.serialized())\n\n"))
                            last = n.seq
                        }
                        if fresh.count < 100 { break }
                    }
                    let count = try await store.unreadCount(userID: userID)
                    if count != unread {
                        unread = count
                        try await writer.write(ByteBuffer(string: "event: unread\ndata: {\"unread_count\":\(count)}\n\n"))
                    }
                case .changes(let batch):
                    // Memberships change rarely: read again when one involves this person, or after 30 s.
                    if batch.contains(where: { $0.memberID == userID }) || ContinuousClock.now - sharedAt > .seconds(30) {
                        shared = try await projects.sharedProjectIDs(userID: userID)
                        sharedAt = ContinuousClock.now
                    }
                    for change in batch where change.holder == me || change.projectID.map(shared.contains) == true {
                        try await writer.write(ByteBuffer(string: "event: task\ndata: \(change.json.serialized())\n\n"))
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }
}
