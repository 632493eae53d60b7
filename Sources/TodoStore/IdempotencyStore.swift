import Foundation
import TodoCore

/// Remembers the response to a POST sent with an `Idempotency-Key`, per user, for 24 hours, so a
/// retried request gets the first answer instead of doing the work twice.
public struct IdempotencyStore: Sendable {
    let db: any SQLDatabase
    public static let retention: Duration = .days(1)
    /// A reservation older than this is taken to belong to a request that died; it may be retaken.
    public static let staleReservation: Duration = .minutes(1)

    public init(db: any SQLDatabase) { self.db = db }

    public enum Reservation: Sendable, Equatable {
        /// The key is ours: do the work, then `complete` or `release`.
        case reserved
        /// The first request finished with this status and body.
        case replay(status: Int, body: String)
        /// The first request is still running.
        case inProgress
        /// The key was used with a different request.
        case mismatch
    }

    public func reserve(userID: UUID, key: String, requestHash: String, now: Date = Date()) async throws -> Reservation {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            try await conn.execute(
                """
                DELETE FROM idempotency_keys WHERE user_id = \(userID) AND key = \(key)
                  AND (created_at < \(now - Self.retention)
                       OR (status IS NULL AND created_at < \(now - Self.staleReservation)))
                """)
            let inserted = try await conn.first(
                """
                INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (\(userID), \(key), \(requestHash), \(now))
                ON CONFLICT (user_id, key) DO NOTHING RETURNING key
                """)
            if inserted != nil { return .reserved }
            guard
                let row = try await conn.first(
                    "SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = \(userID) AND key = \(key)")
            else { return .inProgress }
            if try row.string("request_hash") != requestHash { return .mismatch }
            guard let status = row.optionalInt("status") else { return .inProgress }
            return .replay(status: status, body: row.optionalString("response") ?? "")
        }
    }

    public func complete(userID: UUID, key: String, status: Int, body: String) async throws {
        try await db.write { conn in
            try await conn.execute("UPDATE idempotency_keys SET status = \(status), response = \(body) WHERE user_id = \(userID) AND key = \(key)")
        }
    }

    public func release(userID: UUID, key: String) async throws {
        try await db.write { conn in
            try await conn.execute("DELETE FROM idempotency_keys WHERE user_id = \(userID) AND key = \(key) AND status IS NULL")
        }
    }
}
