import Foundation
import MCP
import TodoCore

/// The MCP tools (issue 21): each is one call of the API, made with the caller's own token — so a
/// tool validates, enforces scopes and refuses exactly as the API does, and its error is the
/// API's problem text. Their input schemas come from the OpenAPI document the API is tested
/// against (`$ref`s inlined), so they say exactly what each field takes and cannot drift from it.
public struct TodoMCPTools: Sendable {
    public let tools: [Tool]

    public init(openAPI: JSONValue) {
        let schemas = openAPI["components"]?["schemas"] ?? .object([])
        let inline = SchemaInliner(schemas: schemas)
        func body(_ name: String) -> [(String, JSONValue)] { inline(schemas[name]?["properties"] ?? .object([])).objectMembers }
        func query(_ path: String, skipping: Set<String> = []) -> [(String, JSONValue)] {
            let parameters = openAPI["paths"]?[path]?["get"]?["parameters"]?.arrayValue ?? []
            return parameters.compactMap { p in
                guard p["in"]?.stringValue == "query", let name = p["name"]?.stringValue, !skipping.contains(name) else { return nil }
                var schema = inline(p["schema"] ?? .object([])).objectMembers
                if let d = p["description"] { schema.append(("description", d)) }
                return (name, .object(schema))
            }
        }
        let id: (String, JSONValue) = (
            "id", .object([("type", .string("string")), ("format", .string("uuid")), ("description", .string("The task's id"))])
        )
        let text = inline(schemas["QuickAddIn"]?["properties"]?["text"] ?? .object([]))
        tools = [
            Self.tool(
                "add_task",
                """
                Add a task. Either `text` — one line in quick-add syntax, parsed as the app's quick add does \
                (e.g. "Pay rent every month on the 1st 9am #bills !high +Home") — optionally with `project_id`; \
                or `title` with any of the other fields.
                """,
                [("text", text)] + body("TaskCreate"), required: []),
            Self.tool(
                "list_tasks",
                "List tasks with the app's filters and views (view=today, upcoming or inbox; status, priority, tag, project, due window, sort). Pages with `cursor` = the previous answer's `next_cursor`.",
                query("/api/v1/tasks", skipping: ["q"]), readOnly: true),
            Self.tool(
                "search_tasks", "Search tasks by words in their title, description and tags (open ones unless `status` says otherwise).",
                [("query", .object([("type", .string("string")), ("minLength", .int(1)), ("description", .string("The words to look for"))]))]
                    + query("/api/v1/tasks").filter { ["status", "limit", "sort", "cursor"].contains($0.0) },
                required: ["query"], readOnly: true),
            Self.tool("get_task", "One task with all its fields.", [id], required: ["id"], readOnly: true),
            Self.tool(
                "update_task", "Change a task's fields; only the fields given change (null clears one).", [id] + body("TaskPatch"),
                required: ["id"]),
            Self.tool(
                "complete_task", "Complete a task. A recurring task's next occurrence is created from its rule.", [id], required: ["id"]),
            Self.tool("reopen_task", "Reopen a completed or skipped task.", [id], required: ["id"]),
            Self.tool("delete_task", "Delete a task and its subtasks.", [id], required: ["id"], destructive: true),
            Self.tool("list_projects", "The projects you can see, with their open and overdue counts.", query("/api/v1/projects"), readOnly: true),
        ]
    }

    static func tool(
        _ name: String, _ description: String, _ properties: [(String, JSONValue)], required: [String] = [], readOnly: Bool = false,
        destructive: Bool = false
    ) -> Tool {
        let schema: JSONValue = .object([
            ("type", .string("object")), ("properties", .object(properties)), ("required", .array(required.map { .string($0) })),
            ("additionalProperties", .bool(false)),
        ])
        return Tool(
            name: name, description: description, inputSchema: schema.mcpValue,
            annotations: .init(readOnlyHint: readOnly, destructiveHint: destructive, openWorldHint: false))
    }

    /// Runs tool `name` against the API as `api`'s token. A refusal of the API, or arguments that
    /// cannot become a request, are tool errors (`isError`) with the reason; an unknown tool is a
    /// protocol error.
    public func call(_ name: String, _ arguments: [String: Value], api: TodoAPIClient) async throws -> CallTool.Result {
        let args = arguments.mapValues { JSONValue($0) }
        do {
            let answer = try await request(name, args, api: api)
            let structured: MCP.Value? = answer.mcpValue
            return CallTool.Result(content: [Self.text(answer.serialized())], structuredContent: structured, isError: false, _meta: nil)
        } catch let failure as TodoAPIClient.Failure {
            return CallTool.Result(content: [Self.text(failure.description)], isError: true)
        } catch let refusal as ArgumentError {
            return CallTool.Result(content: [Self.text("422 \(refusal.field): \(refusal.reason)")], isError: true)
        } catch let error as MCPError {
            throw error
        } catch {
            return CallTool.Result(content: [Self.text("The Todo server did not answer: \(error)")], isError: true)
        }
    }

    static func text(_ s: String) -> Tool.Content { .text(text: s, annotations: nil, _meta: nil) }

    struct ArgumentError: Error {
        let field: String
        let reason: String
    }

    func request(_ name: String, _ args: [String: JSONValue], api: TodoAPIClient) async throws -> JSONValue {
        func taskPath(_ suffix: String = "") throws -> String {
            guard let text = args["id"]?.stringValue, let id = UUID(uuidString: text) else {
                throw ArgumentError(field: "id", reason: args["id"] == nil ? "is required" : "must be a task id (UUID)")
            }
            return "/api/v1/tasks/\(id.uuidString.lowercased())\(suffix)"
        }
        func fields(without excluded: Set<String>) -> JSONValue {
            .object(args.filter { !excluded.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
        switch name {
        case "add_task":
            if let text = args["text"] {
                let extra = args.keys.filter { $0 != "text" && $0 != "project_id" }.sorted()
                if let field = extra.first { throw ArgumentError(field: field, reason: "goes in the text, or use title without text") }
                return try await api.post("/api/v1/tasks/quick", .object([("text", text)] + (args["project_id"].map { [("project_id", $0)] } ?? [])))
            }
            guard args["title"] != nil else { throw ArgumentError(field: "title", reason: "is required (or text)") }
            return try await api.post("/api/v1/tasks", fields(without: []))
        case "list_tasks":
            return try await api.get("/api/v1/tasks" + Self.queryString(args))
        case "search_tasks":
            guard let query = args["query"]?.stringValue, !query.isEmpty else {
                throw ArgumentError(field: "query", reason: "is required: the words to look for")
            }
            var rest = args
            rest["query"] = nil
            rest["q"] = .string(query)
            return try await api.get("/api/v1/tasks" + Self.queryString(rest))
        case "get_task": return try await api.get(taskPath())
        case "update_task": return try await api.patch(taskPath(), fields(without: ["id"]))
        case "complete_task": return try await api.post(taskPath("/complete"), .object([]))
        case "reopen_task": return try await api.post(taskPath("/reopen"), .object([]))
        case "delete_task":
            try await api.delete(taskPath())
            return .object([("deleted", .bool(true)), ("id", args["id"] ?? .null)])
        case "list_projects": return try await api.get("/api/v1/projects" + Self.queryString(args))
        default: throw MCPError.invalidParams("Unknown tool: \(name)")
        }
    }

    /// `?a=1&tag=x&tag=y` (arrays repeat their key, as the API's `form`/`explode` parameters take them).
    static func queryString(_ args: [String: JSONValue]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        func text(_ v: JSONValue) -> String? {
            switch v {
            case .string(let s): s
            case .int(let i): String(i)
            case .double(let d): String(d)
            case .bool(let b): b ? "true" : "false"
            default: nil
            }
        }
        var pairs: [String] = []
        for (key, value) in args.sorted(by: { $0.key < $1.key }) {
            let values = value.arrayValue ?? [value]
            for v in values { if let t = text(v) { pairs.append("\(encode(key))=\(encode(t))") } }
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }
}

/// Replaces each `{"$ref": "#/components/schemas/X"}` with X itself (other keys beside the `$ref`,
/// like a description, kept), so a tool's schema stands alone.
struct SchemaInliner {
    let schemas: JSONValue

    func callAsFunction(_ value: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 16 else { return .object([]) }
        switch value {
        case .object(let members):
            if let ref = value["$ref"]?.stringValue, ref.hasPrefix("#/components/schemas/"),
                let target = schemas[String(ref.dropFirst("#/components/schemas/".count))]
            {
                let resolved = self(target, depth: depth + 1).objectMembers
                let extra = members.filter { $0.0 != "$ref" }.map { ($0.0, self($0.1, depth: depth + 1)) }
                return .object(resolved.filter { member in !extra.contains { $0.0 == member.0 } } + extra)
            }
            return .object(members.filter { $0.0 != "example" }.map { ($0.0, self($0.1, depth: depth + 1)) })
        case .array(let items): return .array(items.map { self($0, depth: depth + 1) })
        default: return value
        }
    }
}

extension JSONValue {
    var objectMembers: [(String, JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }

    /// The same JSON as the MCP SDK's value.
    var mcpValue: MCP.Value {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(Int(i))
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(\.mcpValue))
        case .object(let members): .object(Dictionary(members.map { ($0.0, $0.1.mcpValue) }, uniquingKeysWith: { _, last in last }))
        }
    }

    init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(Int64(i))
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .data(_, let data): self = .string(data.base64EncodedString())
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .object(let members): self = .object(members.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })
        }
    }
}
