import Foundation
import GRDB
import Synchronization
import TodoCore

/// The embedded database: one SQLite file in WAL mode through GRDB. Reads run concurrently on
/// GRDB's reader connections; writes are serialized by `writeLock` so a transaction can span
/// several awaits (GRDB's own transaction API takes a synchronous closure) without another
/// writer's statements landing inside it.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    let pool: DatabasePool
    public let signals = DatabaseSignals()
    private let writeLock = AsyncLock()

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String) throws {
        var config = Configuration()
        // Our transactions span several GRDB accesses (see the type's comment); `write` always
        // ends them, and `begin` rolls back any left open by a cancelled task.
        config.allowsUnsafeTransactions = true
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: config)
    }

    public func write<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T {
        await writeLock.lock()
        do {
            try await pool.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                try db.execute(sql: "BEGIN IMMEDIATE")
            }
            let pending = PendingSignals()
            let result = try await body(Connection(pool: pool, writer: true, pending: pending))
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
            await writeLock.unlock()
            signals.signal(pending.channels)
            return result
        } catch {
            try? await pool.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
            }
            await writeLock.unlock()
            throw error
        }
    }

    public func read<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T {
        try await body(Connection(pool: pool, writer: false, pending: nil))
    }

    public func ping() async throws {
        try await pool.read { db in _ = try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        try pool.close()
    }

    struct Connection: SQLConnection {
        var dialect: SQLDialect { .sqlite }
        let pool: DatabasePool
        let writer: Bool
        let pending: PendingSignals?

        func notify(_ channel: SignalChannel) async throws {
            pending?.add(channel)
        }

        func query(_ query: SQLQuery) async throws -> [SQLRow] {
            let (sql, binds) = query.render(.sqlite)
            let arguments = StatementArguments(binds.map(Connection.databaseValue))
            if writer {
                return try await pool.writeWithoutTransaction { db in try Connection.rows(db, sql, arguments) }
            }
            return try await pool.read { db in try Connection.rows(db, sql, arguments) }
        }

        static func rows(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [SQLRow] {
            do {
                let statement = try db.cachedStatement(sql: sql)
                statement.arguments = arguments
                var columns: [String: Int] = [:]
                for (i, name) in statement.columnNames.enumerated() where columns[name] == nil { columns[name] = i }
                var result: [SQLRow] = []
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next() {
                    result.append(SQLRow(columns: columns, values: row.databaseValues.map(Connection.value)))
                }
                return result
            } catch let error as DatabaseError
                where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
            {
                throw UniqueViolation(message: error.message ?? "")
            }
        }

        static func databaseValue(_ v: SQLValue) -> DatabaseValue {
            switch v {
            case .null: return .null
            case .int(let i): return i.databaseValue
            case .double(let d): return d.databaseValue
            case .text(let s): return s.databaseValue
            case .bool(let b): return (b ? 1 : 0).databaseValue
            case .date(let d): return Timestamp.millis(d).databaseValue
            case .uuid(let u): return u.lowercased.databaseValue
            }
        }

        static func value(_ v: DatabaseValue) -> SQLValue {
            switch v.storage {
            case .null: return .null
            case .int64(let i): return .int(i)
            case .double(let d): return .double(d)
            case .string(let s): return .text(s)
            case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
            }
        }
    }
}

/// A FIFO lock for async code: `lock()` suspends (never blocks a thread) until it is free.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
