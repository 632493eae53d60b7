import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
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

    var servesAPI: Bool { self == .all || self == .backend }
    var runsRecurring: Bool { self == .all || self == .recurring }
    var runsNotifier: Bool { self == .all || self == .notifier }
    /// The reminder scheduler runs with the API (several backend replicas are safe).
    var runsScheduler: Bool { servesAPI }
}

/// The parts every route uses, built once per process.
public struct AppServices: Sendable {
    public var config: AppConfiguration
    public var db: any SQLDatabase
    public var tasks: TaskStore
    public var accounts: AccountStore
    public var idempotency: IdempotencyStore
    public var tokens: TokenIssuer
    public var passwords: PasswordHasher
    public var loginLimiter: LoginRateLimiter
    public var readiness: ReadinessProbe
    /// The email channel; nil when SMTP is not configured.
    public var email: (any EmailSender)?

    public init(config: AppConfiguration, db: any SQLDatabase, logger: Logger) async {
        self.config = config
        self.db = db
        tasks = TaskStore(db: db)
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

/// Opens the configured database: PostgreSQL when `databaseURL` is set (its client is a service
/// that must run), otherwise the SQLite file `todo.sqlite` in the data directory.
public func openDatabase(_ config: AppConfiguration, logger: Logger) throws -> (any SQLDatabase, [any Service]) {
    if let url = config.databaseURL {
        let client = try PostgresDatabase.makeClient(url: url, poolSize: config.poolSize, maxOverflow: config.maxOverflow, logger: logger)
        return (PostgresDatabase(client: client, logger: logger), [client])
    }
    try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
    return (try SQLiteDatabase(path: config.dataDirectory + "/todo.sqlite"), [])
}

/// All routes of a role: health for every role, the API where the role serves it.
public func buildRouter(_ services: AppServices, role: Role = .backend) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: TraceContextMiddleware())
    HealthRoutes(probe: services.readiness, service: role.rawValue).add(to: router)
    MetricsRoutes(db: services.db, dapr: services.config.eventTransport == .dapr).add(to: router)
    if services.config.eventTransport == .dapr {
        DaprRoutes(subscriber: daprSubscriber(services, role: role), appAPIToken: services.config.dapr.appAPIToken).add(to: router)
    }
    guard role.servesAPI else { return router }
    router.get("openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
    }
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
    NotificationRoutes(store: NotificationStore(db: services.db), db: services.db).add(to: authenticated)
    return router
}

/// The HTTP application of a role, with the services it runs beside the server.
public func buildApplication(
    _ services: AppServices, extraServices: [any Service], logger: Logger, role: Role = .backend,
    beforeServerStarts: @escaping @Sendable () async throws -> Void = {}
) -> some ApplicationProtocol {
    var app = Application(
        router: buildRouter(services, role: role),
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: "todo"),
        onServerRunning: { channel in
            logger.info("Listening", metadata: ["address": "http://\(services.config.host):\(channel.localAddress?.port ?? services.config.port)"])
        },
        logger: logger)
    app.addServices(extraServices)
    app.addServices(services.readiness)
    if let pg = services.db as? TodoStore.PostgresDatabase { app.addServices(PostgresSignalListener(db: pg, logger: logger)) }
    app.addServices(LogSequencer(db: services.db, logger: logger))
    let config = services.config
    app.addServices(
        HousekeepingService(
            db: services.db, logger: logger, eventRetention: config.eventRetention, requirePublished: config.eventTransport == .dapr))
    if role.runsScheduler {
        app.addServices(ReminderScheduler(db: services.db, catchUp: config.reminderCatchUp, logger: workerLogger(logger, "reminder-scheduler")))
    }
    if role.runsNotifier && services.email == nil {
        logger.warning("Email channel off: SMTP_HOST is not set; reminders go to the app only")
    }
    if role.runsNotifier, let email = services.email {
        app.addServices(EmailDeliveryService(db: services.db, sender: email, policy: config.emailRetry, logger: workerLogger(logger, ReminderHandler.group)))
    }
    switch config.eventTransport {
    case .database:
        for subscription in subscriptions(role: role, emailEnabled: services.email != nil, logger: logger) {
            let consumer = Consumer(
                group: subscription.group, topic: subscription.topic, handler: subscription.handler, db: services.db,
                policy: config.retryPolicy(for: subscription.topic), logger: workerLogger(logger, subscription.group))
            app.addServices(ConsumerService(consumer: consumer, db: services.db, logger: workerLogger(logger, subscription.group)))
        }
    case .dapr:
        app.addServices(DaprRelay(db: services.db, sidecar: DaprSidecar(settings: config.dapr), logger: logger))
    }
    app.beforeServerStarts(perform: beforeServerStarts)
    return app
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
    return result
}

func daprSubscriber(_ services: AppServices, role: Role) -> DaprSubscriber {
    let logger = services.readiness.logger
    return DaprSubscriber(
        subscriptions: subscriptions(role: role, emailEnabled: services.email != nil, logger: logger), pubsubName: services.config.dapr.pubsubName, db: services.db, logger: logger)
}

func workerLogger(_ logger: Logger, _ service: String) -> Logger {
    var logger = logger
    logger[metadataKey: "service"] = .string(service)
    return logger
}

/// Carries a request's W3C `traceparent` to the events its changes write (`TraceContext`).
struct TraceContextMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let trace = TraceContext.valid(request.headers[HTTPField.Name("traceparent")!]) else { return try await next(request, context) }
        return try await TraceContext.$traceparent.withValue(trace) { try await next(request, context) }
    }
}

/// Logs each request at debug level and tags the request's logger with a request id.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let id = request.headers[.init("X-Request-ID")!], id.count <= 200 {
            context.logger[metadataKey: "request_id"] = .string(id)
        } else {
            context.logger[metadataKey: "request_id"] = .string(context.id)
        }
        let response = try await next(request, context)
        context.logger.debug("Request", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"])
        return response
    }
}

/// The OpenAPI description, shipped as a resource of this module.
enum OpenAPIDocument {
    static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url)
        else { return Array(#"{"openapi":"3.1.0","info":{"title":"Todo","version":"missing"},"paths":{}}"#.utf8) }
        return Array(data)
    }()
}
