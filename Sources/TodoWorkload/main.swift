import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TodoApp
import TodoStore
import TodoTesting

// A fixed in-process workload whose instruction count is the CI's performance check
// (`scripts/check-instructions.sh` runs it under `valgrind --tool=callgrind`): through the router
// of a backend on SQLite, one person creates COUNT tasks (tags, a due, every third with a
// reminder), lists a filtered and sorted page of 50 COUNT times, and gets one task COUNT times.
// No network, no clock-dependent work, nothing random: the count moves only when the code does.
//   TodoWorkload [COUNT]   (default 200)

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200
let logger: Logger = {
    var logger = Logger(label: "workload")
    logger.logLevel = .critical
    return logger
}()

/// A request through the router; stops the workload on anything but the expected status.
func send(
    _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil,
    expect: HTTPResponse.Status
) async throws -> String {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let token { headers[.authorization] = "Bearer \(token)" }
    return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
        let text = String(buffer: response.body)
        guard response.status == expect else { fatalError("\(method) \(uri): \(response.status) \(text)") }
        return text
    }
}

/// The value of a top-level string member of a JSON text (the workload's own answers only).
func member(_ name: String, of json: String) -> String {
    guard let key = json.range(of: "\"\(name)\":\""), let end = json[key.upperBound...].firstIndex(of: "\"") else {
        fatalError("no \(name) in \(json)")
    }
    return String(json[key.upperBound..<end])
}

/// The workload. `main` runs it on `MainThreadExecutor`, not on the cooperative pool: valgrind
/// 3.19 cannot follow a top-level `await` (the main thread ends in `dispatch_main`, whose
/// `rt_sigsuspend` it cannot emulate), and a task on the global executor never started under it
/// while the main thread waited.
func workload() async throws {
    try await TestDatabase.sqlite.with { db in
        var config = AppConfiguration()
        config.jwtKeys = [(kid: "k1", secret: "workload-secret-0123456789abcdef-0123456789")]
        config.bcryptCost = 4
        let services = await AppServices(config: config, db: db, logger: logger)
        // The router alone: no background worker runs on its own schedule (that would make the count
        // depend on timing); the sequencer's share of a write is run below, once, at a fixed point.
        let app = Application(router: buildRouter(services, role: .backend), logger: logger)
        try await app.test(.router) { client in
            let account = #"{"email": "w@example.com", "password": "correct horse", "time_zone": "Europe/Berlin""#
            _ = try await send(client, .post, "/api/v1/auth/signup", body: account + #", "display_name": "W"}"#, expect: .created)
            let token = member("access_token", of: try await send(client, .post, "/api/v1/auth/login", body: account + "}", expect: .ok))
            var ids: [String] = []
            for i in 0..<count {
                let reminder = i % 3 == 0 ? #", "reminders": [{"before": "PT15M"}]"# : ""
                let body = """
                    {"title": "Task \(i)", "priority": "\(["low", "medium", "high", "urgent"][i % 4])", "tags": ["work", "q\(i % 4)"],
                     "due": {"date_time": "2030-\(String(format: "%02d", i % 12 + 1))-\(String(format: "%02d", i % 28 + 1))T09:00"}\(reminder)}
                    """
                ids.append(member("id", of: try await send(client, .post, "/api/v1/tasks", token: token, body: body, expect: .created)))
            }
            while try await EventLog(db: db).sequence() > 0 {}
            for _ in 0..<count {
                _ = try await send(client, .get, "/api/v1/tasks?priority=high&priority=urgent&sort=-due&limit=50", token: token, expect: .ok)
            }
            for i in 0..<count { _ = try await send(client, .get, "/api/v1/tasks/\(ids[i])", token: token, expect: .ok) }
        }
    }
}

/// Runs the jobs of tasks that prefer it on the main thread, one at a time, until told to stop.
/// Child tasks inherit the preference, and default actors run their jobs on it too, so the
/// whole workload is one thread's instruction stream (the database's dispatch queue aside).
final class MainThreadExecutor: TaskExecutor, @unchecked Sendable {
    private var jobs: [UnownedJob] = []
    private var stopped = false
    private let condition = NSCondition()

    func enqueue(_ job: UnownedJob) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

let executor = MainThreadExecutor()
nonisolated(unsafe) var failure: (any Error)?
Task(executorPreference: executor) {
    do { try await workload() } catch { failure = error }
    executor.stop()
}
executor.run()
if let failure { fatalError("workload failed: \(failure)") }
print("workload done: \(count) creates, \(count) lists, \(count) gets")
