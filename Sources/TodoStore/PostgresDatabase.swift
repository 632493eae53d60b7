import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TodoCore
import _ConnectionPoolModule

/// PostgreSQL through postgres-nio's `PostgresClient` (a connection pool). The client must be
/// running (`run()`, as a service) for queries to go through.
public struct PostgresDatabase: SQLDatabase {
    public let dialect = SQLDialect.postgres
    public let client: PostgresClient
    public let signals = DatabaseSignals()
    let logger: Logger
    let gate: ConnectionGate
    let outages: OutageLog
    /// How long a caller waits for the pool to make a connection (the server is restarting or
    /// down) before it gets `DatabaseUnavailable`.
    let connectWait: Duration
    /// The statements sent named, so that a connection parses and plans each once.
    public let statements: PreparedStatements

    /// `maxConnections` is the client's `maximumConnections`: one is left to the notification
    /// listener, which holds its connection for good; the others are leased through the gate,
    /// waiting at most `poolTimeout` for a permit and as long again for the pool to connect.
    public init(
        client: PostgresClient, logger: Logger, maxConnections: Int = 20, poolTimeout: Duration = .seconds(5),
        statements: PreparedStatements = PreparedStatements()
    ) {
        self.client = client
        self.statements = statements
        self.logger = logger
        gate = ConnectionGate(limit: max(1, maxConnections - 1), timeout: poolTimeout)
        outages = OutageLog(logger: logger)
        connectWait = poolTimeout
    }

    /// A pooled connection for `body`, through the gate (bounded wait, pool metrics). Failures
    /// that mean the database is unreachable or the session was lost become
    /// `DatabaseUnavailable` (logged once per outage); anything else is the body's own error.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await observingOutages { try await gate.withPermit { try await lease(body) } }
    }

    /// Runs `work`, telling `outages` how it went, and turns a failure that means the database is
    /// unavailable into `DatabaseUnavailable`.
    func observingOutages<T>(_ work: () async throws -> T) async throws -> T {
        do {
            let result = try await work()
            outages.succeeded()
            return result
        } catch {
            guard Self.unavailable(error) else { throw error }
            let unavailable = (error as? DatabaseUnavailable) ?? DatabaseUnavailable(cause: error)
            outages.failed(unavailable)
            throw unavailable
        }
    }

    /// Runs `body` on a leased connection, waiting at most `wait` for one. postgres-nio queues a
    /// lease while it cannot connect until its circuit breaker trips, a full minute later: a
    /// request would hang that long while the server restarts, /health/ready would keep its last
    /// answer, and a service waiting on it would hold SIGTERM up. So a child task holds the lease
    /// and hands the connection over, and the wait can be given up — cancelling only the lease
    /// request, never a transaction in progress. The wait also ends at graceful shutdown while
    /// the database is known to be down (it is not cut short otherwise: a service finishing its
    /// work at shutdown still gets its connection). A connection the pool hands out already
    /// closed (the server ended it while it was idle, or just now under a transaction of ours)
    /// goes back and another is leased after a moment — the pool hears of the close on its event
    /// loop, and until then hands the same one out again. Nothing was sent on it.
    func lease<T>(wait: Duration? = nil, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let wait = wait ?? connectWait
        for attempt in 1...Self.closedConnectionRetries {
            if attempt > 1 { try await Task.sleep(for: .milliseconds(5 << (attempt - 2))) }
            let handoff = LeaseHandoff()
            let (client, outages) = (self.client, self.outages)
            let result: T? = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await client.withConnection { conn in
                            handoff.deliver(conn)
                            await handoff.released()
                        }
                    } catch { handoff.fail(error) }
                }
                // The timer is a `Deadline` rather than a sleeping task: this runs for every
                // transaction, and a task per lease more cost ~10 % of a read's throughput.
                let timer = Deadline(after: wait) { handoff.expire() }
                defer {
                    timer.cancel()
                    handoff.release()
                    group.cancelAll()
                }
                let outcome = await withGracefulShutdownHandler {
                    await handoff.outcome()
                } onGracefulShutdown: {
                    if outages.isFailing { handoff.expire() }
                }
                switch outcome {
                case .failed(let error): throw error
                case .timedOut:
                    throw DatabaseUnavailable(cause: NoConnection(waited: wait, shuttingDown: Task.isShuttingDownGracefully))
                case .connection(let conn):
                    if conn.isClosed && attempt < Self.closedConnectionRetries { return nil }
                    return try await body(conn)
                }
            }
            if let result { return result }
        }
        throw DatabaseUnavailable(cause: ConnectionLost())
    }

    /// How long an idle pooled connection stays open.
    static let idleTimeout: Duration = .seconds(3)

    /// This process's `application_name` on every session: `todo-<host>-<pid>` (≤ 63 bytes).
    public static let applicationName: String = {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return String("todo-\(host.prefix(40))-\(ProcessInfo.processInfo.processIdentifier)".prefix(63))
    }()

    /// This process's sessions on the server: (open, idle), from pg_stat_activity.
    public func sessionCounts() async throws -> (open: Int, idle: Int) {
        try await read { conn in
            let row = try await conn.first(
                """
                SELECT COUNT(*) AS open, COUNT(*) FILTER (WHERE state = 'idle') AS idle
                FROM pg_stat_activity WHERE application_name = \(Self.applicationName)
                """)!
            return (try row.int("open"), try row.int("idle"))
        }
    }

    /// A client configured from a `postgres://user:password@host:port/db?sslmode=…` URL, holding at
    /// most `maxConnections` (the same number the database's gate is made with).
    public static func makeClient(url: String, maxConnections: Int, logger: Logger) throws -> PostgresClient {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme), let host = components.host, !host.isEmpty
        else { throw ConfigurationError("DATABASE_URL must look like postgres://user:password@host:5432/database") }
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var config = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()).nonEmpty, tls: tls)
        config.options.maximumConnections = max(1, maxConnections)
        config.options.minimumConnections = 0
        config.options.connectTimeout = .seconds(5)
        // The pool starts an idle timer and a keep-alive timer (`Task.sleep`) each time a
        // connection is handed back, and cancels them at the next lease; a cancelled sleep keeps
        // its dispatch timer and task until its deadline, so memory grew with the rate of
        // transactions times these durations (idle 60 s and keep-alive 30 s by default). The idle
        // timeout is 3 s: a connection idle that long is closed, and the next burst opens it
        // again (a few ms). With no minimum of connections an idle one is closed long before a
        // keep-alive ping would be due, so there is none. (`todo backend` under load: 186 MB with
        // the defaults and the earlier wait timers, 62 MB now; docs/BENCHMARKS.md.)
        config.options.keepAliveBehavior = nil
        config.options.connectionIdleTimeout = Self.idleTimeout
        // A process that stalls inside a transaction (a frozen pod, a stopped process) must not
        // hold its locks — the log sequencer's advisory lock, row locks on leases — for ever:
        // the server ends such a session after 10 s and the others carry on.
        // application_name tells this process's sessions apart in pg_stat_activity: operators
        // see who holds what, and /metrics counts its open and idle connections there.
        config.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", "10s"), ("application_name", Self.applicationName),
        ]
        return PostgresClient(configuration: config, backgroundLogger: logger)
    }

    public func write<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T {
        try await withConnection { conn in
            let pending = PendingSignals()
            let c = Connection(conn: conn, logger: logger, statements: statements, pending: pending)
            try await c.execute("BEGIN")
            do {
                let result = try await body(c)
                // One NOTIFY per channel per transaction (delivered at commit), however many
                // events it appended — unless a statement carried it already.
                let channels = pending.channels.sorted { $0.rawValue < $1.rawValue }
                if !channels.isEmpty {
                    try await c.execute("SELECT \(raw: channels.map { "pg_notify('\($0.rawValue)', '')" }.joined(separator: ", "))")
                }
                try await c.execute("COMMIT")
                return result
            } catch {
                if !Self.sessionEnded(error) && !conn.isClosed { try? await c.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Whether `error` means the server session is gone (a FATAL error such as
    /// idle_in_transaction_session_timeout or pg_terminate_backend, or a lost connection): its
    /// transaction died with it, and nothing more may be sent on the connection (see
    /// `ConnectionLost`).
    static func sessionEnded(_ error: any Error) -> Bool {
        if error is ConnectionLost { return true }
        guard let e = error as? PSQLError else { return false }
        switch e.code {
        case .server: return ["FATAL", "PANIC"].contains(e.serverInfo?[.severity] ?? "")
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed: return true
        default: return false
        }
    }

    /// Leases of a connection found closed before giving up (5 + 10 + 20 + 40 + 80 ms between them).
    static let closedConnectionRetries = 6

    /// Whether `error` means the database is unreachable or the session was lost, rather than a
    /// fault of the statement: the session ended (`sessionEnded`), no connection could be made
    /// (refused, timed out, the pool's circuit breaker), or the server refused for a passing
    /// reason — SQLSTATE class 08 (connection exception), 57P01–57P03 (shutting down, crashed,
    /// starting up), 53300 (too many connections).
    static func unavailable(_ error: any Error) -> Bool {
        if error is DatabaseUnavailable || sessionEnded(error) { return true }
        if let e = error as? ConnectionPoolError { return e == .connectionCreationCircuitBreakerTripped }
        guard let e = error as? PSQLError else { return false }
        let state = e.serverInfo?[.sqlState] ?? ""
        return state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
    }

    public func read<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T {
        try await withConnection { conn in try await body(Connection(conn: conn, logger: logger, statements: statements, pending: nil)) }
    }

    /// Reachability (readiness): not through the gate — a busy pool is not a dead database — and
    /// waiting at most two seconds for a connection.
    public func ping() async throws {
        try await observingOutages {
            try await lease(wait: .seconds(2)) { conn in _ = try await conn.query("SELECT 1", logger: logger).collect() }
        }
    }

    public func close() async throws {}

    struct Connection: SQLConnection {
        var dialect: SQLDialect { .postgres }
        let conn: PostgresConnection
        let logger: Logger
        let statements: PreparedStatements
        let pending: PendingSignals?

        /// Sent as `NOTIFY` just before `COMMIT` (delivered at commit, to this process's listener
        /// too); outside a transaction at once.
        func notify(_ channel: SignalChannel) async throws {
            if let pending { pending.add(channel) } else { try await execute("SELECT pg_notify(\(channel.rawValue), '')") }
        }

        /// `WITH changed AS (statement) SELECT pg_notify(…)`: the statement runs in full (a
        /// data-changing WITH always does) and the NOTIFY, like any, is delivered at commit —
        /// and only once per channel however many statements of the transaction carry it.
        func execute(_ statement: SQLQuery, notifying channel: SignalChannel) async throws {
            try await execute("WITH changed AS (\(statement)) SELECT pg_notify(\(channel.rawValue), '')")
            pending?.sent(channel)
        }

        func query(_ query: SQLQuery) async throws -> [SQLRow] {
            let (sql, binds) = query.render(.postgres)
            var bindings = PostgresBindings(capacity: binds.count)
            for b in binds {
                switch b {
                case .null: bindings.appendNull()
                case .int(let i): bindings.append(i)
                case .double(let d): bindings.append(d)
                case .text(let s): bindings.append(s)
                case .bool(let v): bindings.append(v)
                case .date(let d): bindings.append(d)
                case .uuid(let u): bindings.append(u)
                }
            }
            // postgres-nio 1.33 drops the failure of a write to a closed channel, so a query sent
            // on a connection the server has closed is never answered: it would wait forever, and
            // with it the consumer, sequencer or ROLLBACK that sent it (seen after SIGSTOP/SIGCONT
            // past idle_in_transaction_session_timeout: a survivor that stopped consuming, a
            // process that ignored SIGTERM). Refuse instead; the caller's retry gets a new
            // connection from the pool.
            if conn.isClosed { throw ConnectionLost() }
            do {
                var result: [SQLRow] = []
                var columns: [String: Int]?
                let name = statements.name(sql: sql, types: binds.map(Self.dataType))
                try await conn.forEachRow(sql: sql, name: name, bindings: bindings, logger: logger) { row in
                    if columns == nil {
                        var map: [String: Int] = [:]
                        for (i, cell) in row.enumerated() where map[cell.columnName] == nil { map[cell.columnName] = i }
                        columns = map
                    }
                    result.append(SQLRow(columns: columns!, values: try row.map(Connection.value)))
                }
                return result
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw UniqueViolation(message: error.serverInfo?[.message] ?? "")
            }
        }

        /// The type `query` binds a value as (the statement's parameter type when it is prepared).
        static func dataType(_ value: SQLValue) -> PostgresDataType {
            switch value {
            case .null: .null
            case .int: .int8
            case .double: .float8
            case .text: .text
            case .bool: .bool
            case .date: .timestamptz
            case .uuid: .uuid
            }
        }

        static func value(_ cell: PostgresCell) throws -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
            case .float4, .float8: return .double(try cell.decode(Double.self))
            case .bool: return .bool(try cell.decode(Bool.self))
            case .timestamptz, .timestamp:
                // Stored values are whole milliseconds; rounding undoes the binary fraction's drift.
                let d = try cell.decode(Date.self)
                return .date(Date(timeIntervalSince1970: (d.timeIntervalSince1970 * 1000).rounded() / 1000))
            case .uuid: return .uuid(try cell.decode(UUID.self))
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}

/// A statement was not sent because its connection is closed (the server ended the session or
/// the network dropped it); the transaction, if any, is gone with it.
struct ConnectionLost: Error, CustomStringConvertible {
    var description: String { "the database connection is closed (the server ended the session)" }
}

/// No pooled connection could be had in time: the server is down or restarting (or the process
/// is shutting down while it is).
struct NoConnection: Error, CustomStringConvertible {
    let waited: Duration
    let shuttingDown: Bool
    var description: String {
        shuttingDown
            ? "no database connection (shutting down while the database is unavailable)" : "no database connection could be made within \(waited)"
    }
}

/// Configuration that cannot work; the process reports it and exits instead of starting.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
