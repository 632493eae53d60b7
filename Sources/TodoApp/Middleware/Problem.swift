import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TodoCore
import TodoStore

/// An RFC 9457 problem: what every error response of the API looks like.
/// `{"type", "title", "status", "code", "detail", "errors": [{"field", "reason"}]}`.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    public var errors: [FieldError] = []
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, detail: String, errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("urn:todo:problem:\(code)")), ("title", .string(status.reasonPhrase)),
            ("status", .int(Int64(status.code))), ("code", .string(code)), ("detail", .string(detail)),
        ]
        if !errors.isEmpty {
            members.append(("errors", .array(errors.map { .object([("field", .string($0.field)), ("reason", .string($0.reason))]) })))
        }
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json.serialized())))
    }

    /// The problem a domain error stands for.
    public init(_ error: TodoError) {
        switch error {
        case .malformedJSON(let detail): self.init(.badRequest, code: "malformed_json", detail: detail)
        case .badRequest(let code, let detail): self.init(.badRequest, code: code, detail: detail)
        case .unauthorized(let code, let detail):
            self.init(.unauthorized, code: code, detail: detail, headers: [.wwwAuthenticate: "Bearer"])
        case .forbidden(let code, let detail): self.init(.forbidden, code: code, detail: detail)
        case .notFound(let resource): self.init(.notFound, code: "not_found", detail: "No such \(resource).")
        case .conflict(let code, let detail): self.init(.conflict, code: code, detail: detail)
        case .preconditionFailed(let detail): self.init(.preconditionFailed, code: "version_mismatch", detail: detail)
        case .validation(let errors):
            let detail =
                errors.count == 1
                ? "\(errors[0].field.isEmpty ? "request" : errors[0].field) \(errors[0].reason)." : "\(errors.count) fields are invalid."
            self.init(.unprocessableContent, code: "validation_failed", detail: detail, errors: errors)
        case .rateLimited(let seconds):
            self.init(
                .tooManyRequests, code: "rate_limited", detail: "Too many attempts; retry in \(seconds) seconds.",
                headers: [.retryAfter: String(seconds)])
        }
    }
}

/// Turns every error into a problem response: domain errors by their meaning, the framework's
/// HTTP errors by their status, and anything else into a 500 that is logged with its cause but
/// never shows it to the client.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.problem(for: error, request: request, context: context).response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, request: Request, context: Context) -> Problem {
        switch error {
        case let p as Problem: return p
        case let e as TodoError: return Problem(e)
        case let e as PoolExhausted:
            context.logger.warning(
                "Database connection pool exhausted; answered 503", metadata: ["waited": "\(e.waited)", "path": "\(request.uri.path)"])
            return Problem(
                .serviceUnavailable, code: "busy", detail: "The service is busy; retry in a second.", headers: [.retryAfter: "1"])
        case is DatabaseUnavailable:
            // Logged once per outage by the database itself; each request's access-log line is a WARN.
            return Problem(
                .serviceUnavailable, code: "database_unavailable", detail: "The database is unavailable for a moment; retry shortly.",
                headers: [.retryAfter: "2"])
        case is CancellationError:
            // A request still running when shutdown ran out of time (a client that never sends
            // its body, say): the server is stopping, not failing.
            context.logger.warning("Request cancelled at shutdown", metadata: ["path": "\(request.uri.path)"])
            return Problem(.serviceUnavailable, code: "shutting_down", detail: "The server is shutting down; retry.", headers: [.retryAfter: "1"])
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, code: "body_too_large", detail: "The body is larger than 1 MiB.")
        case let e as HTTPError:
            switch e.status {
            case .notFound: return Problem(.notFound, code: "not_found", detail: "No such resource.")
            case .contentTooLarge: return Problem(.contentTooLarge, code: "body_too_large", detail: "The body is larger than 1 MiB.")
            case .methodNotAllowed:
                return Problem(.methodNotAllowed, code: "method_not_allowed", detail: "This resource does not accept \(request.method).")
            case let status where status.code < 500:
                return Problem(status, code: "bad_request", detail: e.body ?? status.reasonPhrase)
            default: break
            }
        default: break
        }
        context.logger.error("Request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
        return Problem(.internalServerError, code: "internal_error", detail: "Something went wrong on our side; it has been logged.")
    }
}
