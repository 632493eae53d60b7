/// One reason a field of a request was rejected. `field` is a JSON path such as `title`,
/// `due.time_zone` or `tags[2]`.
public struct FieldError: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// Every failure the domain can report to a client. The API maps each case to an HTTP status and
/// an RFC 9457 problem with a stable `code`; anything that is not a `TodoError` is a server fault.
public enum TodoError: Error, Sendable, Equatable {
    /// 400: the body is not JSON at all.
    case malformedJSON(detail: String)
    /// 400: the request is not understood (a header, a parameter outside any field).
    case badRequest(code: String, detail: String)
    /// 401: no credentials, or credentials that are not valid.
    case unauthorized(code: String, detail: String)
    /// 403: valid credentials without the right to do this.
    case forbidden(code: String, detail: String)
    /// 404: no such resource for this user (also for resources of other users).
    case notFound(resource: String)
    /// 409: the request conflicts with the current state.
    case conflict(code: String, detail: String)
    /// 412: `If-Match` does not match the current version.
    case preconditionFailed(detail: String)
    /// 422: the request is well-formed but its fields are not acceptable.
    case validation([FieldError])
    /// 429: too many attempts; retry after that many seconds.
    case rateLimited(retryAfterSeconds: Int)

    /// A 422 for a single field.
    public static func invalid(_ field: String, _ reason: String) -> TodoError {
        .validation([FieldError(field, reason)])
    }
}

/// Collects field errors so a client learns about every bad field in one answer.
public struct FieldErrors: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func add(_ field: String, _ reason: String) {
        errors.append(FieldError(field, reason))
    }

    /// Runs a validation rule, keeping the field errors it throws; nil when it failed.
    public mutating func collect<T>(_ rule: () throws -> T) -> T? {
        do {
            return try rule()
        } catch TodoError.validation(let list) {
            errors.append(contentsOf: list)
            return nil
        } catch {
            errors.append(FieldError("", "\(error)"))
            return nil
        }
    }

    /// Throws `TodoError.validation` when anything was collected.
    public func check() throws {
        if !errors.isEmpty { throw TodoError.validation(errors) }
    }
}

/// What a write requires of the version it changes (`If-Match`): nothing (no header), any version
/// (`*`), or one of the listed versions. An `If-Match` whose tags name no version (unreadable)
/// is `oneOf([])`, which nothing satisfies.
public enum VersionPrecondition: Sendable, Equatable {
    case unconditional
    case anyVersion
    case oneOf([Int])

    /// `oneOf([version])`, or `unconditional` for nil.
    public init(expecting version: Int?) {
        self = version.map { .oneOf([$0]) } ?? .unconditional
    }

    public func admits(_ version: Int) -> Bool {
        switch self {
        case .unconditional, .anyVersion: true
        case .oneOf(let versions): versions.contains(version)
        }
    }

    /// The 412 when `current` is not admitted.
    public func check(_ current: Int) throws {
        guard !admits(current), case .oneOf(let versions) = self else { return }
        let yours =
            switch versions.count {
            case 0: "your If-Match names no version"
            case 1: "your version \(versions[0])"
            default: "your versions " + versions.map(String.init).joined(separator: ", ")
            }
        throw TodoError.preconditionFailed(detail: "The task was changed since you read it (\(yours), now \(current)).")
    }
}
