import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TodoCore

/// The CLI's side of the API (`todo add`, `todo ls`, `todo projects`, `todo share`, `todo
/// members`): one JSON request with a personal API token.
public struct TodoAPIClient: Sendable {
    public var baseURL: String
    public var token: String
    let http: HTTPClient

    public init(baseURL: String, token: String, http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
    }

    public struct Failure: Error, CustomStringConvertible {
        public var status: Int
        public var body: JSONValue
        public var description: String {
            var text = "\(status) \(body["title"]?.stringValue ?? "")"
            if let detail = body["detail"]?.stringValue { text += ": \(detail)" }
            if case .array(let errors)? = body["errors"] {
                for e in errors { text += "\n  \(e["field"]?.stringValue ?? ""): \(e["reason"]?.stringValue ?? "")" }
            }
            return text
        }
    }

    /// POSTs `body` to `path`; the answer's JSON, or a `Failure` for a status of 400 or more.
    public func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        try await send(.POST, path, body)
    }

    /// PATCHes `path` with `body`.
    public func patch(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        try await send(.PATCH, path, body)
    }

    /// DELETEs `path`.
    public func delete(_ path: String) async throws {
        _ = try await send(.DELETE, path, nil)
    }

    /// GETs `path` (with its query string).
    public func get(_ path: String) async throws -> JSONValue {
        try await send(.GET, path, nil)
    }

    /// POSTs raw bytes of a content type (an import of another app's file).
    public func post(_ path: String, bytes: [UInt8], contentType: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        request.headers.add(name: "content-type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await http.execute(request, timeout: .seconds(300))
        let json = (try? JSONValue.parse(Data(buffer: try await response.body.collect(upTo: 4 * 1024 * 1024)))) ?? .null
        guard response.status.code < 400 else { throw Failure(status: Int(response.status.code), body: json) }
        return json
    }

    /// GETs `path` as bytes, up to `limit` (an export).
    public func download(_ path: String, limit: Int = 256 << 20) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(300))
        let bytes = try await response.body.collect(upTo: limit)
        guard response.status.code < 400 else {
            throw Failure(status: Int(response.status.code), body: (try? JSONValue.parse(Data(buffer: bytes))) ?? .null)
        }
        return Array(bytes.readableBytesView)
    }

    func send(_ method: HTTPMethod, _ path: String, _ body: JSONValue?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.serialized()))
        }
        let response = try await http.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 4 * 1024 * 1024)
        let json = (try? JSONValue.parse(Data(buffer: bytes))) ?? .null
        guard response.status.code < 400 else { throw Failure(status: Int(response.status.code), body: json) }
        return json
    }
}

/// How `todo add` shows a parsed or created task: one field a line.
public func describeQuickAdd(_ task: JSONValue) -> String {
    var lines: [String] = []
    func line(_ name: String, _ value: String?) {
        if let value, !value.isEmpty { lines.append(name.padding(toLength: 10, withPad: " ", startingAt: 0) + value) }
    }
    line("id", task["id"]?.stringValue)
    line("title", task["title"]?.stringValue)
    if let due = task["due"] {
        line(
            "due", due["date"]?.stringValue ?? due["date_time"].flatMap { t in t.stringValue.map { "\($0) \(due["time_zone"]?.stringValue ?? "")" } })
    }
    if let r = task["recurrence"] {
        let anchor = r["anchor"]?.stringValue == "completion" ? ", from completion" : ""
        line("repeats", "\(r["description"]?.stringValue ?? "") (\(r["rule"]?.stringValue ?? "")\(anchor))")
    }
    if case .array(let reminders)? = task["reminders"] {
        line("reminders", reminders.compactMap { $0["before"]?.stringValue.map { "\($0) before" } ?? $0["at"]?.stringValue }.joined(separator: ", "))
    }
    if let p = task["priority"]?.stringValue, p != "none" { line("priority", p) }
    if case .array(let tags)? = task["tags"] { line("tags", tags.compactMap(\.stringValue).joined(separator: ", ")) }
    if let project = task["project_id"]?.stringValue { line("project", project) }
    if let section = task["section_id"]?.stringValue { line("section", section) }
    if case .array(let unknown)? = task["unknown"], !unknown.isEmpty {
        line("unknown", unknown.compactMap { $0["text"]?.stringValue }.joined(separator: ", ") + " (no such project or section; left in the title)")
    }
    if case .array(let tokens)? = task["tokens"] {
        line(
            "understood", tokens.compactMap { t in t["text"]?.stringValue.map { "[\(t["kind"]?.stringValue ?? "")] \($0)" } }.joined(separator: "  "))
    }
    return lines.joined(separator: "\n")
}
