import Foundation
import TodoCore

/// Users, their refresh tokens and personal API tokens. Secrets are stored only as hashes; the
/// caller hashes them (see `TokenHash` in TodoApp).
public struct AccountStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    static let userColumns = "id, email, display_name, time_zone, reminder_channels, created_at, updated_at"

    public func createUser(email: String, passwordHash: String, displayName: String, timeZone: TimeZoneID, now: Date = Date()) async throws -> User {
        let now = now.truncatedToMillis
        let user = User(id: .v7(at: now), email: email, displayName: displayName, timeZone: timeZone, createdAt: now, updatedAt: now)
        do {
            try await db.write { conn in
                try await conn.execute(
                    """
                    INSERT INTO users (id, email, password_hash, display_name, time_zone, created_at, updated_at)
                    VALUES (\(user.id), \(email), \(passwordHash), \(displayName), \(timeZone.identifier), \(now), \(now))
                    """)
                try await ProjectStore.insertInbox(userID: user.id, now: now, conn: conn)
            }
        } catch is UniqueViolation {
            throw TodoError.conflict(code: "email_taken", detail: "An account with this email exists already.")
        }
        return user
    }

    /// The user and password hash for a login.
    public func credentials(email: String) async throws -> (User, String)? {
        try await db.read { conn in
            guard let row = try await conn.first("SELECT \(raw: Self.userColumns), password_hash FROM users WHERE email = \(email)")
            else { return nil }
            return (try Self.user(row), try row.string("password_hash"))
        }
    }

    public func user(id: UUID) async throws -> User? {
        try await db.read { conn in
            try await conn.first("SELECT \(raw: Self.userColumns) FROM users WHERE id = \(id)").map(Self.user)
        }
    }

    /// Changes the given fields of a user.
    public func updateUser(
        id: UUID, email: String?, displayName: String?, timeZone: TimeZoneID?, passwordHash: String?, reminderChannels: [ReminderChannel]? = nil,
        now: Date = Date()
    ) async throws -> User {
        let now = now.truncatedToMillis
        do {
            return try await db.write { conn in
                var sets: [SQLQuery] = ["updated_at = \(now)"]
                if let email { sets.append("email = \(email)") }
                if let displayName { sets.append("display_name = \(displayName)") }
                if let timeZone { sets.append("time_zone = \(timeZone.identifier)") }
                if let passwordHash { sets.append("password_hash = \(passwordHash)") }
                if let reminderChannels { sets.append("reminder_channels = \(reminderChannels.map(\.rawValue).joined(separator: ","))") }
                guard
                    let row = try await conn.first(
                        "UPDATE users SET \(SQLQuery(sets, separator: ", ")) WHERE id = \(id) RETURNING \(raw: Self.userColumns)")
                else { throw TodoError.notFound(resource: "user") }
                return try Self.user(row)
            }
        } catch is UniqueViolation {
            throw TodoError.conflict(code: "email_taken", detail: "An account with this email exists already.")
        }
    }

    static func user(_ row: SQLRow) throws -> User {
        var user = User(
            id: try row.uuid("id"), email: try row.string("email"), displayName: try row.string("display_name"),
            timeZone: try row.timeZone("time_zone"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
        let channels = (row.optionalString("reminder_channels") ?? "").split(separator: ",").compactMap { ReminderChannel(rawValue: String($0)) }
        if !channels.isEmpty { user.reminderChannels = channels.sorted() }
        return user
    }

    // MARK: - Refresh tokens

    /// Stores a refresh token's hash in a family (one family per login).
    public func addRefreshToken(userID: UUID, familyID: UUID, hash: String, expiresAt: Date, now: Date = Date()) async throws {
        try await db.write { conn in
            try await Self.insertRefresh(userID: userID, familyID: familyID, hash: hash, expiresAt: expiresAt, now: now, conn: conn)
        }
    }

    /// What presenting a refresh token led to.
    public enum RefreshOutcome: Sendable, Equatable {
        /// Valid: it is now used up, and `newHash` replaces it in the same family.
        case rotated(userID: UUID, familyID: UUID)
        case unknown
        case expired
        /// Presented again after it was used: the family is revoked (the token may have been stolen).
        case reused
        case revoked
    }

    /// Uses up the refresh token with `hash` and stores `newHash` in its place.
    public func rotateRefreshToken(hash: String, newHash: String, expiresAt: Date, now: Date = Date()) async throws -> RefreshOutcome {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            guard
                let row = try await conn.first(
                    "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = \(hash)\(conn.rowLock)")
            else { return .unknown }
            let familyID = try row.uuid("family_id")
            if row.optionalDate("revoked_at") != nil { return .revoked }
            if row.optionalDate("used_at") != nil {
                try await conn.execute("UPDATE refresh_tokens SET revoked_at = \(now) WHERE family_id = \(familyID) AND revoked_at IS NULL")
                return .reused
            }
            if try row.date("expires_at") <= now { return .expired }
            let userID = try row.uuid("user_id")
            try await conn.execute("UPDATE refresh_tokens SET used_at = \(now) WHERE token_hash = \(hash)")
            try await Self.insertRefresh(userID: userID, familyID: familyID, hash: newHash, expiresAt: expiresAt, now: now, conn: conn)
            return .rotated(userID: userID, familyID: familyID)
        }
    }

    /// The user of a web session: its refresh token (`hash`) is current — not used up, revoked or
    /// expired. Nothing changes (a browser session mints access tokens without rotating).
    public func sessionUser(refreshHash hash: String, now: Date = Date()) async throws -> UUID? {
        try await db.read { conn in
            guard let row = try await conn.first("SELECT user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = \(hash)"),
                row.optionalDate("used_at") == nil, row.optionalDate("revoked_at") == nil, try row.date("expires_at") > now
            else { return nil }
            return try row.uuid("user_id")
        }
    }

    /// Revokes the family of the refresh token with `hash` (logout: holding the token is the
    /// authority). True when it existed.
    public func revokeRefreshFamily(hash: String, now: Date = Date()) async throws -> Bool {
        try await db.write { conn in
            guard let row = try await conn.first("SELECT family_id FROM refresh_tokens WHERE token_hash = \(hash)")
            else { return false }
            try await conn.execute(
                "UPDATE refresh_tokens SET revoked_at = \(now.truncatedToMillis) WHERE family_id = \(try row.uuid("family_id")) AND revoked_at IS NULL"
            )
            return true
        }
    }

    static func insertRefresh(userID: UUID, familyID: UUID, hash: String, expiresAt: Date, now: Date, conn: any SQLConnection) async throws {
        try await conn.execute(
            """
            INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at)
            VALUES (\(UUID.v7(at: now)), \(userID), \(familyID), \(hash), \(expiresAt.truncatedToMillis), \(now.truncatedToMillis))
            """)
    }

    // MARK: - Personal API tokens

    public func createAPIToken(userID: UUID, name: String, scopes: [Scope], hash: String, prefix: String, expiresAt: Date?, now: Date = Date())
        async throws -> APIToken
    {
        let now = now.truncatedToMillis
        let token = APIToken(
            id: .v7(at: now), userID: userID, name: name, scopes: scopes, prefix: prefix,
            expiresAt: expiresAt?.truncatedToMillis, lastUsedAt: nil, createdAt: now)
        try await db.write { conn in
            try await conn.execute(
                """
                INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, scopes, expires_at, created_at)
                VALUES (\(token.id), \(userID), \(name), \(hash), \(prefix), \(scopes.map(\.rawValue).joined(separator: " ")),
                  \(token.expiresAt), \(now))
                """)
        }
        return token
    }

    public func apiTokens(userID: UUID) async throws -> [APIToken] {
        try await db.read { conn in
            try await conn.query("SELECT \(raw: Self.tokenColumns) FROM api_tokens WHERE user_id = \(userID) ORDER BY created_at DESC, id DESC").map(
                Self.apiToken)
        }
    }

    public func deleteAPIToken(id: UUID, userID: UUID) async throws {
        try await db.write { conn in
            guard try await conn.first("DELETE FROM api_tokens WHERE id = \(id) AND user_id = \(userID) RETURNING id") != nil else {
                throw TodoError.notFound(resource: "token")
            }
        }
    }

    /// The token with this hash if it exists and has not expired; records its use (at most once a
    /// minute, so authentication does not write on every request).
    public func authenticateAPIToken(hash: String, now: Date = Date()) async throws -> APIToken? {
        let row = try await db.read { conn in try await conn.first("SELECT \(raw: Self.tokenColumns) FROM api_tokens WHERE token_hash = \(hash)") }
        guard let row else { return nil }
        let token = try Self.apiToken(row)
        if let expires = token.expiresAt, expires <= now { return nil }
        if (token.lastUsedAt ?? .distantPast) < now - .minutes(1) {
            try await db.write { conn in
                try await conn.execute("UPDATE api_tokens SET last_used_at = \(now.truncatedToMillis) WHERE id = \(token.id)")
            }
        }
        return token
    }

    /// Named rather than `*`: a prepared `*` fails once a migration adds a column.
    static let tokenColumns = "id, user_id, name, scopes, prefix, expires_at, last_used_at, created_at"

    static func apiToken(_ row: SQLRow) throws -> APIToken {
        APIToken(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), name: try row.string("name"),
            scopes: try row.string("scopes").split(separator: " ").compactMap { Scope(rawValue: String($0)) },
            prefix: try row.string("prefix"), expiresAt: row.optionalDate("expires_at"),
            lastUsedAt: row.optionalDate("last_used_at"), createdAt: try row.date("created_at"))
    }
}
