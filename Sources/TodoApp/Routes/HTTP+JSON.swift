import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TodoCore

extension StringProtocol {
    /// Without the optional white space (spaces and tabs, RFC 9110 §5.6.3) around a header
    /// value or list element. Foundation's `trimmingCharacters` goes through NSString, and on
    /// the Authorization header of every request it cost 3 % of a get's CPU.
    func trimmingOWS() -> SubSequence {
        let ows: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !ows($0) }), let last = lastIndex(where: { !ows($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}

extension Request {
    /// The body as JSON: 415 unless the content type is JSON (`merge` also allows
    /// `application/merge-patch+json`), 413 over the limit, 400 when it is not JSON.
    mutating func json(context: some RequestContext, merge: Bool = false) async throws -> JSONValue {
        let type = headers[.contentType]?.split(separator: ";").first.map { $0.trimmingOWS().lowercased() }
        let accepted = merge ? ["application/json", "application/merge-patch+json"] : ["application/json"]
        guard let type, accepted.contains(type) else {
            throw Problem(
                .unsupportedMediaType, code: "unsupported_media_type",
                detail: "Send the body as \(accepted.joined(separator: " or ")).")
        }
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        return try JSONValue.parse(Data(buffer.readableBytesView))
    }

    /// The body as a JSON object (422 for any other JSON value).
    mutating func jsonObject(context: some RequestContext, merge: Bool = false) async throws -> JSONValue {
        let value = try await json(context: context, merge: merge)
        guard case .object = value else { throw TodoError.invalid("", "the body must be a JSON object") }
        return value
    }
}

extension Response {
    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        .json(bytes: value.serializedBytes(), status: status, headers: headers)
    }

    /// A JSON response of bytes already written (`JSONWriter`).
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A task with its entity tag.
    static func task(_ task: TodoTask, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.eTag] = task.etag
        var w = JSONWriter(capacity: 1024)
        TaskResponse(task).write(to: &w)
        return .json(bytes: w.bytes, status: status, headers: headers)
    }
}

extension Parameters {
    /// A path parameter that must be a UUID; anything else is a 404 (no such resource).
    func uuid(_ name: String, resource: String) throws -> UUID {
        guard let text = self.get(name), let id = UUID(canonical: text) else { throw TodoError.notFound(resource: resource) }
        return id
    }
}

/// Reads `If-Match`: nil when absent; the version it names; `.any` for `*`.
extension VersionPrecondition {
    /// The request's `If-Match`: absent, `*`, or entity tags (`"3"`, `W/"3"`; several allowed).
    init(_ request: Request) {
        guard let value = request.headers[.ifMatch] else {
            self = .unconditional
            return
        }
        if value.trimmingOWS() == "*" {
            self = .anyVersion
            return
        }
        self = .oneOf(
            value.split(separator: ",").compactMap { tag in
                var t = tag.trimmingOWS()
                if t.hasPrefix("W/") { t.removeFirst(2) }
                guard t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") else { return nil }
                return Int(t.dropFirst().dropLast())
            })
    }
}
