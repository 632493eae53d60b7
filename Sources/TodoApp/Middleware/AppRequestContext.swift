import Foundation
import Hummingbird
import Logging
import NIOCore
import TodoCore

/// Who is making a request.
public struct Principal: Sendable {
    public var userID: UUID
    /// nil for a signed-in session (may do everything); the token's scopes for a personal API token.
    public var scopes: Set<Scope>?

    public var isSession: Bool { scopes == nil }

    /// Throws 403 unless this principal may use `scope`.
    public func require(_ scope: Scope) throws {
        if let scopes, !scopes.contains(scope) {
            throw TodoError.forbidden(code: "insufficient_scope", detail: "This token lacks the scope \(scope.rawValue).")
        }
    }

    /// Throws 403 for API tokens: account settings need a signed-in session.
    public func requireSession() throws {
        if !isSession {
            throw TodoError.forbidden(code: "session_required", detail: "API tokens cannot manage the account; sign in instead.")
        }
    }
}

/// The request context of every route: the client's address (for rate limits) and, behind
/// `AuthMiddleware`, the authenticated principal.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var remoteAddress: String?
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The largest request body (1 MiB); larger ones get 413.
    public var maxUploadSize: Int { 1 << 20 }

    /// The authenticated principal; routes behind `AuthMiddleware` always have one.
    public func user() throws -> Principal {
        guard let principal else { throw TodoError.unauthorized(code: "unauthenticated", detail: "Sign in first.") }
        return principal
    }
}
