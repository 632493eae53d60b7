import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore
import Synchronization
import TodoCore

/// The MCP server (Model Context Protocol, the official Swift SDK): the tools of `TodoMCPTools`
/// over two transports — stdio for desktop assistants (`todo mcp`, a client of a Todo server
/// with `TODO_URL` and a personal API token) and Streamable HTTP at `/mcp` on the backend.
public enum TodoMCP {
    static let tools = TodoMCPTools(openAPI: (try? JSONValue.parse(Data(OpenAPIDocument.bytes))) ?? .object([]))

    static let instructions = """
        Todo: a person's tasks. add_task takes one line of quick-add text ("Call Anna tomorrow 3pm #work !high") \
        or a title with fields; list_tasks with view=today or view=upcoming shows what is due; ids come from \
        list_tasks, search_tasks or add_task.
        """

    /// A server with the tools, calling the API as `api`.
    static func server(api: TodoAPIClient) async -> Server {
        let server = Server(
            name: "todo", version: "1", title: "Todo", instructions: instructions, capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools.tools) }
        await server.withMethodHandler(CallTool.self) { params in
            try await tools.call(params.name, params.arguments ?? [:], api: api)
        }
        return server
    }

    /// `todo mcp`: serves stdin/stdout until stdin ends (the assistant closes it). Logs go to
    /// stderr; stdout carries only the protocol.
    public static func runStdio(api: TodoAPIClient, logger: Logger) async throws {
        let server = await server(api: api)
        try await server.start(transport: StdioTransport(logger: logger))
        await server.waitUntilCompleted()
    }
}

/// `POST /mcp` (Streamable HTTP, stateless: every POST answered with one JSON body; GET and
/// DELETE 405, there is no server-initiated stream or session). The route is behind the API's
/// authentication, and each tool calls this same server's API over loopback with the caller's
/// own bearer token — the API's scopes apply unchanged (a read-only token cannot complete).
/// Each POST gets a server of its own: the SDK's server accepts one `initialize` in its life,
/// and without sessions every client's initialize arrives at whichever replica the load balancer
/// picks; a server is an actor and a handful of closures.
struct MCPRoutes {
    let services: AppServices

    func add(to router: Router<AppRequestContext>) {
        let mcp = router.group("mcp").add(middleware: AuthMiddleware(tokens: services.tokens, accounts: services.accounts))
        let listener = services.listener
        for method in [HTTPTypes.HTTPRequest.Method.post, .get, .delete] {
            mcp.on("", method: method) { request, context in
                guard let loopback = listener.loopbackURL, let header = request.headers[.authorization] else {
                    throw HTTPError(.serviceUnavailable, message: "The server is not listening yet.")
                }
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let api = TodoAPIClient(baseURL: loopback, token: String(header.dropFirst("bearer ".count)))
                let answer = await Self.handle(
                    MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: Data(buffer: body), path: "/mcp"), api: api)
                var fields = HTTPFields()
                for (name, value) in answer.headers { if let n = HTTPField.Name(name) { fields[n] = value } }
                let data = answer.bodyData ?? Data()
                return Response(status: .init(code: answer.statusCode), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
    }

    static func handle(_ request: MCP.HTTPRequest, api: TodoAPIClient) async -> MCP.HTTPResponse {
        // No Origin check: the route needs a bearer token, which a page on another origin cannot send.
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
            ]))
        let server = await TodoMCP.server(api: api)
        do {
            try await server.start(transport: transport)
        } catch {
            return .error(statusCode: 503, .internalError("The MCP server could not start: \(error)"))
        }
        let answer = await transport.handleRequest(request)
        await server.stop()
        return answer
    }
}

/// Where this process's server listens, once it does: the address the MCP route calls the API on.
public final class LocalListener: Sendable {
    private let url = Mutex<String?>(nil)

    public init() {}

    /// A wildcard address is reached on loopback; a specific one as itself.
    func listening(host: String, port: Int) {
        let reach = ["0.0.0.0", "::", "", "localhost"].contains(host) ? "127.0.0.1" : host.contains(":") ? "[\(host)]" : host
        url.withLock { $0 = "http://\(reach):\(port)" }
    }

    var loopbackURL: String? { url.withLock { $0 } }
}
