import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

@Suite struct AccountStoreContractTests {
    @Test(arguments: TestDatabase.available)
    func emailsAreUnique(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = AccountStore(db: db)
            let user = try await makeUser(db)
            await #expect(throws: TodoError.conflict(code: "email_taken", detail: "An account with this email exists already.")) {
                try await store.createUser(email: user.email, passwordHash: "y", displayName: "Twin", timeZone: "UTC")
            }
            #expect(try await store.credentials(email: user.email)?.0 == user)
        }
    }

    @Test(arguments: TestDatabase.available)
    func refreshTokensRotateAndReuseRevokesTheFamily(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = AccountStore(db: db)
            let user = try await makeUser(db)
            let family = UUID.v7()
            let later = Date().addingTimeInterval(3600)
            try await store.addRefreshToken(userID: user.id, familyID: family, hash: "h1-\(family)", expiresAt: later)
            #expect(
                try await store.rotateRefreshToken(hash: "h1-\(family)", newHash: "h2-\(family)", expiresAt: later)
                    == .rotated(userID: user.id, familyID: family))
            // The first token again: theft suspected, the whole family goes.
            #expect(try await store.rotateRefreshToken(hash: "h1-\(family)", newHash: "h3-\(family)", expiresAt: later) == .reused)
            #expect(try await store.rotateRefreshToken(hash: "h2-\(family)", newHash: "h4-\(family)", expiresAt: later) == .revoked)
            #expect(try await store.rotateRefreshToken(hash: "nope-\(family)", newHash: "h5-\(family)", expiresAt: later) == .unknown)
            try await store.addRefreshToken(userID: user.id, familyID: UUID.v7(), hash: "old-\(family)", expiresAt: Date().addingTimeInterval(-1))
            #expect(try await store.rotateRefreshToken(hash: "old-\(family)", newHash: "h6-\(family)", expiresAt: later) == .expired)
        }
    }

    @Test(arguments: TestDatabase.available)
    func apiTokensAuthenticateUntilDeletedOrExpired(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = AccountStore(db: db)
            let user = try await makeUser(db)
            let hash = "t-\(UUID())"
            let token = try await store.createAPIToken(
                userID: user.id, name: "cli", scopes: [.tasksRead], hash: hash, prefix: "todo_pat_abcd", expiresAt: Date().addingTimeInterval(60))
            #expect(try await store.authenticateAPIToken(hash: hash)?.id == token.id)
            #expect(try await store.apiTokens(userID: user.id).first?.lastUsedAt != nil)
            #expect(try await store.authenticateAPIToken(hash: hash, now: Date().addingTimeInterval(120)) == nil)
            let other = try await makeUser(db)
            await #expect(throws: TodoError.notFound(resource: "token")) { try await store.deleteAPIToken(id: token.id, userID: other.id) }
            try await store.deleteAPIToken(id: token.id, userID: user.id)
            #expect(try await store.authenticateAPIToken(hash: hash) == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func idempotencyKeysReplayAndExpire(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = IdempotencyStore(db: db)
            let user = try await makeUser(db)
            #expect(try await store.reserve(userID: user.id, key: "k", requestHash: "r1") == .reserved)
            #expect(try await store.reserve(userID: user.id, key: "k", requestHash: "r1") == .inProgress)
            try await store.complete(userID: user.id, key: "k", status: 201, body: "{}")
            #expect(try await store.reserve(userID: user.id, key: "k", requestHash: "r1") == .replay(status: 201, body: "{}"))
            #expect(try await store.reserve(userID: user.id, key: "k", requestHash: "r2") == .mismatch)
            #expect(try await store.reserve(userID: user.id, key: "k", requestHash: "r2", now: Date().addingTimeInterval(25 * 3600)) == .reserved)
            let other = try await makeUser(db)
            #expect(try await store.reserve(userID: other.id, key: "k", requestHash: "r1") == .reserved)
        }
    }

    @Test(arguments: TestDatabase.available)
    func migrationsAreRecordedOnce(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let migrator = Migrator(db: db)
            let pending = try await migrator.pending()
            let appliedNow = try await migrator.migrate()
            let applied = try await migrator.applied()
            #expect(pending.isEmpty)
            #expect(appliedNow.isEmpty)
            #expect(applied.contains(1))
        }
    }

    @Test(arguments: TestDatabase.available)
    func housekeepingRemovesOnlyWhatExpired(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let accounts = AccountStore(db: db)
            let keys = IdempotencyStore(db: db)
            let user = try await makeUser(db)
            let now = Date()
            try await accounts.addRefreshToken(
                userID: user.id, familyID: .v7(), hash: "old-\(user.id)", expiresAt: now.addingTimeInterval(-8 * 86_400))
            try await accounts.addRefreshToken(userID: user.id, familyID: .v7(), hash: "live-\(user.id)", expiresAt: now.addingTimeInterval(86_400))
            _ = try await keys.reserve(userID: user.id, key: "old", requestHash: "h", now: now.addingTimeInterval(-25 * 3600))
            _ = try await keys.reserve(userID: user.id, key: "new", requestHash: "h", now: now)
            #expect(try await Housekeeping(db: db).sweep(now: now) >= 2)
            #expect(try await accounts.rotateRefreshToken(hash: "old-\(user.id)", newHash: "x-\(user.id)", expiresAt: now) == .unknown)
            let live = try await accounts.rotateRefreshToken(hash: "live-\(user.id)", newHash: "y-\(user.id)", expiresAt: now.addingTimeInterval(60))
            guard case .rotated(let owner, _) = live else {
                Issue.record("the live refresh token was removed: \(live)")
                return
            }
            #expect(owner == user.id)
            #expect(try await keys.reserve(userID: user.id, key: "new", requestHash: "h", now: now) == .inProgress)
        }
    }
}
