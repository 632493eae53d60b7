import Logging
import PostgresNIO
import Synchronization

/// The statements a process sends, named so that each connection parses and plans a statement
/// once rather than on every execution (a filtered list spent ~0.6–0.9 ms of PostgreSQL CPU in
/// parse, analysis and planning alone).
///
/// postgres-nio prepares a named statement on a connection the first time it is executed there
/// and keeps it for the connection's life, but its `PostgresPreparedStatement` wants the text as
/// a static property of a type per statement. The store builds its statements at run time, so
/// one type stands for all of them and reads the statement in hand from a task-local; the name
/// is given here, once per distinct text and parameter types.
///
/// At most `limit` distinct statements are named (every connection may come to hold all of
/// them); statements beyond that, and transaction control, are sent unnamed as before.
/// `DB_PREPARED_STATEMENTS=0` sends everything unnamed (for a pooler in transaction mode that
/// cannot keep a session's statements).
public final class PreparedStatements: Sendable {
    public let limit: Int
    private let names = Mutex<[Key: String]>([:])

    struct Key: Hashable {
        let sql: String
        let types: [PostgresDataType]
    }

    public init(limit: Int = 500) { self.limit = max(0, limit) }

    /// The name of `sql` bound with values of `types`, or nil when it is sent unnamed.
    func name(sql: String, types: [PostgresDataType]) -> String? {
        guard limit > 0, !Self.isTransactionControl(sql) else { return nil }
        let key = Key(sql: sql, types: types)
        return names.withLock { names in
            if let name = names[key] { return name }
            guard names.count < limit else { return nil }
            let name = "todo_\(names.count + 1)"
            names[key] = name
            return name
        }
    }

    /// How many statements have a name.
    public var count: Int { names.withLock { $0.count } }

    /// BEGIN, COMMIT and ROLLBACK cost nothing to parse and must work in any session state.
    static func isTransactionControl(_ sql: String) -> Bool { sql == "BEGIN" || sql == "COMMIT" || sql == "ROLLBACK" }

    /// Whether a server error on a named statement may have come from its preparation, which
    /// postgres-nio then keeps answering for that name on that connection for good (a statement
    /// parsed inside a transaction already failed, an undefined table that a migration then
    /// created, a lock timeout while parsing). Errors of the data — a unique violation, a bad
    /// value, a serialization failure, a deadlock — come from execution and leave the
    /// connection fit; after anything else it is closed, and the pool makes a new one.
    static func mayHaveSpoiledConnection(_ error: PSQLError) -> Bool {
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return !(state.hasPrefix("22") || state.hasPrefix("23") || state == "40001" || state == "40P01")
    }
}

/// The one `PostgresPreparedStatement` type: its name and text are the statement being executed
/// (`PreparedStatements`).
struct NamedStatement: PostgresPreparedStatement {
    struct Current: Sendable {
        var name: String
        var sql: String
    }

    @TaskLocal static var current = Current(name: "", sql: "")

    static var name: String { current.name }
    static var sql: String { current.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension PostgresConnection {
    /// Runs `sql` — as the named statement `name` when there is one — and hands each row to `each`.
    func forEachRow(sql: String, name: String?, bindings: PostgresBindings, logger: Logger, _ each: (PostgresRow) throws -> Void) async throws {
        guard let name else {
            for try await row in try await query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) { try each(row) }
            return
        }
        do {
            let rows = try await NamedStatement.$current.withValue(.init(name: name, sql: sql)) {
                try await execute(NamedStatement(bindings: bindings), logger: logger)
            }
            for try await row in rows { try each(row) }
        } catch let error as PSQLError where PreparedStatements.mayHaveSpoiledConnection(error) {
            // Closed before the error goes up, so that the caller's ROLLBACK sees a closed
            // connection and is not sent.
            try? await close().get()
            throw error
        }
    }
}
