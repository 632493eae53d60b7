import Foundation

/// A person with an account.
public struct User: Sendable, Equatable {
    public var id: UUID
    public var email: String
    public var displayName: String
    public var timeZone: TimeZoneID
    public var createdAt: Date
    public var updatedAt: Date
    /// Where reminders written without `channels` go.
    public var reminderChannels: [ReminderChannel] = ReminderChannel.allCases.sorted()

    public init(id: UUID, email: String, displayName: String, timeZone: TimeZoneID, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.timeZone = timeZone
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var json: JSONValue {
        .object([
            ("id", .string(id.lowercased)), ("email", .string(email)), ("display_name", .string(displayName)),
            ("time_zone", .string(timeZone.identifier)), ("reminder_channels", ReminderChannel.json(reminderChannels)),
            ("created_at", .string(Timestamp.millis(createdAt))), ("updated_at", .string(Timestamp.millis(updatedAt))),
        ])
    }
}

/// What a personal API token may do.
public enum Scope: String, Sendable, CaseIterable, Comparable {
    case tasksRead = "tasks:read"
    case tasksWrite = "tasks:write"

    public static func < (a: Scope, b: Scope) -> Bool { a.rawValue < b.rawValue }
}

/// A personal API token as listed (its secret is never stored or shown again).
public struct APIToken: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var name: String
    public var scopes: [Scope]
    public var prefix: String
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var createdAt: Date

    public init(id: UUID, userID: UUID, name: String, scopes: [Scope], prefix: String, expiresAt: Date?, lastUsedAt: Date?, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.name = name
        self.scopes = scopes
        self.prefix = prefix
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.createdAt = createdAt
    }

    public var json: JSONValue {
        .object([
            ("id", .string(id.lowercased)), ("name", .string(name)), ("scopes", .array(scopes.map { .string($0.rawValue) })),
            ("prefix", .string(prefix)), ("expires_at", expiresAt.map { .string(Timestamp.millis($0)) } ?? .null),
            ("last_used_at", lastUsedAt.map { .string(Timestamp.millis($0)) } ?? .null),
            ("created_at", .string(Timestamp.millis(createdAt))),
        ])
    }
}

/// The rules of account fields.
public enum AccountRules {
    public static let passwordMin = 8
    public static let passwordMax = 256

    /// A trimmed, lowercased address with one `@` and a dot in the domain.
    public static func email(_ value: JSONValue?, field: String = "email") throws -> String {
        guard case .string(let raw)? = value else { throw TodoError.invalid(field, value == nil ? "is required" : "must be a string") }
        let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
        else { throw TodoError.invalid(field, "must be an email address") }
        return email
    }

    public static func password(_ value: JSONValue?, field: String = "password") throws -> String {
        guard case .string(let p)? = value else { throw TodoError.invalid(field, value == nil ? "is required" : "must be a string") }
        if p.count < passwordMin { throw TodoError.invalid(field, "must be at least \(passwordMin) characters") }
        if p.utf8.count > passwordMax { throw TodoError.invalid(field, "must be at most \(passwordMax) bytes") }
        return p
    }

    public static func displayName(_ value: JSONValue?, field: String = "display_name") throws -> String {
        guard case .string(let raw)? = value else { throw TodoError.invalid(field, value == nil ? "is required" : "must be a string") }
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw TodoError.invalid(field, "must be 1 to 100 characters") }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw TodoError.invalid(field, "must not contain control characters")
        }
        return name
    }
}
