import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import TodoCore
import TodoStore

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}

/// `Idempotency-Key` on an authenticated POST: the first response (status and body) is stored
/// for 24 hours and returned again for a retry with the same key and the same request; the
/// same key with another request is a 422; a retry while the first is still running is a 409.
/// The key is reserved before the work starts, so two concurrent retries never both do it.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: IdempotencyStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey], let principal = context.principal else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.count), key.unicodeScalars.allSatisfy({ (0x20...0x7e).contains($0.value) }) else {
            throw Problem(.badRequest, code: "invalid_idempotency_key", detail: "Idempotency-Key must be 1 to 255 ASCII characters.")
        }
        var request = request
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        request.body = RequestBody(buffer: body)
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: Data(body.readableBytesView))
        let requestHash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        switch try await store.reserve(userID: principal.userID, key: key, requestHash: requestHash) {
        case .replay(let status, let stored):
            return Self.replay(status: status, stored: stored)
        case .inProgress:
            throw TodoError.conflict(code: "idempotency_key_in_use", detail: "A request with this Idempotency-Key is still being processed.")
        case .mismatch:
            throw TodoError.invalid("Idempotency-Key", "was used before with a different request")
        case .reserved:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = ProblemMiddleware<Context>.problem(for: error, request: request, context: context)
            if problem.status.code >= 500 {
                try? await store.release(userID: principal.userID, key: key)
            } else {
                try await store.complete(
                    userID: principal.userID, key: key, status: Int(problem.status.code),
                    body: Self.encode(headers: problemHeaders(problem), body: problem.json.serialized()))
            }
            throw problem
        }
        var captured = response
        let collector = BodyCollector()
        try await response.body.write(collector)
        let bytes = collector.buffer.withLockedValue { $0 }
        captured.body = .init(byteBuffer: bytes)
        try await store.complete(
            userID: principal.userID, key: key, status: Int(response.status.code),
            body: Self.encode(headers: response.headers, body: String(buffer: bytes)))
        return captured
    }

    /// Stored as JSON: the headers worth replaying and the body text.
    static func encode(headers: HTTPFields, body: String) -> String {
        let kept: [HTTPField.Name] = [.contentType, .eTag, .location, .retryAfter]
        let h = kept.compactMap { name in headers[name].map { (name.canonicalName, JSONValue.string($0)) } }
        return JSONValue.object([("headers", .object(h)), ("body", .string(body))]).serialized()
    }

    static func replay(status: Int, stored: String) -> Response {
        let json = try? JSONValue.parse(Data(stored.utf8))
        var headers: HTTPFields = [.idempotentReplayed: "true"]
        if case .object(let members)? = json?["headers"] {
            for (name, value) in members {
                if let n = HTTPField.Name(name), let v = value.stringValue { headers[n] = v }
            }
        }
        let body = json?["body"]?.stringValue ?? ""
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

func problemHeaders(_ problem: Problem) -> HTTPFields {
    var headers = problem.headers
    headers[.contentType] = "application/problem+json"
    return headers
}

/// Collects a response body in memory (responses of POST routes are small JSON documents).
final class BodyCollector: ResponseBodyWriter, Sendable {
    let buffer = NIOLockedValueBox(ByteBuffer())

    func write(_ buffer: ByteBuffer) async throws {
        self.buffer.withLockedValue { _ = $0.writeImmutableBuffer(buffer) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
