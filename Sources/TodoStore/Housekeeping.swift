import Foundation
import TodoCore

/// Deletes what has outlived its use: idempotency records past their 24 hours, and refresh
/// tokens that expired (or were revoked or used) more than a week ago.
public struct Housekeeping: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// One pass; returns how many rows it removed.
    @discardableResult
    public func sweep(now: Date = Date()) async throws -> Int {
        let keyCutoff = now.addingTimeInterval(-IdempotencyStore.retention).truncatedToMillis
        let tokenCutoff = now.addingTimeInterval(-7 * 24 * 3600).truncatedToMillis
        return try await db.write { conn in
            let keys = try await conn.query("DELETE FROM idempotency_keys WHERE created_at < \(keyCutoff) RETURNING key")
            let tokens = try await conn.query(
                """
                DELETE FROM refresh_tokens WHERE expires_at < \(tokenCutoff) OR revoked_at < \(tokenCutoff) OR used_at < \(tokenCutoff)
                RETURNING id
                """)
            return keys.count + tokens.count
        }
    }
}
