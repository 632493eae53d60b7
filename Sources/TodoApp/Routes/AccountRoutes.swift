import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TodoCore
import TodoStore

/// Sign-up, sign-in, token refresh, sign-out and the account itself.
struct AccountRoutes {
    let services: AppServices

    func addPublic(to group: RouterGroup<AppRequestContext>) {
        group.post("signup", use: signup)
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.post("logout", use: logout)
    }

    func addAuthenticated(to group: RouterGroup<AppRequestContext>) {
        group.get("me", use: me)
        group.patch("me", use: updateMe)
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await request.jsonObject(context: context)
        var errors = FieldErrors()
        for (key, _) in Self.members(body) where !["email", "password", "display_name", "time_zone"].contains(key) {
            errors.add(key, "is not a field of a sign-up")
        }
        let user = try await createAccount(body, errors: errors, logger: context.logger)
        return .json(user.json, status: .created, headers: [.location: "/api/v1/me"])
    }

    /// Validates a sign-up (`email`, `password`, `display_name`, `time_zone`) and creates the
    /// account; throws `.validation` with every bad field, `.conflict` for a taken email. The API
    /// and the web form both sign up here.
    func createAccount(_ body: JSONValue, errors found: FieldErrors = FieldErrors(), logger: Logger) async throws -> User {
        var errors = found
        let email = errors.collect { try AccountRules.email(body["email"]) }
        let password = errors.collect { try AccountRules.password(body["password"]) }
        let name = errors.collect { try AccountRules.displayName(body["display_name"]) }
        let zone = errors.collect { try TaskRules.timeZone(body["time_zone"] ?? "UTC") }
        try errors.check()
        let hash = try await services.passwords.hash(password!)
        let user = try await services.accounts.createUser(email: email!, passwordHash: hash, displayName: name!, timeZone: zone!)
        logger.info("Account created", metadata: ["user_id": .string(user.id.lowercased)])
        return user
    }

    /// The person with this email and password, nil when either is wrong (logged with the client's
    /// address); counts against the login rate limits first (throws 429). The API and the web form
    /// both sign in here.
    func verifyLogin(email: String, password: String, _ request: Request, _ context: AppRequestContext) async throws -> User? {
        let address = clientAddress(request, context)
        try services.loginLimiter.attempt(email: email, address: address)
        let found = try await services.accounts.credentials(email: email)
        guard try await services.passwords.verify(password, hash: found?.1), let user = found?.0 else {
            context.logger.warning("Login failed", metadata: ["client_address": .string(address ?? "unknown")])
            return nil
        }
        context.logger.info("Login succeeded", metadata: ["user_id": .string(user.id.lowercased)])
        return user
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await request.jsonObject(context: context)
        var errors = FieldErrors()
        let email = errors.collect { try AccountRules.email(body["email"]) }
        let password = body["password"]?.stringValue
        if password == nil { errors.add("password", "is required") }
        try errors.check()
        guard let user = try await verifyLogin(email: email!, password: password!, request, context) else {
            throw TodoError.unauthorized(code: "invalid_credentials", detail: "The email or password is wrong.")
        }
        return try await issueTokens(for: user.id, familyID: .v7())
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await request.jsonObject(context: context)
        guard case .string(let token)? = body["refresh_token"], !token.isEmpty else {
            throw TodoError.invalid("refresh_token", "is required")
        }
        let newToken = OpaqueToken.make()
        let expires = Date() + services.config.refreshTokenLifetime
        let outcome = try await services.accounts.rotateRefreshToken(
            hash: OpaqueToken.hash(token), newHash: OpaqueToken.hash(newToken), expiresAt: expires)
        switch outcome {
        case .rotated(let userID, _):
            return try await tokenResponse(access: services.tokens.accessToken(for: userID), refresh: newToken)
        case .reused:
            context.logger.warning(
                "Refresh token reused; its sign-in is revoked", metadata: ["client_address": .string(context.remoteAddress ?? "unknown")])
            throw TodoError.unauthorized(code: "refresh_token_reused", detail: "This refresh token was used before; sign in again.")
        case .expired, .revoked, .unknown:
            throw TodoError.unauthorized(code: "invalid_refresh_token", detail: "The refresh token is unknown, expired or revoked.")
        }
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await request.jsonObject(context: context)
        guard case .string(let token)? = body["refresh_token"], !token.isEmpty else {
            throw TodoError.invalid("refresh_token", "is required")
        }
        _ = try await services.accounts.revokeRefreshFamily(hash: OpaqueToken.hash(token))
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        guard let user = try await services.accounts.user(id: principal.userID) else { throw TodoError.notFound(resource: "user") }
        return .json(user.json)
    }

    @Sendable func updateMe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.requireSession()
        var request = request
        let body = try await request.jsonObject(context: context, merge: true)
        var errors = FieldErrors()
        let allowed = ["email", "display_name", "time_zone", "reminder_channels", "password", "current_password"]
        for (key, _) in Self.members(body) where !allowed.contains(key) {
            errors.add(key, ["id", "created_at", "updated_at"].contains(key) ? "is read-only" : "is not a field of an account")
        }
        let email = body["email"].flatMap { v in errors.collect { try AccountRules.email(v) } }
        let name = body["display_name"].flatMap { v in errors.collect { try AccountRules.displayName(v) } }
        let zone = body["time_zone"].flatMap { v in errors.collect { try TaskRules.timeZone(v) } }
        let password = body["password"].flatMap { v in errors.collect { try AccountRules.password(v) } }
        let channels = body["reminder_channels"].flatMap { v in errors.collect { try ReminderChannel.parse(v, field: "reminder_channels") } }
        if password != nil || email != nil, body["current_password"]?.stringValue == nil {
            errors.add("current_password", "is required to change the email or password")
        }
        try errors.check()
        var newHash: String?
        if password != nil || email != nil {
            guard let user = try await services.accounts.user(id: principal.userID),
                let (_, hash) = try await services.accounts.credentials(email: user.email),
                try await services.passwords.verify(body["current_password"]?.stringValue ?? "", hash: hash)
            else { throw TodoError.invalid("current_password", "is wrong") }
            if let password { newHash = try await services.passwords.hash(password) }
        }
        let user = try await services.accounts.updateUser(
            id: principal.userID, email: email, displayName: name, timeZone: zone, passwordHash: newHash, reminderChannels: channels)
        services.zones.forget(principal.userID)
        return .json(user.json)
    }

    /// The client's address: the TCP peer, or with `TRUSTED_PROXY_HOPS` set, the entry of
    /// `X-Forwarded-For` that the nearest trusted proxy recorded.
    func clientAddress(_ request: Request, _ context: AppRequestContext) -> String? {
        let hops = services.config.trustedProxyHops
        guard hops > 0 else { return context.remoteAddress }
        let entries = request.headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { return context.remoteAddress }
        return entries[max(0, entries.count - hops)]
    }

    func issueTokens(for userID: UUID, familyID: UUID) async throws -> Response {
        let refresh = try await newRefreshToken(for: userID, familyID: familyID)
        return try await tokenResponse(access: services.tokens.accessToken(for: userID), refresh: refresh)
    }

    /// A refresh token of the given sign-in family (stored hashed); the web session keeps one in its cookie.
    func newRefreshToken(for userID: UUID, familyID: UUID) async throws -> String {
        let refresh = OpaqueToken.make()
        try await services.accounts.addRefreshToken(
            userID: userID, familyID: familyID, hash: OpaqueToken.hash(refresh),
            expiresAt: Date() + services.config.refreshTokenLifetime)
        return refresh
    }

    func tokenResponse(access: String, refresh: String) async throws -> Response {
        .json(
            .object([
                ("access_token", .string(access)), ("refresh_token", .string(refresh)), ("token_type", "Bearer"),
                ("expires_in", .int(services.tokens.lifetime.components.seconds)),
            ]), headers: [.cacheControl: "no-store"])
    }

    static func members(_ value: JSONValue) -> [(String, JSONValue)] {
        if case .object(let m) = value { return m }
        return []
    }
}

/// Personal API tokens: created with scopes and an expiry, the secret shown once.
struct TokenRoutes {
    static let prefix = "todo_pat_"
    let services: AppServices

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("tokens", use: create)
        group.get("tokens", use: list)
        group.delete("tokens/{id}", use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.requireSession()
        var request = request
        let body = try await request.jsonObject(context: context)
        var errors = FieldErrors()
        for (key, _) in AccountRoutes.members(body) where !["name", "scopes", "expires_in_days"].contains(key) {
            errors.add(key, "is not a field of a token")
        }
        var name = ""
        switch body["name"] {
        case .string(let n)? where (1...100).contains(n.trimmingCharacters(in: .whitespaces).count):
            name = n.trimmingCharacters(in: .whitespaces)
        default: errors.add("name", "must be a string of 1 to 100 characters")
        }
        var scopes: [Scope] = []
        if case .array(let items)? = body["scopes"], !items.isEmpty {
            for (i, item) in items.enumerated() {
                if let s = item.stringValue.flatMap(Scope.init(rawValue:)) {
                    if !scopes.contains(s) { scopes.append(s) }
                } else {
                    errors.add("scopes[\(i)]", "must be tasks:read or tasks:write")
                }
            }
        } else {
            errors.add("scopes", "must be a non-empty array of tasks:read, tasks:write")
        }
        var days = 90
        if let d = body["expires_in_days"] {
            if case .int(let n) = d, (1...365).contains(n) {
                days = Int(n)
            } else {
                errors.add("expires_in_days", "must be a whole number from 1 to 365")
            }
        }
        try errors.check()
        let secret = OpaqueToken.make(prefix: Self.prefix)
        let token = try await services.accounts.createAPIToken(
            userID: principal.userID, name: name, scopes: scopes.sorted(), hash: OpaqueToken.hash(secret),
            prefix: String(secret.prefix(Self.prefix.count + 4)), expiresAt: Date() + .days(days))
        guard case .object(var members) = token.json else { return .json(token.json, status: .created) }
        members.append(("token", .string(secret)))
        return .json(.object(members), status: .created, headers: [.cacheControl: "no-store"])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.requireSession()
        let tokens = try await services.accounts.apiTokens(userID: principal.userID)
        return .json(.object([("items", .array(tokens.map(\.json))), ("next_cursor", .null)]))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.requireSession()
        try await services.accounts.deleteAPIToken(id: try context.parameters.uuid("id", resource: "token"), userID: principal.userID)
        return Response(status: .noContent)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
