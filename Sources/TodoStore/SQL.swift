import Foundation
import TodoCore

/// The two SQL engines the store runs on.
public enum SQLDialect: String, Sendable {
    case sqlite, postgres
}

/// A value bound into, or read out of, a statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)
    case date(Date)
    case uuid(UUID)

    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    public init(_ value: Date?) { self = value.map(SQLValue.date) ?? .null }
    public init(_ value: UUID?) { self = value.map(SQLValue.uuid) ?? .null }
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
}

/// A statement whose values are always bound, never spliced: `"… WHERE id = \(id)"` binds `id`;
/// `\(raw: "…")` is for SQL text the code itself wrote (identifiers, fixed fragments).
public struct SQLQuery: Sendable, ExpressibleByStringInterpolation {
    enum Part: Sendable {
        case sql(String)
        case bind(SQLValue)
        case list([SQLValue])
    }

    var parts: [Part] = []

    public init(stringLiteral value: String) { parts = [.sql(value)] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    public init(_ parts: [SQLQuery], separator: String) {
        for (i, q) in parts.enumerated() {
            if i > 0 { self.parts.append(.sql(separator)) }
            self.parts.append(contentsOf: q.parts)
        }
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { parts.append(.sql(literal)) }
        public mutating func appendInterpolation(_ value: SQLValue) { parts.append(.bind(value)) }
        public mutating func appendInterpolation(_ value: String) { parts.append(.bind(.text(value))) }
        public mutating func appendInterpolation(_ value: String?) { parts.append(.bind(SQLValue(value))) }
        public mutating func appendInterpolation(_ value: Int) { parts.append(.bind(.int(Int64(value)))) }
        public mutating func appendInterpolation(_ value: Int?) { parts.append(.bind(SQLValue(value))) }
        public mutating func appendInterpolation(_ value: Bool) { parts.append(.bind(.bool(value))) }
        public mutating func appendInterpolation(_ value: Date) { parts.append(.bind(.date(value))) }
        public mutating func appendInterpolation(_ value: Date?) { parts.append(.bind(SQLValue(value))) }
        public mutating func appendInterpolation(_ topic: Topic) { parts.append(.bind(.text(topic.rawValue))) }
        public mutating func appendInterpolation(_ value: UUID) { parts.append(.bind(.uuid(value))) }
        public mutating func appendInterpolation(_ value: UUID?) { parts.append(.bind(SQLValue(value))) }
        /// `(?, ?, ?)` for a non-empty list.
        public mutating func appendInterpolation(list: [SQLValue]) { parts.append(.list(list)) }
        public mutating func appendInterpolation(raw: String) { parts.append(.sql(raw)) }
        public mutating func appendInterpolation(_ query: SQLQuery) { parts.append(contentsOf: query.parts) }
    }

    public static func + (a: SQLQuery, b: SQLQuery) -> SQLQuery {
        var q = a
        q.parts.append(contentsOf: b.parts)
        return q
    }

    public static func += (a: inout SQLQuery, b: SQLQuery) { a.parts.append(contentsOf: b.parts) }

    /// The statement text with the dialect's placeholders, and the values in order.
    public func render(_ dialect: SQLDialect) -> (sql: String, binds: [SQLValue]) {
        var sql = ""
        var binds: [SQLValue] = []
        func placeholder(_ v: SQLValue) {
            binds.append(v)
            sql += dialect == .postgres ? "$\(binds.count)" : "?"
        }
        for part in parts {
            switch part {
            case .sql(let s): sql += s
            case .bind(let v): placeholder(v)
            case .list(let values):
                sql += "("
                for (i, v) in values.enumerated() {
                    if i > 0 { sql += ", " }
                    placeholder(v)
                }
                sql += ")"
            }
        }
        return (sql, binds)
    }
}

/// One result row, read by column name.
public struct SQLRow: Sendable {
    let columns: [String: Int]
    let values: [SQLValue]

    public init(columns: [String: Int], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ name: String) -> SQLValue {
        guard let i = columns[name] else { return .null }
        return values[i]
    }

    public func string(_ name: String) throws -> String {
        guard let v = optionalString(name) else { throw SQLDecodingError(column: name, expected: "text") }
        return v
    }

    public func optionalString(_ name: String) -> String? {
        switch self[name] {
        case .text(let s): return s
        case .uuid(let u): return u.lowercased
        case .int(let i): return String(i)
        default: return nil
        }
    }

    public func topic(_ name: String) throws -> Topic { Topic(rawValue: try string(name)) }

    public func timeZone(_ name: String) throws -> TimeZoneID { .stored(try string(name)) }

    public func uuid(_ name: String) throws -> UUID {
        guard let v = optionalUUID(name) else { throw SQLDecodingError(column: name, expected: "uuid") }
        return v
    }

    public func optionalUUID(_ name: String) -> UUID? {
        switch self[name] {
        case .uuid(let u): return u
        case .text(let s): return UUID(canonical: s)
        default: return nil
        }
    }

    public func int(_ name: String) throws -> Int {
        guard let v = optionalInt(name) else { throw SQLDecodingError(column: name, expected: "integer") }
        return v
    }

    public func optionalInt(_ name: String) -> Int? {
        switch self[name] {
        case .int(let i): return Int(i)
        case .bool(let b): return b ? 1 : 0
        case .double(let d): return Int(d)
        default: return nil
        }
    }

    public func double(_ name: String) throws -> Double {
        switch self[name] {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: throw SQLDecodingError(column: name, expected: "double")
        }
    }

    public func bool(_ name: String) throws -> Bool {
        switch self[name] {
        case .bool(let b): return b
        case .int(let i): return i != 0
        default: throw SQLDecodingError(column: name, expected: "boolean")
        }
    }

    public func date(_ name: String) throws -> Date {
        guard let v = optionalDate(name) else { throw SQLDecodingError(column: name, expected: "timestamp") }
        return v
    }

    public func optionalDate(_ name: String) -> Date? {
        switch self[name] {
        case .date(let d): return d
        case .text(let s): return Timestamp.parse(s)
        case .double(let d): return Date(timeIntervalSince1970: d)
        default: return nil
        }
    }
}

/// A column held something other than the code expects: a schema/code mismatch, a server fault.
public struct SQLDecodingError: Error, CustomStringConvertible {
    public var column: String
    public var expected: String
    public var description: String { "column \(column) is not \(expected)" }
}

/// A unique constraint refused a row.
public struct UniqueViolation: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "unique violation: \(message)" }
}

/// A connection inside a transaction (`SQLDatabase.write`) or a read: the value store code works
/// with. It knows its dialect and offers the few pieces that differ between SQLite and PostgreSQL
/// by name (`rowLock`, `skipLocked`, `lock(_:)`, `cast`), so no store branches on the dialect.
public protocol SQLConnection {
    var dialect: SQLDialect { get }
    /// Runs one statement and returns its rows (use `RETURNING` to learn what a write changed).
    func query(_ query: SQLQuery) async throws -> [SQLRow]
    /// Signals `channel` when this transaction commits (nothing if it rolls back).
    func notify(_ channel: SignalChannel) async throws
    /// Runs a data-changing statement (no `RETURNING`) and signals `channel` at commit: on
    /// PostgreSQL the NOTIFY rides in the statement, one round trip instead of two.
    func execute(_ statement: SQLQuery, notifying channel: SignalChannel) async throws
}

extension SQLConnection {
    public func first(_ query: SQLQuery) async throws -> SQLRow? { try await self.query(query).first }
    public func execute(_ query: SQLQuery) async throws { _ = try await self.query(query) }

    public func execute(_ statement: SQLQuery, notifying channel: SignalChannel) async throws {
        try await execute(statement)
        try await notify(channel)
    }

    /// ` FOR UPDATE` after a SELECT: the rows stay locked until the transaction ends (PostgreSQL;
    /// on SQLite the one writer holds the whole database already, so nothing).
    public var rowLock: SQLQuery { dialect == .postgres ? " FOR UPDATE" : "" }

    /// ` FOR UPDATE [OF table] SKIP LOCKED` after a SELECT: claims rows no other transaction holds,
    /// so replicas take different ones (PostgreSQL; nothing on SQLite, which has one writer).
    public func skipLocked(of table: String? = nil) -> SQLQuery {
        guard dialect == .postgres else { return "" }
        return table.map { " FOR UPDATE OF \(raw: $0) SKIP LOCKED" } ?? " FOR UPDATE SKIP LOCKED"
    }

    /// Takes the transaction-scoped advisory lock `key` (PostgreSQL; released at commit). SQLite's
    /// one writer serializes the same work already.
    public func lock(_ key: AdvisoryLock) async throws {
        if dialect == .postgres { try await execute("SELECT pg_advisory_xact_lock(\(raw: String(key.rawValue)))") }
    }

    /// Takes the advisory lock `key` if it is free (true), else false at once (PostgreSQL); on
    /// SQLite always true.
    public func tryLock(_ key: AdvisoryLock) async throws -> Bool {
        guard dialect == .postgres else { return true }
        return try await first("SELECT pg_try_advisory_xact_lock(\(raw: String(key.rawValue))) AS mine")?.bool("mine") == true
    }

    /// A bound value with its type spelled out where PostgreSQL needs it (in a `VALUES` list
    /// joined to a table, an untyped parameter is text); the plain value on SQLite.
    public func cast(_ value: SQLValue, as type: SQLCastType) -> SQLQuery {
        dialect == .postgres ? "\(value)::\(raw: type.rawValue)" : "\(value)"
    }
}

/// The advisory locks, by what they protect (their numbers are part of the schema's contract:
/// every version of the service must take the same one for the same work).
public enum AdvisoryLock: Int64, Sendable {
    /// Applying migrations: one process at a time.
    case migrations = 7_340_001
    /// Giving events their log offsets: one sequencer at a time, so offsets follow commit order.
    case sequencer = 7_340_002
    /// The Dapr relay: one publisher at a time (a second one skips its turn).
    case relay = 7_340_003
    /// Tests that change the schema while other tests run.
    case testSchema = 4242
}

/// Types a value is cast to (`SQLConnection.cast`).
public enum SQLCastType: String, Sendable {
    case bigint, uuid, timestamptz
}

extension SQLDatabase {
    /// One writer at a time for the whole database (SQLite): work that talks to the network must
    /// not hold a write transaction, and partitions are worked one at a time.
    public var hasOneWriter: Bool { dialect == .sqlite }
}

/// A database the store runs on: SQLite (embedded) or PostgreSQL. Both speak the same schema.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    /// Wake-ups for services waiting on committed work (see `SignalChannel`).
    var signals: DatabaseSignals { get }
    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    func write<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T
    /// Runs `body` with a connection for reads (no transaction).
    func read<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T
    /// Cheap round trip for readiness checks.
    func ping() async throws
    /// Releases connections; the database is not used afterwards.
    func close() async throws
}
