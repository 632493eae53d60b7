import Foundation

/// A project's colour, from a fixed palette (Todoist's names, so an import keeps them).
public enum ProjectColor: String, Sendable, CaseIterable {
    case berryRed = "berry_red"
    case red, orange, yellow
    case oliveGreen = "olive_green"
    case limeGreen = "lime_green"
    case green
    case mintGreen = "mint_green"
    case teal
    case skyBlue = "sky_blue"
    case lightBlue = "light_blue"
    case blue, grape, violet, lavender
    case magenta, salmon, charcoal, grey, taupe
}

/// A list of tasks (`Work`, `Home`). Every person has exactly one Inbox, which cannot be deleted
/// or archived; every task belongs to one project.
public struct Project: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var name: String
    public var color: ProjectColor
    public var description: String
    public var isInbox: Bool
    public var archived: Bool
    public var position: Position
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: UUID, userID: UUID, name: String, color: ProjectColor = .charcoal, description: String = "", isInbox: Bool = false,
        archived: Bool = false, position: Position, createdAt: Date, updatedAt: Date, version: Int = 1
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.color = color
        self.description = description
        self.isInbox = isInbox
        self.archived = archived
        self.position = position
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public var etag: String { "\"\(version)\"" }
}

/// A project with how many of its tasks are open and overdue, the reader's role in it and how
/// many people it has (1: not shared).
public struct ProjectSummary: Sendable, Equatable {
    public var project: Project
    public var openTasks: Int
    public var overdueTasks: Int
    public var role: MemberRole
    public var memberCount: Int

    public init(project: Project, openTasks: Int, overdueTasks: Int, role: MemberRole = .owner, memberCount: Int = 1) {
        self.project = project
        self.openTasks = openTasks
        self.overdueTasks = overdueTasks
        self.role = role
        self.memberCount = memberCount
    }
}

/// A named group of tasks inside a project.
public struct Section: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var projectID: UUID
    public var userID: UUID
    public var name: String
    public var position: Position
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, projectID: UUID, userID: UUID, name: String, position: Position, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.projectID = projectID
        self.userID = userID
        self.name = name
        self.position = position
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The rules of projects and sections.
public enum ProjectRules {
    public static let nameMax = 120
    public static let descriptionMax = 2_000
    public static let inboxName = "Inbox"
    /// How deep tasks nest: a task, its subtask, and two more levels.
    public static let maxDepth = 4

    public static func name(_ value: JSONValue, field: String = "name", max: Int = nameMax) throws -> String {
        guard case .string(let raw) = value else { throw TodoError.invalid(field, "must be a string") }
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { throw TodoError.invalid(field, "must not be empty") }
        if name.count > max { throw TodoError.invalid(field, "must be at most \(max) characters") }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw TodoError.invalid(field, "must not contain control characters or line breaks")
        }
        return name
    }

    public static func color(_ value: JSONValue, field: String = "color") throws -> ProjectColor {
        guard case .string(let s) = value, let color = ProjectColor(rawValue: s) else {
            throw TodoError.invalid(field, "must be one of " + ProjectColor.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return color
    }

    /// A task's description rule, shorter.
    public static func description(_ value: JSONValue, field: String = "description") throws -> String {
        try TaskRules.description(value, field: field, max: descriptionMax)
    }

    /// The key two spellings of one name share, for matching (`+work` finds `Work`).
    public static func nameKey(_ name: String) -> String { name.lowercased() }
}

/// A validated new project.
public struct ProjectDraft: Sendable, Equatable {
    public var name: String
    public var color: ProjectColor = .charcoal
    public var description: String = ""
    public init(name: String, color: ProjectColor = .charcoal, description: String = "") {
        self.name = name
        self.color = color
        self.description = description
    }
}

/// A validated change to a project: each field nil when not given. `after` places it in the
/// person's order (`.set(nil)`: first).
public struct ProjectPatch: Sendable, Equatable {
    public var name: String?
    public var color: ProjectColor?
    public var description: String?
    public var archived: Bool?
    public var after: FieldChange<UUID> = .unchanged
    public init() {}
}

/// A named query in the filter language (`TaskFilter`), kept as written.
public struct SavedFilter: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var name: String
    public var query: String
    public var color: ProjectColor
    public var position: Position
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: UUID, userID: UUID, name: String, query: String, color: ProjectColor = .charcoal, position: Position, createdAt: Date,
        updatedAt: Date, version: Int = 1
    ) {
        (self.id, self.userID, self.name, self.query, self.color, self.position) = (id, userID, name, query, color, position)
        (self.createdAt, self.updatedAt, self.version) = (createdAt, updatedAt, version)
    }

    public var etag: String { "\"\(version)\"" }
}
