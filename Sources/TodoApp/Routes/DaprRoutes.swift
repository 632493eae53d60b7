import Foundation
import HTTPTypes
import Hummingbird
import TodoCore
import TodoEvents

/// The app side of Dapr pub/sub (`EVENT_TRANSPORT=dapr`): `GET /dapr/subscribe` lists the role's
/// subscriptions; `POST /dapr/events/{topic}` takes a delivery and answers 200 with
/// `{"status":"SUCCESS"|"RETRY"|"DROP"}`. A delivery is never answered 404 — Dapr would drop it
/// silently, bypassing the dead-letter topic. When `APP_API_TOKEN` is set, calls without the
/// matching `dapr-api-token` header are refused (401, which Dapr retries).
struct DaprRoutes {
    let subscriber: DaprSubscriber
    let appAPIToken: String?

    func add(to router: Router<AppRequestContext>) {
        router.get("dapr/subscribe") { request, _ in
            try authorize(request)
            return Response.json(subscriber.subscribeDocument)
        }
        router.post("dapr/events/:topic") { request, context in
            try authorize(request)
            let topic = context.parameters.get("topic") ?? ""
            let body = try await request.body.collect(upTo: 4 * 1024 * 1024)
            let header = { (name: String) in request.headers[HTTPField.Name(name)!] }
            let status = await subscriber.deliver(
                topic: Topic(rawValue: topic), body: Data(buffer: body), partition: header("__partition").flatMap { Int($0) },
                offset: header("__offset").flatMap { Int($0) }, traceparent: header("traceparent"))
            return Response.json(.object([("status", .string(status.rawValue))]))
        }
    }

    func authorize(_ request: Request) throws {
        guard let token = appAPIToken else { return }
        guard let sent = request.headers[HTTPField.Name("dapr-api-token")!], constantTimeEqual(sent, token) else {
            throw Problem(.unauthorized, code: "unauthorized", detail: "Missing or wrong dapr-api-token.")
        }
    }
}

/// Compares secrets without an early exit on the first difference.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}
