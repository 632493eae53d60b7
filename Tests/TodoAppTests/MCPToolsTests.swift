import Foundation
import MCP
import Testing
import TodoCore

@testable import TodoApp

/// The MCP tools' schemas are the OpenAPI document's, standing alone; arguments become the API's
/// query strings. (The tools against a running server, with the official Python SDK as the
/// client over stdio and HTTP: scripts/e2e-mcp.sh.)
@Suite struct MCPToolsTests {
    let tools = TodoMCP.tools

    @Test func everyToolHasAStandAloneObjectSchema() throws {
        #expect(
            Set(tools.tools.map(\.name)) == [
                "add_task", "list_tasks", "search_tasks", "get_task", "update_task", "complete_task", "reopen_task", "delete_task",
                "list_projects",
            ])
        for tool in tools.tools {
            let schema = JSONValue(tool.inputSchema)
            #expect(schema["type"]?.stringValue == "object", "\(tool.name)")
            #expect(!schema.serialized().contains("$ref"), "\(tool.name) still refers to the OpenAPI document")
        }
    }

    @Test func addTaskTakesTheAPIsFieldsAndQuickAddText() throws {
        let add = try #require(tools.tools.first { $0.name == "add_task" })
        let properties = try #require(JSONValue(add.inputSchema)["properties"])
        let openAPI = try JSONValue.parse(Data(OpenAPIDocument.bytes))
        let priority = openAPI["components"]?["schemas"]?["Priority"]
        #expect(properties["priority"]?["enum"] == priority?["enum"])
        #expect(properties["title"]?["maxLength"] == .int(500))
        #expect(properties["text"]?["type"]?.stringValue == "string")
        // The due's alternatives are spelled out, not referred to.
        #expect(properties["due"]?["oneOf"]?.arrayValue?.count == 2)
    }

    @Test func argumentsBecomeTheAPIsQueryString() {
        let query = TodoMCPTools.queryString([
            "tag": .array([.string("a b"), .string("c+d")]), "view": .string("today"), "limit": .int(5), "overdue": .bool(true),
        ])
        #expect(query == "?limit=5&overdue=true&tag=a%20b&tag=c%2Bd&view=today")
        #expect(TodoMCPTools.queryString([:]) == "")
    }

    @Test func badArgumentsAreToolErrorsAndAnUnknownToolAProtocolError() async throws {
        let api = TodoAPIClient(baseURL: "http://127.0.0.1:1", token: "unused")
        let noID = try await tools.call("get_task", [:], api: api)
        #expect(noID.isError == true)
        let notUUID = try await tools.call("complete_task", ["id": .string("42")], api: api)
        #expect(notUUID.isError == true)
        let mixed = try await tools.call("add_task", ["text": .string("Milk"), "priority": .string("high")], api: api)
        #expect(mixed.isError == true)
        await #expect(throws: MCPError.self) { try await tools.call("drop_tables", [:], api: api) }
    }
}
