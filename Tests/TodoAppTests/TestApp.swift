import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TodoApp
import TodoCore
import TodoEvents
import TodoStore
import TodoTesting

/// The API on a real database, driven through Hummingbird's router test client.
struct TestApp {
    static let keys = [(kid: "k1", secret: "first-secret-0123456789abcdef-0123456789")]

    static func run(
        _ kind: TestDatabase = .sqlite, configure: (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (APIClient) async throws -> Void
    ) async throws {
        try await kind.with { db in
            var config = AppConfiguration()
            config.jwtKeys = keys
            config.bcryptCost = 4
            configure(&config)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let services = await AppServices(config: config, db: db, logger: logger)
            let app = buildApplication(services, extraServices: [], logger: logger, role: .all)
            try await app.test(.router) { client in try await body(APIClient(client: client, services: services)) }
        }
    }
}

struct APIResponse {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String
    var json: JSONValue { (try? JSONValue.parse(Data(text.utf8))) ?? .null }
    subscript(_ key: String) -> JSONValue? { json[key] }

    /// The `field`s of a problem's `errors`.
    var errorFields: Set<String> {
        guard case .array(let errors)? = json["errors"] else { return [] }
        return Set(errors.compactMap { $0["field"]?.stringValue })
    }
}

struct APIClient: Sendable {
    let client: any TestClientProtocol
    let services: AppServices

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: JSONValue? = nil, raw: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> APIResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(string: json.serialized())
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            APIResponse(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    /// Signs up a new person and signs in; returns the access token.
    func signIn(email: String = "p-\(UUID().uuidString.lowercased())@example.com", timeZone: String = "Europe/Berlin") async throws -> String {
        let signup = try await send(
            .post, "/api/v1/auth/signup",
            json: ["email": .string(email), "password": "correct horse", "display_name": "Pat", "time_zone": .string(timeZone)])
        precondition(signup.status == .created, signup.text)
        let login = try await send(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "correct horse"])
        return login["access_token"]!.stringValue!
    }

    /// Lets the recurring-task-service and the notification-service catch up now (their services
    /// also do, in the background, within milliseconds).
    func settle() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        while try await EventLog(db: services.db).sequence() > 0 {}
        try await Consumer(
            group: RecurringTaskHandler.group, topic: Topic.taskEvents, handler: RecurringTaskHandler(logger: logger), db: services.db,
            logger: logger
        ).drain()
        try await Consumer(
            group: ReminderHandler.group, topic: Topic.reminders, handler: ReminderHandler(emailEnabled: false, logger: logger),
            db: services.db, logger: logger
        ).drain()
    }

    func createTask(_ token: String, _ json: JSONValue) async throws -> APIResponse {
        try await send(.post, "/api/v1/tasks", token: token, json: json)
    }
}
