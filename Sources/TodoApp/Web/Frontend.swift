import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TodoCore
import TodoStore

/// `todo frontend` (Kubernetes deployment `frontend`): the origin people's browsers talk to. It
/// holds no database: the web UI (`/`, `/session…`, `/static/…`), `/api/…` and `/openapi.json`
/// are forwarded to the backend (`BACKEND_URL`), so the UI and the API share one origin (no
/// CORS, cookies stay first-party). Readiness follows the backend's `/health/ready`.
public struct FrontendSettings: Sendable {
    /// Where the backend's API is, e.g. `http://backend:8000` (env `BACKEND_URL`).
    public var backendURL: String

    public init(backendURL: String) { self.backendURL = backendURL }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> FrontendSettings {
        let url = env["BACKEND_URL"] ?? "http://backend:8000"
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil,
            parsed.path.isEmpty || parsed.path == "/"
        else { throw ConfigurationError("BACKEND_URL must be an http(s) URL without a path, like http://backend:8000 (got \(url))") }
        return FrontendSettings(backendURL: url.hasSuffix("/") ? String(url.dropLast()) : url)
    }
}

/// The frontend's readiness: the backend answers its own `/health/ready` within two seconds.
public func backendReadiness(_ settings: FrontendSettings, http: HTTPClient = .shared, logger: Logger) -> ReadinessProbe {
    ReadinessProbe(dependency: "backend", logger: logger) {
        let status = try await httpStatus(settings.backendURL + "/health/ready", http: http)
        guard status == 200 else { throw BackendNotReady(status: status) }
    }
}

/// GETs `url` (bounded by `timeout`, the body read and dropped): the status code.
func httpStatus(_ url: String, timeout: TimeAmount = .seconds(2), http: HTTPClient) async throws -> UInt {
    let response = try await http.execute(HTTPClientRequest(url: url), timeout: timeout)
    _ = try await response.body.collect(upTo: 64 * 1024)
    return response.status.code
}

struct BackendNotReady: Error, CustomStringConvertible {
    let status: UInt
    var description: String { "the backend's /health/ready answered \(status)" }
}

/// `todo health`: whether `url` answers 200 within `timeout` (the image's HEALTHCHECK; curl is
/// not in the image).
public func probeHealth(url: String, timeout: TimeAmount = .seconds(2), http: HTTPClient = .shared) async -> Bool {
    (try? await httpStatus(url, timeout: timeout, http: http)) == 200
}

/// The routes of `todo frontend`: health, metrics, and the API forwarded to the backend.
public func buildFrontendRouter(_ settings: FrontendSettings, readiness: ReadinessProbe, http: HTTPClient = BackendProxy.client) -> Router<
    AppRequestContext
> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: TraceContextMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ProblemMiddleware())
    HealthRoutes(probe: readiness, service: "frontend").add(to: router)
    MetricsRoutes(db: nil, dapr: false).add(to: router)
    // Its Dapr sidecar asks for subscriptions at start: the frontend has none.
    router.get("dapr/subscribe") { _, _ in Response.json(.array([])) }
    let proxy = BackendProxy(backendURL: settings.backendURL, http: http)
    router.get("openapi.json") { request, context in try await proxy.forward(request, context: context) }
    // the web UI's pages, session endpoints and assets are the backend's too (one origin)
    router.get("/") { request, context in try await proxy.forward(request, context: context) }
    router.get("static/{name}") { request, context in try await proxy.forward(request, context: context) }
    router.get("favicon.ico") { request, context in try await proxy.forward(request, context: context) }
    for path in ["session", "session/signup", "session/token", "session/end"] {
        router.post(RouterPath(path)) { request, context in try await proxy.forward(request, context: context) }
    }
    for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head, .options] {
        router.on("api/**", method: method) { request, context in try await proxy.forward(request, context: context) }
    }
    // the MCP endpoint (Streamable HTTP) is the backend's
    for method in [HTTPRequest.Method.get, .post, .delete] {
        router.on("mcp", method: method) { request, context in try await proxy.forward(request, context: context) }
    }
    return router
}

/// Forwards one request to the backend and streams the answer back (the notification stream
/// included). Hop-by-hop headers are dropped; the caller's address is appended to
/// `X-Forwarded-For`, so the backend counts one more trusted hop (`TRUSTED_PROXY_HOPS`).
public struct BackendProxy: Sendable {
    let backendURL: String
    let http: HTTPClient

    /// The proxy's client: redirects are the browser's to follow (a sign-in's 303 carries its
    /// cookie), so this client never follows them. Lives as long as the process.
    public static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
    ]

    func forward(_ request: Request, context: AppRequestContext) async throws -> Response {
        var outgoing = HTTPClientRequest(url: backendURL + request.uri.description)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) && field.name.canonicalName != "x-forwarded-for" {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!] + [context.remoteAddress ?? "unknown"]
        outgoing.headers.replaceOrAdd(name: "X-Forwarded-For", value: forwarded.joined(separator: ", "))
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }) {
            outgoing.body = .stream(request.body, length: .known(length))
        } else if request.headers[.transferEncoding] != nil {
            outgoing.body = .stream(request.body, length: .unknown)
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(outgoing, timeout: .seconds(60))
        } catch {
            context.logger.error("Backend unreachable", metadata: ["error": "\(error)", "backend": .string(backendURL)])
            throw Problem(.badGateway, code: "backend_unavailable", detail: "The API is not reachable right now; try again shortly.")
        }
        var headers = HTTPFields()
        for (name, value) in response.headers where !Self.hopByHop.contains(name.lowercased()) && name.lowercased() != "content-length" {
            if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        if let length = response.headers.first(name: "content-length") { headers[.contentLength] = length }
        return Response(
            status: .init(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase), headers: headers,
            body: ResponseBody(asyncSequence: response.body))
    }
}
