import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import TodoCore

/// A STAND-IN for the Dapr sidecar (daprd 1.12–1.15), written from `../shared/reference/dapr-contract.md`
/// because no daprd can run here. It is a real HTTP server on a loopback port, and it checks what
/// the real sidecar would reject or silently misread:
///  - `GET /v1.0/healthz/outbound` → 204 when ready, else 500 `ERR_HEALTH_NOT_READY` (§5.6);
///  - `POST /v1.0/publish/{pubsub}/{topic}?metadata.partitionKey=K` → 204, or 404
///    `ERR_PUBSUB_NOT_FOUND` for an unknown component, 500 `ERR_PUBSUB_CLOUD_EVENTS_SER` for a
///    body that is not a JSON object, 500 `ERR_PUBSUB_PUBLISH_MESSAGE` while the "broker" fails
///    (§1.2, §1.3). A publish without `Content-Type: application/cloudevents+json` or without
///    `id`/`source`/`type`/`specversion` is recorded as a contract violation (Dapr would wrap or
///    mangle it);
///  - delivery to the app like `publishMessageHTTP` (§2.4, §2.5): POST to the subscription's
///    route with `application/cloudevents+json`, `pubsubname`, `traceparent` and Kafka's
///    `__partition`/`__offset`; SUCCESS/empty/unparsable 2xx acks; RETRY, other statuses and
///    non-2xx retry (a resiliency policy of `retries` attempts), then the dead-letter topic; DROP
///    goes to the dead-letter topic; 404 drops silently (recorded, the app must never do it).
final class StandInDaprSidecar: Sendable {
    struct Published: Sendable {
        var pubsub: String
        var topic: String
        var partitionKey: String?
        var contentType: String?
        var traceparent: String?
        var body: JSONValue
    }

    struct State {
        var outboundReady = true
        var failPublishes = 0
        var failAfter: Int?
        var published: [Published] = []
        var violations: [String] = []
        var silentlyDropped: [JSONValue] = []
        var deadLettered: [String: [JSONValue]] = [:]
    }

    let pubsubName = "pubsub-kafka"
    let state = Mutex(State())

    var published: [Published] { state.withLock { $0.published } }
    var violations: [String] { state.withLock { $0.violations } }

    func set(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }

    /// Runs the sidecar on a free loopback port for the duration of `body`.
    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("v1.0/healthz/outbound") { _, _ in
            self.state.withLock { $0.outboundReady }
                ? Response(status: .noContent) : Self.error(.internalServerError, "ERR_HEALTH_NOT_READY", "dapr is not ready")
        }
        router.post("v1.0/publish/:pubsub/**") { request, context in
            let pubsub = context.parameters.get("pubsub")!
            let topic = context.parameters.getCatchAll().joined(separator: "/")
            guard pubsub == self.pubsubName else { return Self.error(.notFound, "ERR_PUBSUB_NOT_FOUND", "pubsub \(pubsub) is not found") }
            let buffer = try await request.body.collect(upTo: 4 * 1024 * 1024)
            guard let json = try? JSONValue.parse(Data(buffer: buffer)), case .object = json else {
                return Self.error(.internalServerError, "ERR_PUBSUB_CLOUD_EVENTS_SER", "body is not a JSON object")
            }
            let contentType = request.headers[.contentType]
            let fail = self.state.withLock { s -> Bool in
                if s.failPublishes > 0 {
                    s.failPublishes -= 1
                    return true
                }
                if let n = s.failAfter {
                    if n == 0 { return true }
                    s.failAfter = n - 1
                }
                if contentType != "application/cloudevents+json" { s.violations.append("Content-Type \(contentType ?? "none")") }
                for attribute in ["id", "source", "type", "specversion"] where json[attribute]?.stringValue == nil {
                    s.violations.append("CloudEvent without \(attribute)")
                }
                s.published.append(
                    Published(
                        pubsub: pubsub, topic: topic, partitionKey: request.uri.queryParameters.get("metadata.partitionKey"),
                        contentType: contentType, traceparent: request.headers[HTTPField.Name("traceparent")!], body: json))
                return false
            }
            return fail
                ? Self.error(.internalServerError, "ERR_PUBSUB_PUBLISH_MESSAGE", "kafka: client has run out of available brokers")
                : Response(status: .noContent)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(client.port!) }
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        let body = JSONValue.object([("errorCode", .string(code)), ("message", .string(message))]).serialized()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// What the sidecar did with one message.
    enum Outcome: Equatable {
        case acked(attempts: Int)
        case deadLettered(String, attempts: Int)
        case droppedSilently
    }

    /// Delivers `event` (as stored on the broker) to the app's subscription for `topic` as daprd
    /// does, with `retries` further attempts for retriable answers.
    func deliver(_ event: JSONValue, topic: String, partition: Int = 0, offset: Int = 0, retries: Int = 2, to app: APIClient) async throws -> Outcome
    {
        let subscriptions = try await app.send(.get, "/dapr/subscribe")
        guard case .array(let list) = subscriptions.json,
            let subscription = list.first(where: { $0["topic"]?.stringValue == topic && $0["pubsubname"]?.stringValue == pubsubName })
        else { throw TestFailure("the app does not subscribe to \(topic) on \(pubsubName): \(subscriptions.text)") }
        let route = subscription["route"]!.stringValue!
        let deadLetterTopic = subscription["deadLetterTopic"]?.stringValue
        var attempts = 0
        func deadLetter() -> Outcome {
            guard let deadLetterTopic else { return .acked(attempts: attempts) }  // component redelivery would follow
            state.withLock { $0.deadLettered[deadLetterTopic, default: []].append(event) }
            return .deadLettered(deadLetterTopic, attempts: attempts)
        }
        while true {
            attempts += 1
            var headers: HTTPFields = [.contentType: "application/cloudevents+json"]
            headers[HTTPField.Name("pubsubname")!] = pubsubName
            headers[HTTPField.Name("__partition")!] = String(partition)
            headers[HTTPField.Name("__offset")!] = String(offset)
            if let trace = event["traceparent"]?.stringValue { headers[HTTPField.Name("traceparent")!] = trace }
            let body = event.stringValue ?? event.serialized()  // a string stands for raw broker bytes
            let response = try await app.send(.post, route, raw: body, headers: headers)
            let code = Int(response.status.code)
            if code == 404 {
                state.withLock { $0.silentlyDropped.append(event) }
                return .droppedSilently
            }
            var verdict = "RETRY"
            if (200..<300).contains(code) {
                if let status = response.json["status"]?.stringValue, !status.isEmpty { verdict = status } else { verdict = "SUCCESS" }
                if case .null = response.json { verdict = "SUCCESS" }  // empty or unparsable 2xx body
            }
            switch verdict {
            case "SUCCESS": return .acked(attempts: attempts)
            case "DROP": return deadLetter()
            default: if attempts > retries { return deadLetter() }
            }
        }
    }

    func deadLettered(_ topic: String) -> [JSONValue] { state.withLock { $0.deadLettered[topic] ?? [] } }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
