import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TodoCore
import TodoStore

/// How the app reaches its Dapr sidecar (`EVENT_TRANSPORT=dapr`); see
/// `../shared/reference/dapr-contract.md` for what each call must look like.
public struct DaprSettings: Sendable {
    /// The sidecar's HTTP API (`DAPR_HTTP_PORT`, set by the injector; 3500 by default).
    public var host = "127.0.0.1"
    public var httpPort = 3500
    /// The pub/sub component (`PUBSUB_NAME`, `pubsub-kafka` in the Helm chart).
    public var pubsubName = "pubsub-kafka"
    /// Sent as `dapr-api-token` on calls to the sidecar when the sidecar requires it.
    public var apiToken: String?
    /// Required as `dapr-api-token` on calls from the sidecar when set (`APP_API_TOKEN`).
    public var appAPIToken: String?

    public init() {}

    var baseURL: String { "http://\(host):\(httpPort)" }
}

/// A call to the sidecar that did not succeed: the status and Dapr's `errorCode` when it answered.
public struct DaprError: Error, CustomStringConvertible {
    public var status: Int?
    public var body: String
    public var description: String { status.map { "sidecar answered \($0): \(body)" } ?? "sidecar unreachable: \(body)" }
}

/// The sidecar's HTTP API, as far as the app uses it.
public struct DaprSidecar: Sendable {
    let settings: DaprSettings
    let http: HTTPClient

    public init(settings: DaprSettings, http: HTTPClient = .shared) {
        self.settings = settings
        self.http = http
    }

    /// `GET /v1.0/healthz/outbound`: 204 once components are loaded — before the app channel
    /// exists, so waiting for it at start-up cannot deadlock with the sidecar waiting for us.
    public func outboundReady() async -> Bool {
        var request = HTTPClientRequest(url: settings.baseURL + "/v1.0/healthz/outbound")
        addToken(&request)
        guard let response = try? await http.execute(request, timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return response.status == .noContent
    }

    /// Publishes one CloudEvent as is (`application/cloudevents+json`), keyed by
    /// `metadata.partitionKey` (Kafka's record key: one user's events stay in order). Only 204
    /// counts as published; anything else throws.
    public func publish(topic: Topic, cloudEvent: String, partitionKey: String, traceparent: String?) async throws {
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "metadata.partitionKey", value: partitionKey)]
        let pubsub = settings.pubsubName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? settings.pubsubName
        let path = topic.rawValue.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? topic.rawValue
        var request = HTTPClientRequest(url: "\(settings.baseURL)/v1.0/publish/\(pubsub)/\(path)\(components.string ?? "")")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/cloudevents+json")
        if let traceparent { request.headers.add(name: "traceparent", value: traceparent) }
        addToken(&request)
        request.body = .bytes(ByteBuffer(string: cloudEvent))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(5))
        } catch {
            throw DaprError(status: nil, body: "\(error)")
        }
        let body = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
        guard response.status == .noContent else { throw DaprError(status: Int(response.status.code), body: body) }
    }

    func addToken(_ request: inout HTTPClientRequest) {
        if let token = settings.apiToken { request.headers.add(name: "dapr-api-token", value: token) }
    }
}

/// The transactional outbox's way out in Dapr mode: publishes sequenced events to the sidecar in
/// log order per partition and marks each one sent only when the sidecar answered 204. While the
/// sidecar or Kafka is away nothing is marked, so nothing is lost: the relay backs off and tries
/// the same events again. It starts only after the sidecar's outbound health says it can
/// publish. On PostgreSQL one relay works at a time (a transaction-scoped try-lock); the others
/// stand by. A crash between a 204 and the mark sends that event again — consumers are
/// idempotent by event id.
public struct DaprRelay: Service {
    let db: any SQLDatabase
    let sidecar: DaprSidecar
    let logger: Logger
    let batch: Int
    let idle: Duration

    public init(db: any SQLDatabase, sidecar: DaprSidecar, logger: Logger, batch: Int = 100, idle: Duration = .seconds(1)) {
        self.db = db
        self.sidecar = sidecar
        self.logger = logger
        self.batch = batch
        self.idle = idle
    }

    public func run() async throws {
        var waited = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if await sidecar.outboundReady() { break }
            waited += 1
            if waited == 10 { logger.warning("Waiting for the Dapr sidecar (GET /v1.0/healthz/outbound) before publishing events") }
            await sleepUnlessShuttingDown(for: .milliseconds(500))
        }
        logger.info("Dapr sidecar ready; relaying events")
        await pollUntilShutdown("dapr relay", logger: logger, idle: idle, wakeup: db.signals[.log]) { try await relayOnce() }
    }

    typealias Row = EventOutbox.Unpublished

    /// Publishes up to `batch` unsent events; returns how many it published. A failure stops the
    /// batch (later events of a partition never overtake an earlier one); what was sent before it
    /// is marked, then the error is thrown so the loop backs off.
    public func relayOnce() async throws -> Int {
        let (sent, failure): (Int, (any Error)?)
        if !db.hasOneWriter {
            // Several relays (replicas): one publishes at a time, holding the batch's rows.
            (sent, failure) = try await db.write { conn in
                guard try await conn.tryLock(.relay) else { return (0, nil) }
                let rows = try await EventOutbox.unpublished(limit: batch, conn: conn)
                let (published, failure) = await publish(rows)
                try await EventOutbox.markPublished(published, conn: conn)
                return (published.count, failure)
            }
        } else {
            // One writer (SQLite): one process, and its write lock must not be held while talking HTTP.
            let rows = try await db.read { conn in try await EventOutbox.unpublished(limit: batch, conn: conn) }
            let (published, error) = await publish(rows)
            try await db.write { conn in try await EventOutbox.markPublished(published, conn: conn) }
            (sent, failure) = (published.count, error)
        }
        if let failure { throw failure }
        return sent
    }

    /// Publishes in order until one fails or 5 s have passed (the PostgreSQL transaction around
    /// a batch must stay well inside the sessions' `idle_in_transaction_session_timeout`).
    func publish(_ rows: [Row]) async -> (published: [Int], failure: (any Error)?) {
        var published: [Int] = []
        let deadline = ContinuousClock.now + .seconds(5)
        for row in rows where ContinuousClock.now < deadline {
            let trace = (try? JSONValue.parse(Data(row.cloudEvent.utf8)))?["traceparent"]?.stringValue
            do {
                try await sidecar.publish(topic: row.topic, cloudEvent: row.cloudEvent, partitionKey: row.key, traceparent: trace)
                published.append(row.seq)
            } catch {
                return (published, error)
            }
        }
        return (published, nil)
    }
}

/// What a role subscribes to through Dapr: one topic, handled by one consumer group (the Dapr
/// app id), with its dead-letter topic.
public struct DaprSubscription: Sendable {
    public var topic: Topic
    public var group: String
    public var handler: any EventHandler

    public init(topic: Topic, group: String, handler: any EventHandler) {
        self.topic = topic
        self.group = group
        self.handler = handler
    }

    public var route: String { "/dapr/events/\(topic)" }
    public var deadLetterTopic: Topic { topic.deadLetter }
}

/// Dapr's delivery verdicts (upper case; anything else counts as RETRY).
public enum DaprStatus: String, Sendable {
    case success = "SUCCESS"
    case retry = "RETRY"
    case drop = "DROP"
}

/// The receiving side of Dapr pub/sub: the subscription list for `GET /dapr/subscribe` and the
/// handling of each delivery. A delivery runs through the same exactly-once step as the database
/// transport (`Consumer.handleOnce`): redelivery of an id answers SUCCESS and changes nothing.
/// Transient failures answer RETRY (Dapr's resiliency policy retries with backoff, then moves the
/// event to the dead-letter topic); an event that can never succeed is recorded as a dead letter
/// here, with its error, and answered DROP (Dapr forwards it to `deadLetterTopic`).
public struct DaprSubscriber: Sendable {
    public let subscriptions: [DaprSubscription]
    let pubsubName: String
    let db: any SQLDatabase
    let logger: Logger

    public init(subscriptions: [DaprSubscription], pubsubName: String, db: any SQLDatabase, logger: Logger) {
        self.subscriptions = subscriptions
        self.pubsubName = pubsubName
        self.db = db
        self.logger = logger
    }

    /// The `GET /dapr/subscribe` document (keys as Dapr spells them; metadata values are strings):
    /// one entry per topic — Dapr delivers a topic to an app once, at one route, and that route
    /// runs every group of the process that consumes it (`todo serve`: recurring-task-service and
    /// webhooks both on task-events; in Kubernetes each role is an app of its own).
    public var subscribeDocument: JSONValue {
        var seen: Set<Topic> = []
        return .array(
            subscriptions.filter { seen.insert($0.topic).inserted }.map { s in
                .object([
                    ("pubsubname", .string(pubsubName)), ("topic", .string(s.topic.rawValue)), ("route", .string(s.route)),
                    ("deadLetterTopic", .string(s.deadLetterTopic.rawValue)),
                ])
            })
    }

    /// Handles one delivery to `/dapr/events/{topic}`. `headers` are the delivery's HTTP headers
    /// (Kafka's `__partition`/`__offset`, `traceparent`).
    public func deliver(topic: Topic, body: Data, partition: Int?, offset: Int?, traceparent: String?) async -> DaprStatus {
        var logger = self.logger
        logger[metadataKey: "topic"] = .string(topic.rawValue)
        let groups = subscriptions.filter { $0.topic == topic }
        guard !groups.isEmpty else {
            logger.warning("Delivery for a topic this role does not subscribe to; dropped")
            return .drop
        }
        let text = String(decoding: body, as: UTF8.self)
        guard let json = try? JSONValue.parse(body), case .object = json,
            let event = ConsumedEvent(cloudEvent: json, topic: topic, partition: partition ?? -1, offset: offset ?? -1)
        else {
            var status = DaprStatus.drop
            for subscription in groups {
                if await drop(subscription, eventID: UUID.v7(), text: text, error: "not a CloudEvent with a UUID id", logger: logger) == .retry {
                    status = .retry
                }
            }
            return status
        }
        logger[metadataKey: "event_type"] = .string(event.type)
        logger[metadataKey: "event_id"] = .string(event.id.lowercased)
        // Every group of the topic handles it, each exactly once (its own processed record): a
        // group that must retry makes Dapr deliver it again, and the others answer it as done.
        var statuses: [DaprStatus] = []
        for subscription in groups {
            statuses.append(await deliver(event, text: text, to: subscription, traceparent: traceparent, logger: logger))
        }
        if statuses.contains(.retry) { return .retry }
        return statuses.allSatisfy { $0 == .drop } ? .drop : .success
    }

    func deliver(_ event: ConsumedEvent, text: String, to subscription: DaprSubscription, traceparent: String?, logger: Logger) async -> DaprStatus {
        do {
            _ = try await db.write { conn in
                try await Consumer.handleOnce(
                    event, group: subscription.group, handler: subscription.handler, conn: conn, traceparent: traceparent)
            }
            return .success
        } catch let error as PermanentFailure {
            return await drop(subscription, eventID: event.id, text: text, error: error.description, logger: logger)
        } catch let error as EventDecodingFailure {
            return await drop(subscription, eventID: event.id, text: text, error: error.description, logger: logger)
        } catch {
            logger.failure("Event failed; Dapr will retry it", error, level: .warning)
            return .retry
        }
    }

    func drop(_ s: DaprSubscription, eventID: UUID, text: String, error: String, logger: Logger) async -> DaprStatus {
        do {
            try await db.write { conn in
                try await DeadLetterStore.record(
                    group: s.group, topic: s.topic, eventID: eventID, text: text, error: error, attempts: 1, at: Date().truncatedToMillis, conn: conn)
            }
        } catch {
            // Not recorded here: let Dapr deliver it again rather than lose the record.
            logger.failure("Could not record a dead letter; Dapr will retry", error, level: .warning)
            return .retry
        }
        logger.error(
            "Event failed for good; dropped to the dead-letter topic",
            metadata: ["error": .string(error), "dead_letter_topic": .string(s.deadLetterTopic.rawValue)])
        return .drop
    }
}
