import ArgumentParser
import Foundation
import Logging
import TodoApp

/// `todo mcp`: the MCP server over stdio, for a desktop assistant — a client of a Todo server
/// (`TODO_URL`, a personal API token in `TODO_TOKEN`). stdout carries only the protocol; logs go
/// to stderr.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Serve the MCP tools (add, list, search, update, complete tasks) over stdio to an AI assistant.")
    @OptionGroup var api: APIOptions

    func run() async throws {
        let client = try api.client()
        try await TodoMCP.runStdio(api: client, logger: Logger(label: "mcp"))
    }
}
