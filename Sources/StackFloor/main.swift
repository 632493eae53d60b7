import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Synchronization

// The floor under Todo's API on PostgreSQL: Hummingbird and postgres-nio alone, with none of
// Todo's code. `GET /api/v1/tasks/{id}` reads one task with one prepared statement on a pooled
// connection and answers it as JSON, or 404; `GET /health` answers without the database. No
// sign-in, no middleware, no logging per request. `bench/floor.sh` serves the same requests from
// this and from `todo backend` on one database and compares their CPU per request: what Todo adds
// to a read, and what the two libraries cost on their own. Both reads send Todo's statements for
// the person named by the bearer token's `sub` (read, not verified), decode every column and
// write the rows out: the get by id and owner, and `GET /api/v1/tasks` the bench's list (51 rows
// of 22 columns; bench/pgbench-list.sql).
//   StackFloor PORT DATABASE_URL [CONNECTIONS]   (the pool's size; default 20, as Todo's by default)

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[1]), let url = URLComponents(string: arguments[2]), let host = url.host
else {
    FileHandle.standardError.write(Data("usage: StackFloor PORT DATABASE_URL [CONNECTIONS]\n".utf8))
    exit(2)
}
var logger = Logger(label: "floor")
logger.logLevel = .error

var config = PostgresClient.Configuration(
    host: host, port: url.port ?? 5432, username: url.user ?? "postgres", password: url.password,
    database: String(url.path.dropFirst()), tls: .disable)
config.options.maximumConnections = arguments.count > 3 ? Int(arguments[3]) ?? 20 : 20
let client = PostgresClient(configuration: config, backgroundLogger: logger)

/// The columns Todo reads for a task (`TaskStore.readColumns`): the row, its tags as
/// `position:name` pairs and whether it has reminders.
let taskColumns = """
    t.id, t.user_id, t.title, t.description, t.priority, t.due_at, t.overdue_at, t.due_date, t.due_local, t.due_tz,
    t.completed_at, t.skipped_at, t.recurrence_rule, t.recurrence_anchor, t.series_id, t.occurrence_index, t.created_at,
    t.updated_at, t.version, (SELECT string_agg(CAST(tt.position AS TEXT) || ':' || g.name, ' ') FROM task_tags tt
    JOIN tags g ON g.id = tt.tag_id WHERE tt.task_id = t.id) AS tag_list,
    CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.task_id = t.id) THEN 1 ELSE 0 END AS has_reminders
    """

/// A row of `taskColumns` (the list's has its sort key before the last two): every column
/// decoded to its type, then written as one JSON object.
func taskJSON(_ row: PostgresRow, tagsAt tags: Int) throws -> String {
    let r = row.makeRandomAccess()
    let id = try r[0].decode(UUID.self)
    let title = try r[2].decode(String.self)
    let description = try r[3].decode(String.self)
    let priority = try r[4].decode(Int16.self)
    let due = try r[5].decode(Date?.self)
    _ = try (r[6].decode(Date?.self), r[7].decode(String?.self), r[8].decode(String?.self), r[9].decode(String?.self))
    _ = try (r[10].decode(Date?.self), r[11].decode(Date?.self), r[12].decode(String?.self), r[13].decode(String?.self))
    _ = try (r[14].decode(UUID?.self), r[15].decode(Int32?.self))
    if tags == 20 { _ = try r[19].decode(Date.self) }  // the list's sort key
    let created = try r[16].decode(Date.self)
    let updated = try r[17].decode(Date.self)
    let version = try r[18].decode(Int32.self)
    let tagList = try r[tags].decode(String?.self) ?? ""
    let reminders = try r[tags + 1].decode(Int32.self)
    return #"{"id":"\#(id)","title":"\#(title)","description":"\#(description)","priority":\#(priority),"#
        + #""due":"\#(due.map { "\($0.timeIntervalSince1970)" } ?? "")","created_at":"\#(created.timeIntervalSince1970)","#
        + #""updated_at":"\#(updated.timeIntervalSince1970)","version":\#(version),"tags":"\#(tagList)","reminders":\#(reminders)}"#
}

/// One task by id and owner, as Todo's get reads it.
struct TaskByID: PostgresPreparedStatement {
    static let sql = "SELECT \(taskColumns) FROM tasks t WHERE t.id = $1 AND t.user_id = $2"
    typealias Row = String
    var id: UUID
    var user: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        bindings.append(user)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try taskJSON(row, tagsAt: 19) }
}

/// The bench's list (`priority=high&priority=urgent&sort=-due&limit=50`), as Todo sends it.
struct ListPage: PostgresPreparedStatement {
    static let sql = """
        SELECT t.*, (SELECT string_agg(CAST(tt.position AS TEXT) || ':' || g.name, ' ') FROM task_tags tt
        JOIN tags g ON g.id = tt.tag_id WHERE tt.task_id = t.id) AS tag_list,
        CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.task_id = t.id) THEN 1 ELSE 0 END AS has_reminders FROM (
        SELECT * FROM (SELECT t.id, t.user_id, t.title, t.description, t.priority, t.due_at, t.overdue_at, t.due_date,
        t.due_local, t.due_tz, t.completed_at, t.skipped_at, t.recurrence_rule, t.recurrence_anchor, t.series_id,
        t.occurrence_index, t.created_at, t.updated_at, t.version, COALESCE(t.due_at, TIMESTAMPTZ '0001-01-01T00:00:00Z')
        AS sort_key FROM tasks t WHERE t.user_id = $1 AND t.completed_at IS NULL AND t.skipped_at IS NULL
        AND t.priority IN (3, 4)) x ORDER BY x.sort_key DESC, x.id DESC LIMIT 51) t ORDER BY t.sort_key DESC, t.id DESC
        """
    typealias Row = String
    var user: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(user)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try taskJSON(row, tagsAt: 20) }
}

/// Subjects of the bearer tokens seen so far: like Todo's cache of verified tokens, a token is
/// read once, not on every request.
let subjects = Mutex<[Substring: UUID]>([:])

/// The `sub` claim of a bearer JWT, unverified (the floor signs nobody in).
@Sendable func subject(of request: Request) -> UUID? {
    guard let token = request.headers[.authorization]?.split(separator: " ").last else { return nil }
    if let known = subjects.withLock({ $0[token] }) { return known }
    let parts = token.split(separator: ".")
    guard parts.count == 3 else { return nil }
    var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
    guard let data = Data(base64Encoded: payload), let text = String(data: data, encoding: .utf8),
        let start = text.range(of: #""sub":""#), let user = UUID(uuidString: String(text[start.upperBound...].prefix(36)))
    else { return nil }
    subjects.withLock { $0[token] = user }
    return user
}

let router = Router()
router.get("health") { _, _ in #"{"status":"ok"}"# }
router.get("api/v1/tasks/:id") { request, context -> Response in
    guard let user = subject(of: request) else { return Response(status: .unauthorized) }
    guard let id = context.parameters.get("id", as: UUID.self) else { return Response(status: .badRequest) }
    for try await json in try await client.execute(TaskByID(id: id, user: user), logger: logger) {
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
    return Response(status: .notFound)
}
router.get("api/v1/tasks") { request, _ -> Response in
    guard let user = subject(of: request) else { return Response(status: .unauthorized) }
    var items: [String] = []
    for try await item in try await client.execute(ListPage(user: user), logger: logger) { items.append(item) }
    let page = #"{"items":["# + items.prefix(50).joined(separator: ",") + #"],"next_cursor":null}"#
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: page)))
}
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), services: [client], logger: logger)
try await app.runService()
