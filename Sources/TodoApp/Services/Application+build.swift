import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TodoCore
import TodoEvents
import TodoNotify
import TodoStore

/// What a process runs. Every role serves `/health` and `/health/ready` on the same port.
public enum Role: String, Sendable {
    /// `todo serve`: the API and every worker in one process.
    case all = "serve"
    /// `todo backend`: the REST API.
    case backend
    /// `todo recurring`: the recurring-task-service (consumer group `recurring-task-service`).
    case recurring = "recurring-task-service"
    /// `todo notifier`: the notification-service (consumer group `notification-service`).
    case notifier = "notification-service"
    /// `todo webhooks`: webhook deliveries (consumer group `webhooks` and the delivery worker).
    case webhooks

    var servesAPI: Bool { self == .all || self == .backend }
    var runsRecurring: Bool { self == .all || self == .recurring }
    var runsNotifier: Bool { self == .all || self == .notifier }
    var runsWebhooks: Bool { self == .all || self == .webhooks }
    /// The reminder scheduler runs with the API (several backend replicas are safe).
    var runsScheduler: Bool { servesAPI }
}

/// The parts every route uses, built once per process.
public struct AppServices: Sendable {
    public var config: AppConfiguration
    public var db: any SQLDatabase
    public var tasks: TaskStore
    public var projects: ProjectStore
    public var filters: FilterStore
    /// The one tail of task changes the live streams share.
    public let changes: ChangeFeed
    /// People's time zones, remembered briefly (`TimeZoneCache`).
    let zones = TimeZoneCache()
    public var accounts: AccountStore
    public var idempotency: IdempotencyStore
    public var tokens: TokenIssuer
    public var passwords: PasswordHasher
    public var loginLimiter: LoginRateLimiter
    public var readiness: ReadinessProbe
    /// The email channel; nil when SMTP is not configured.
    public var email: (any EmailSender)?
    /// Where this process's server listens, once it does (the MCP tools call the API there).
    public let listener = LocalListener()

    public init(config: AppConfiguration, db: any SQLDatabase, logger: Logger) async {
        self.config = config
        self.db = db
        tasks = TaskStore(db: db)
        projects = ProjectStore(db: db)
        filters = FilterStore(db: db)
        changes = ChangeFeed(db: db)
        accounts = AccountStore(db: db)
        idempotency = IdempotencyStore(db: db)
        tokens = await TokenIssuer(keys: config.jwtKeys, lifetime: config.accessTokenLifetime)
        passwords = PasswordHasher(cost: config.bcryptCost)
        loginLimiter = LoginRateLimiter(
            burstPerEmail: config.loginBurstPerEmail, burstPerAddress: config.loginBurstPerAddress, window: config.loginWindow)
        readiness = ReadinessProbe(db: db, logger: logger)
        if let smtp = config.smtp {
            do {
                email = try SMTPClient(settings: smtp, logger: logger)
            } catch {
                logger.error("Email channel off: the SMTP TLS settings cannot be used", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension AppServices {
    /// The person's time zone, which all-day dues, date-only filters and the views' days are read
    /// in (remembered briefly: `TimeZoneCache`). Validated when the account stored it; a zone a
    /// later tz database dropped reads as UTC.
    func timeZone(of userID: UUID) async throws -> TimeZoneID {
        try await zones.zone(of: userID) { try await accounts.user(id: userID)?.timeZone ?? .utc }
    }

    /// Sets on `query` the saved filter its `filter=` names, parsed in `zone` at `now` (the same
    /// for the API's list and the web page's first page); `notFound` for another person's.
    func applySavedFilter(to query: inout TaskQuery, userID: UUID, zone: TimeZoneID, now: Date) async throws {
        guard let id = query.savedFilterID else { return }
        let saved = try await filters.get(id: id, userID: userID)
        query.filter = try TaskFilter.parse(saved.query, zone: zone, now: now, field: "filter")
    }
}

/// Opens the configured database: PostgreSQL when `databaseURL` is set (its client is a service
/// that must run), otherwise the SQLite file `todo.sqlite` in the data directory.
public func openDatabase(_ config: AppConfiguration, logger: Logger) throws -> (any SQLDatabase, [any Service]) {
    if let url = config.databaseURL {
        let client = try PostgresDatabase.makeClient(url: url, maxConnections: config.maxConnections, logger: logger)
        let db = PostgresDatabase(
            client: client, logger: logger, maxConnections: config.maxConnections, poolTimeout: config.poolTimeout,
            statements: PreparedStatements(limit: config.preparedStatements))
        return (db, [client])
    }
    try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
    return (try SQLiteDatabase(path: config.sqlitePath), [])
}

/// All routes of a role: health for every role, the API where the role serves it.
public func buildRouter(_ services: AppServices, role: Role = .backend) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: TraceContextMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ProblemMiddleware())
    HealthRoutes(probe: services.readiness, service: role.rawValue).add(to: router)
    MetricsRoutes(db: services.db, dapr: services.config.eventTransport == .dapr).add(to: router)
    if services.config.eventTransport == .dapr {
        DaprRoutes(subscriber: daprSubscriber(services, role: role), appAPIToken: services.config.dapr.appAPIToken).add(to: router)
    }
    guard role.servesAPI else { return router }
    WebRoutes(services: services).add(to: router)
    OpenAPIRoutes().add(to: router)
    CalendarRoutes(services: services).addPublic(to: router)
    if let token = services.config.adminToken {
        AdminRoutes(store: DeadLetterStore(db: services.db), token: token).add(to: router)
    }
    let api = router.group("api/v1")
    AccountRoutes(services: services).addPublic(to: api.group("auth"))
    let authenticated = api.group()
        .add(middleware: AuthMiddleware(tokens: services.tokens, accounts: services.accounts))
        .add(middleware: IdempotencyMiddleware(store: services.idempotency))
    AccountRoutes(services: services).addAuthenticated(to: authenticated)
    TokenRoutes(services: services).add(to: authenticated)
    TaskRoutes(services: services).add(to: authenticated)
    ProjectRoutes(services: services).add(to: authenticated)
    MemberRoutes(services: services).add(to: authenticated)
    FilterRoutes(services: services).add(to: authenticated)
    CalendarRoutes(services: services).add(to: authenticated)
    WebhookRoutes(services: services).add(to: authenticated)
    TransferRoutes(services: services).add(to: authenticated)
    MCPRoutes(services: services).add(to: router)
    NotificationRoutes(store: NotificationStore(db: services.db), db: services.db, changes: services.changes).add(to: authenticated)
    return router
}

/// The HTTP application of a role, with the services it runs beside the server.
public func buildApplication(
    _ services: AppServices, extraServices: [any Service], logger: Logger, role: Role = .backend,
    beforeServerStarts: @escaping @Sendable () async throws -> Void = {}
) -> some ApplicationProtocol {
    let listener = services.listener
    var app = listeningApplication(
        router: buildRouter(services, role: role), config: services.config, logger: logger,
        onListening: { listener.listening(host: services.config.host, port: $0) })
    app.addServices(extraServices)
    app.addServices(services.readiness)
    if let pg = services.db as? TodoStore.PostgresDatabase { app.addServices(PostgresSignalListener(db: pg, logger: logger)) }
    // The workers start once the database is prepared (migrations, on `todo serve`): before
    // that their tables may not exist, and every one of them would log an error and back off.
    let prepared = StartLatch()
    var workers: [any Service] = []
    workers.append(LogSequencer(db: services.db, logger: logger))
    let config = services.config
    workers.append(
        HousekeepingService(
            db: services.db, logger: logger, eventRetention: config.eventRetention, requirePublished: config.eventTransport == .dapr))
    if role.runsScheduler {
        workers.append(ReminderScheduler(db: services.db, catchUp: config.reminderCatchUp, logger: workerLogger(logger, "reminder-scheduler")))
    }
    if role.runsNotifier && services.email == nil {
        logger.warning("Email channel off: SMTP_HOST is not set; reminders go to the app only")
    }
    if role.runsNotifier, let email = services.email {
        workers.append(
            EmailDeliveryService(db: services.db, sender: email, policy: config.emailRetry, logger: workerLogger(logger, ReminderHandler.group)))
    }
    if role.runsWebhooks {
        workers.append(
            WebhookDeliveryService(db: services.db, allowedHosts: config.webhookAllowedHosts, logger: workerLogger(logger, WebhookHandler.group)))
    }
    switch config.eventTransport {
    case .database:
        for subscription in subscriptions(role: role, emailEnabled: services.email != nil, logger: logger) {
            let consumer = Consumer(
                group: subscription.group, topic: subscription.topic, handler: subscription.handler, db: services.db,
                policy: config.retryPolicy(for: subscription.topic), logger: workerLogger(logger, subscription.group))
            workers.append(ConsumerService(consumer: consumer, db: services.db, logger: workerLogger(logger, subscription.group)))
        }
    case .dapr:
        workers.append(DaprRelay(db: services.db, sidecar: DaprSidecar(settings: config.dapr), logger: logger))
    }
    app.addServices(workers.map { AfterLatch(latch: prepared, service: $0) })
    app.beforeServerStarts {
        try await beforeServerStarts()
        prepared.open()
    }
    return app
}

/// A role's HTTP application on the configured address, saying where it listens once it does.
public func listeningApplication(
    router: Router<AppRequestContext>, config: AppConfiguration, logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }
) -> Application<RouterResponder<AppRequestContext>> {
    RequestLogMiddleware<AppRequestContext>.exportKnownRoutes(router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "todo"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.port
            onListening(port)
            logger.info("Listening", metadata: ["address": "http://\(config.host):\(port)"])
        },
        logger: logger)
}

/// Opens once; `wait()` returns when it is open, or when the task is cancelled or graceful
/// shutdown begins.
final class StartLatch: Sendable {
    private let wakeup = Wakeup()
    private let isOpen = Mutex(false)

    func open() {
        isOpen.withLock { $0 = true }
        wakeup.signal()
    }

    func wait() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let seen = wakeup.generation  // read before the check, so an open() in between wakes us
            if opened { return }
            await wakeup.wait(since: seen, timeout: .seconds(60))
        }
    }

    var opened: Bool { isOpen.withLock { $0 } }
}

/// A service that starts once its latch opens (and not at all if shutdown comes first).
struct AfterLatch: Service, CustomStringConvertible {
    let latch: StartLatch
    let service: any Service

    func run() async throws {
        await latch.wait()
        guard latch.opened, !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        try await service.run()
    }

    var description: String { "\(type(of: service))" }
}

/// The consumer groups a role runs, whatever the transport (Dapr app id = group name).
func subscriptions(role: Role, emailEnabled: Bool, logger: Logger) -> [DaprSubscription] {
    var result: [DaprSubscription] = []
    if role.runsRecurring {
        let group = RecurringTaskHandler.group
        result.append(DaprSubscription(topic: Topic.taskEvents, group: group, handler: RecurringTaskHandler(logger: workerLogger(logger, group))))
    }
    if role.runsNotifier {
        let group = ReminderHandler.group
        result.append(
            DaprSubscription(
                topic: Topic.reminders, group: group, handler: ReminderHandler(emailEnabled: emailEnabled, logger: workerLogger(logger, group))))
    }
    if role.runsWebhooks {
        let group = WebhookHandler.group
        result.append(DaprSubscription(topic: Topic.taskEvents, group: group, handler: WebhookHandler(logger: workerLogger(logger, group))))
    }
    return result
}

func daprSubscriber(_ services: AppServices, role: Role) -> DaprSubscriber {
    let logger = services.readiness.logger
    return DaprSubscriber(
        subscriptions: subscriptions(role: role, emailEnabled: services.email != nil, logger: logger), pubsubName: services.config.dapr.pubsubName,
        db: services.db, logger: logger)
}

func workerLogger(_ logger: Logger, _ service: String) -> Logger {
    var logger = logger
    logger[metadataKey: "service"] = .string(service)
    return logger
}

/// Carries a request's W3C `traceparent` to the events its changes write and to every log line
/// of its work (`TraceContext`). A request without one starts a trace (a new trace id, not
/// sampled), so the request, its events and the consumers' work still share one `trace_id`.
struct TraceContextMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let trace = TraceContext.valid(request.headers[HTTPField.Name("traceparent")!]) ?? TraceContext.newRoot()
        return try await TraceContext.$traceparent.withValue(trace) { try await next(request, context) }
    }
}

/// What the request log line learns from inner middleware (the authenticated user).
final class RequestNote: Sendable {
    @TaskLocal static var current: RequestNote?
    private let user = Mutex<String?>(nil)
    var userID: String? {
        get { user.withLock { $0 } }
        set { user.withLock { $0 = newValue } }
    }
}

/// Per request: `http_requests_total` (method, route, status) and `http_request_duration_seconds`
/// (method, route), and one log line (the access log): method, path, status, duration, `user_id` when
/// authenticated, `request_id` (the caller's X-Request-ID, else generated) and `trace_id`. INFO;
/// WARN for a 503 (the database or the pool unavailable for a moment: the client retries); ERROR
/// for any other 5xx; DEBUG for probes and scrapes (`/health…`, `/metrics`), which would drown the
/// rest — a readiness probe's 503 (not ready) included.
/// The request id is also on every other line of the request's work (`LogContext`).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var requestID = context.id
        if let id = request.headers[.init("X-Request-ID")!], !id.isEmpty, id.count <= 200 { requestID = id }
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let note = RequestNote()
        let started = ContinuousClock.now
        var fields = LogContext.fields
        fields["request_id"] = requestID
        let response = try await RequestNote.$current.withValue(note) {
            try await LogContext.$fields.withValue(fields) { try await next(request, context) }
        }
        let path = request.uri.path
        let elapsed = ContinuousClock.now - started
        let (method, status) = ("\(request.method)", "\(response.status.code)")
        // The route pattern (`/api/v1/tasks/{id}`), never the raw path: bounded label values.
        let route = context.endpointPath ?? "unmatched"
        Counter(label: "http_requests_total", dimensions: [("method", method), ("route", route), ("status", status)]).increment()
        Metrics.Timer(label: "http_request_duration_seconds", dimensions: [("method", method), ("route", route)]).recordNanoseconds(
            elapsed.nanoseconds)
        var metadata: Logger.Metadata = [
            "method": .string(method), "path": .string(path), "status": .string(status),
            "duration_ms": .stringConvertible((elapsed.inSeconds * 100_000).rounded() / 100),
        ]
        if let user = note.userID { metadata["user_id"] = .string(user) }
        let probe = path.hasPrefix("/health") || path == "/metrics"
        if response.status == .serviceUnavailable {
            // not ready (a probe), or the database unavailable for a moment: the caller retries
            if probe {
                context.logger.debug("Request", metadata: metadata)
            } else {
                context.logger.warning("Request refused for now", metadata: metadata)
            }
        } else if response.status.code >= 500 {
            context.logger.error("Request failed", metadata: metadata)
        } else if probe {
            context.logger.debug("Request", metadata: metadata)
        } else {
            context.logger.info("Request", metadata: metadata)
        }
        return response
    }
}

extension RequestLogMiddleware {
    /// Exports `http_requests_total` at 0 for the server-error statuses of every route, from the
    /// start: a series that appears only with its first 5xx hides that first increment from
    /// `rate()`, and HTTPErrorRate would see "no data" instead of 0 until something failed.
    static func exportKnownRoutes(_ router: Router<Context>) {
        for route in router.routes {
            for status in ["500", "503"] {  // the server errors any route can answer
                _ = Counter(
                    label: "http_requests_total", dimensions: [("method", "\(route.method)"), ("route", route.path.description), ("status", status)])
            }
        }
    }
}
