import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

@main
struct Todo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "todo",
        abstract: "Todo: an event-driven task service.",
        subcommands: [
            Serve.self, Backend.self, Recurring.self, Notifier.self, Frontend.self, Migrate.self, Events.self, DLQ.self, BackupCommand.self,
            RestoreCommand.self, DoctorCommand.self, HealthCommand.self, AddCommand.self,
        ],
        defaultSubcommand: Serve.self)

    /// Logging is bootstrapped once, before any command runs (LOG_FORMAT, LOG_LEVEL).
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        do {
            LogOutput.bootstrap(
                format: try LogFormat.from(environment, isTerminal: isatty(STDERR_FILENO) == 1), level: try LogOutput.level(environment))
        } catch {
            FileHandle.standardError.write(Data("todo: \(error)\n".utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Flags shared by the server roles.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (env HOST).") var host: String?
    @Option(help: "Port to listen on (env PORT).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Directory of the SQLite database and generated keys (env TODO_DATA_DIR).")
    var dataDir: String?

    func configuration() throws -> AppConfiguration {
        var config = try AppConfiguration.fromEnvironment()
        if let host { config.host = host }
        if let port { config.port = port }
        if let dataDir { config.dataDirectory = dataDir }
        return config
    }
}

/// A logger for a command or role; its level and format come from the bootstrap in `main`.
func makeLogger(_ label: String) -> Logger { Logger(label: label) }

/// `todo serve`: every role in one process; SQLite unless DATABASE_URL is set; applies
/// migrations and generates a signing key on first start, so it works with no setup.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run everything in one process (the default).")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let logger = makeLogger("serve")
        var config = try options.configuration()
        if config.jwtKeys.isEmpty {
            config.jwtKeys = [try LocalSigningKey.loadOrCreate(in: config.dataDirectory, logger: logger)]
        }
        try await runServer(config: config, role: .all, logger: logger) { db in
            let applied = try await Migrator(db: db).migrate()
            if !applied.isEmpty { logger.info("Migrations applied", metadata: ["versions": "\(applied.map(\.version))"]) }
        }
    }
}

/// `todo backend`: the API role for production. Refuses to start without a configured signing key
/// or with migrations pending (run `todo migrate` first).
struct Backend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the REST API (port 8000).")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let logger = makeLogger("backend")
        let config = try options.configuration()
        guard !config.jwtKeys.isEmpty else {
            throw ConfigurationError("JWT_SECRET or JWT_SECRET_FILE must be set for todo backend")
        }
        try await runServer(config: config, role: .backend, logger: logger) { db in try await requireMigrated(db) }
    }
}

/// `todo recurring`: the recurring-task-service. Consumes `task-events` (group
/// `recurring-task-service`) and creates next occurrences; serves /health and /health/ready.
struct Recurring: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the recurring-task-service.")
    @OptionGroup var options: ServerOptions

    func run() async throws { try await runWorker(.recurring, options: options) }
}

/// `todo notifier`: the notification-service. Consumes `reminders` (group
/// `notification-service`): in-app notifications, and emails through SMTP with retries.
struct Notifier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the notification-service.")
    @OptionGroup var options: ServerOptions

    func run() async throws { try await runWorker(.notifier, options: options) }
}

/// `todo frontend`: the web origin (Kubernetes deployment `frontend`). No database: forwards
/// `/api/…` and `/openapi.json` to `BACKEND_URL` (default `http://backend:8000`); ready while the
/// backend is.
struct Frontend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web frontend (forwards the API to BACKEND_URL).")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        AppMetrics.bootstrap()
        let logger = makeLogger("frontend")
        let config = try options.configuration()
        let settings = try FrontendSettings.fromEnvironment()
        let readiness = backendReadiness(settings, logger: logger)
        var app = listeningApplication(router: buildFrontendRouter(settings, readiness: readiness), config: config, logger: logger)
        app.addServices(readiness)
        logger.info("Starting", metadata: ["role": "frontend", "backend": .string(settings.backendURL)])
        try await runDraining(app, readiness: readiness, config: config, logger: logger)
    }
}

/// `todo add "Pay rent every month on the 1st #bills !high"`: quick add through the API, with a
/// personal API token (`TODO_TOKEN`, scope tasks:write) against `TODO_URL`.
struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a task from one line of text (quick add), through the API.",
        discussion: "The words are read as dates, times, recurrence, reminders, #tags and !priority; the rest is the title (README: quick add).")
    @Option(help: "The server (env TODO_URL, default http://127.0.0.1:8000).") var url: String?
    @Option(help: "A personal API token (env TODO_TOKEN).") var token: String?
    @Flag(name: .customLong("dry-run"), help: "Only show what would be created.") var dryRun = false
    @Argument(help: "The task, e.g. \"Dentist tomorrow at 3pm remind me 15 minutes before\".") var words: [String]

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let token = token ?? env["TODO_TOKEN"], !token.isEmpty else {
            throw ValidationError("a personal API token is needed: --token or TODO_TOKEN (create one with POST /api/v1/tokens)")
        }
        let client = TodoAPIClient(baseURL: url ?? env["TODO_URL"] ?? "http://127.0.0.1:8000", token: token)
        let text = words.joined(separator: " ")
        do {
            let answer = try await client.post(dryRun ? "/api/v1/tasks/parse" : "/api/v1/tasks/quick", .object([("text", .string(text))]))
            print(describeQuickAdd(answer))
        } catch let failure as TodoAPIClient.Failure {
            FileHandle.standardError.write(Data("todo add: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `todo health`: exits 0 when the local server's /health answers 200 (the image's HEALTHCHECK).
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Exit 0 if the server on this machine answers /health.")
    @Option(help: "The URL to probe (default http://127.0.0.1:$PORT/health, PORT from the environment or 8000).") var url: String?

    func run() async throws {
        let port = ProcessInfo.processInfo.environment["PORT"] ?? "8000"
        let target = url ?? "http://127.0.0.1:\(port)/health"
        guard await probeHealth(url: target) else {
            FileHandle.standardError.write(Data("todo health: \(target) did not answer 200\n".utf8))
            throw ExitCode(1)
        }
        print("ok \(target)")
    }
}

/// A consumer role (`todo recurring`, `todo notifier`): needs migrations applied; signs no tokens,
/// so it needs no configured key.
func runWorker(_ role: Role, options: ServerOptions) async throws {
    var config = try options.configuration()
    if config.jwtKeys.isEmpty { config.jwtKeys = [(kid: "unused", secret: OpaqueToken.make())] }
    try await runServer(config: config, role: role, logger: makeLogger(role.rawValue)) { db in try await requireMigrated(db) }
}

/// `todo migrate`: applies pending migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await withDatabase(options, label: "migrate", migrated: false) { db in
            let applied = try await Migrator(db: db).migrate()
            makeLogger("migrate").info("Migrations applied", metadata: ["versions": "\(applied.map(\.version))"])
        }
    }

}

/// `todo backup --output FILE`: a consistent copy of the database the services use (same
/// `--data-dir` / `DATABASE_URL`); SQLite online, PostgreSQL through pg_dump.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Back up the database to a file.")
    @Option(name: .shortAndLong, help: "The file to write (must not exist).") var output: String
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let config = try options.configuration()
        let started = ContinuousClock.now
        if let url = config.databaseURL {
            try await DatabaseBackup.backupPostgres(url: url, to: output)
        } else {
            try DatabaseBackup.backupSQLite(databasePath: config.sqlitePath, to: output)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        makeLogger("backup").info(
            "Backup written", metadata: ["file": .string(output), "bytes": "\(size)", "took": "\(ContinuousClock.now - started)"])
    }
}

/// `todo restore FILE`: replaces the database's content with a backup's. Stop the services
/// first (scale the deployments to 0, or stop `todo serve`); start them after — `todo serve`
/// migrates an older backup, `todo backend` asks for `todo migrate`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore the database from a backup file.")
    @Argument(help: "A file written by todo backup.") var file: String
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let config = try options.configuration()
        if let url = config.databaseURL {
            try await DatabaseBackup.restorePostgres(from: file, url: url)
        } else {
            try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
            try DatabaseBackup.restoreSQLite(from: file, databasePath: config.sqlitePath)
        }
        makeLogger("restore").notice("Database restored; run todo doctor", metadata: ["file": .string(file)])
    }
}

/// `todo doctor`: integrity checks after an incident; exits 1 when any check finds something.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor", abstract: "Check the data for problems an incident can leave.")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        var problems = 0
        try await withDatabase(options, label: "doctor") { db in
            for finding in try await Doctor(db: db).run() {
                print("\(finding.count == 0 ? "ok  " : "FAIL") \(finding.check): \(finding.count)\(finding.count == 0 ? "" : " — \(finding.hint)")")
                if finding.count > 0 { problems += 1 }
            }
        }
        if problems > 0 { throw ExitCode(1) }
    }
}

/// Operator commands work on a database at the current schema; anything else is a clear error.
func requireMigrated(_ db: any SQLDatabase) async throws {
    let pending = try await Migrator(db: db).pending()
    if !pending.isEmpty {
        throw ConfigurationError("Migrations pending: \(pending.map { "\($0.version) \($0.name)" }); run todo migrate first")
    }
}

/// Opens the configured database for a one-shot command, runs `body` while the database's own
/// services (the PostgreSQL pool) run, and closes it. `migrated` refuses a database whose
/// migrations are pending, with a message that says so.
func withDatabase(_ options: ServerOptions, label: String, migrated: Bool = true, _ body: (any SQLDatabase) async throws -> Void) async throws {
    let (db, services) = try openDatabase(try options.configuration(), logger: makeLogger(label))
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services { group.addTask { try await service.run() } }
        defer { group.cancelAll() }
        // Let the client's run() start before the first lease (else postgres-nio warns once per
        // query that run() was not called yet; the query would still wait for it).
        try await Task.sleep(for: .milliseconds(20))
        if migrated { try await requireMigrated(db) }
        try await body(db)
    }
    try await db.close()
}

func runServer(config: AppConfiguration, role: Role, logger: Logger, prepare: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
    AppMetrics.bootstrap()
    let (db, dbServices) = try openDatabase(config, logger: logger)
    let services = await AppServices(config: config, db: db, logger: logger)
    let app = buildApplication(services, extraServices: dbServices, logger: logger, role: role) { try await prepare(db) }
    logger.info(
        "Starting", metadata: ["role": .string(role.rawValue), "database": .string(config.databaseURL == nil ? "sqlite" : "postgres")])
    try await runDraining(app, readiness: services.readiness, config: config, logger: logger)
}

/// Runs a role's application until SIGTERM/SIGINT, draining first (`DrainOnShutdown`, `SHUTDOWN_DELAY`).
/// The process exits within `SHUTDOWN_DELAY` + 10 s of the signal, whatever state it is in: past
/// `SHUTDOWN_DELAY` + 8 s the services still running are cancelled (every wait in them ends on
/// cancellation), and the drain's watchdog ends the process at + 10 s if even that did not do it.
func runDraining(_ app: some ApplicationProtocol, readiness: ReadinessProbe, config: AppConfiguration, logger: Logger) async throws {
    let delay = Duration.milliseconds(Int64(config.shutdownDelay * 1000))
    let drain = DrainOnShutdown(probe: readiness, delay: delay, logger: logger)
    var configuration = ServiceGroupConfiguration(services: [app, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = delay + .seconds(8)
    try await ServiceGroup(configuration: configuration).run()
}

/// The signing key `todo serve` makes for itself when no JWT_SECRET is set, kept in the data
/// directory (mode 0600) so sessions survive restarts.
enum LocalSigningKey {
    static func loadOrCreate(in directory: String, logger: Logger) throws -> (kid: String, secret: String) {
        let path = directory + "/jwt-secret"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let data = FileManager.default.contents(atPath: path) {
            let keys = try AppConfiguration.parseJWTKeys(String(decoding: data, as: UTF8.self))
            logger.info("Using the signing key kept in the data directory", metadata: ["path": .string(path)])
            return keys[0]
        }
        let kid = "local-" + String(Int(Date().timeIntervalSince1970))
        let secret = OpaqueToken.make()
        guard FileManager.default.createFile(atPath: path, contents: Data("\(kid):\(secret)\n".utf8), attributes: [.posixPermissions: 0o600])
        else { throw ConfigurationError("cannot write \(path)") }
        logger.notice(
            "JWT_SECRET is not set: generated a signing key and saved it in the data directory",
            metadata: ["path": .string(path), "kid": .string(kid)])
        return (kid, secret)
    }
}

/// `todo events …`: operator commands on the event log, in the spirit of kafka-consumer-groups.sh.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect the event log.", subcommands: [Tail.self, Lag.self, Members.self, Reset.self])

    /// `todo events lag [--group G]`: per group, topic and partition, like kafka-consumer-groups.sh --describe.
    struct Lag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show consumer lag per group, topic and partition.")
        @OptionGroup var options: ServerOptions
        @Option(help: "Only this consumer group.") var group: String?

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                let rows = try await EventLog(db: db).lag(group: group)
                print("GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID OLDEST-UNCONSUMED-AGE")
                for r in rows {
                    let age = r.oldestUnconsumedAge.map { String(format: "%.1fs", $0) } ?? "-"
                    print("\(r.group) \(r.topic) \(r.partition) \(r.currentOffset) \(r.logEndOffset) \(r.lag) \(r.owner ?? "-") \(age)")
                }
            }
        }

    }

    /// `todo events members [--group G]`: who consumes which partitions now.
    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the live members of each consumer group and their partitions.")
        @OptionGroup var options: ServerOptions
        @Option(help: "Only this consumer group.") var group: String?

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                print("GROUP TOPIC CONSUMER-ID #PARTITIONS ASSIGNMENT")
                for m in try await GroupMembership.members(group: group, db: db) {
                    let assignment = m.partitions.isEmpty ? "-" : m.partitions.map(String.init).joined(separator: ",")
                    print("\(m.group) \(m.topic) \(m.member) \(m.partitions.count) \(assignment)")
                }
            }
        }
    }

    /// `todo events reset --group G --topic T --to-earliest | --to-datetime 2025-12-31T10:00:00.000`.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a consumer group's offsets (events are then processed again; handlers are idempotent).")
        @OptionGroup var options: ServerOptions
        @Option(help: "Consumer group.") var group: String
        @Option(help: "Topic.") var topic: String
        @Flag(name: .customLong("to-earliest"), help: "Replay everything still in the log.") var toEarliest = false
        @Option(name: .customLong("to-datetime"), help: "First event written at or after this UTC time (2025-12-31T10:00:00.000).")
        var toDatetime: String?

        func validate() throws {
            guard toEarliest != (toDatetime != nil) else { throw ValidationError("give exactly one of --to-earliest and --to-datetime") }
            if let t = toDatetime, Self.parse(t) == nil { throw ValidationError("--to-datetime must look like 2025-12-31T10:00:00.000") }
        }

        /// kafka-consumer-groups.sh's form (no zone: UTC), or RFC 3339.
        static func parse(_ text: String) -> Date? {
            Timestamp.parse(text) ?? Timestamp.parse(text + "Z") ?? Timestamp.parse(text + ":00Z")
        }

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                let target: EventLog.ResetTarget = toEarliest ? .earliest : .datetime(Self.parse(toDatetime!)!)
                let offsets = try await EventLog(db: db).reset(group: group, topic: topic, to: target)
                print("GROUP TOPIC PARTITION NEW-OFFSET")
                for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) { print("\(group) \(topic) \(partition) \(offset)") }
            }
        }

    }

    /// `todo events tail --topic T [--limit N]`: the latest events, one CloudEvent JSON per line.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the latest events of a topic, one CloudEvent per line.")
        @OptionGroup var options: ServerOptions
        @Option(help: "Topic (task-events, reminders, …).") var topic: String
        @Option(help: "How many of the latest events.") var limit: Int = 20

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        }

        func run() async throws {
            try await withDatabase(options, label: "events") { db in
                for line in try await EventLogReader(db: db).tail(topic: topic, limit: limit) { print(line) }
            }
        }

    }
}

/// `todo dlq list|retry --topic reminders-dlq`: the dead letters, and putting them back (the same
/// as the admin API's `GET /api/admin/dlq` and `POST /api/admin/retry-dlq`).
struct DLQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List or retry dead letters.", subcommands: [List.self, Retry.self])

    static func validate(_ topic: String) throws {
        guard DeadLetterStore.sourceTopic(topic) != nil else { throw ValidationError("--topic must be a DLQ topic such as reminders-dlq") }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the waiting dead letters, one JSON object per line.")
        @OptionGroup var options: ServerOptions
        @Option(help: "reminders-dlq or task-events-dlq.") var topic: String
        @Option(help: "At most this many.") var limit: Int = 100

        func validate() throws {
            try DLQ.validate(topic)
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        }

        func run() async throws {
            try await withDatabase(options, label: "dlq") { db in
                for letter in try await DeadLetterStore(db: db).list(dlq: topic, limit: limit) { print(letter.json.serialized()) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put dead letters back: deliveries are tried again, events reprocessed once.")
        @OptionGroup var options: ServerOptions
        @Option(help: "reminders-dlq or task-events-dlq.") var topic: String
        @Option(name: .customLong("max-count"), help: "At most this many, oldest first.") var maxCount: Int = 100

        func validate() throws {
            try DLQ.validate(topic)
            guard (1...100_000).contains(maxCount) else { throw ValidationError("--max-count must be from 1 to 100000") }
        }

        func run() async throws {
            try await withDatabase(options, label: "dlq") { db in
                let n = try await DeadLetterStore(db: db).retry(dlq: topic, maxCount: maxCount)
                print("requeued \(n) from \(topic)")
            }
        }
    }
}

