import Foundation

/// How urgent a task is. Stored and sorted by `rank`.
public enum Priority: String, Sendable, CaseIterable, Comparable {
    case none, low, medium, high, urgent

    public var rank: Int { Priority.allCases.firstIndex(of: self)! }

    public init?(rank: Int) {
        guard Priority.allCases.indices.contains(rank) else { return nil }
        self = Priority.allCases[rank]
    }

    public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
}

/// When a task is due: a whole day, or a wall-clock time in an IANA zone.
public enum Due: Sendable, Equatable {
    case allDay(LocalDate)
    case dateTime(LocalDateTime, timeZone: TimeZoneID)
}

/// A due date with the instants the store sorts and filters by. An all-day due is read in the
/// owner's time zone at the time it was set: it starts at that day's start and is overdue from the
/// next day's start.
public struct ResolvedDue: Sendable, Equatable {
    public var due: Due
    /// The zone the instants were computed in.
    public var timeZone: TimeZoneID
    /// The due instant (for an all-day due, the start of that day).
    public var at: Date
    /// From this instant on, an open task is overdue.
    public var overdueAt: Date

    public init(_ due: Due, defaultTimeZone: TimeZoneID) {
        self.due = due
        switch due {
        case .allDay(let date):
            self.timeZone = defaultTimeZone
            self.at = Zones.startOfDay(date, in: defaultTimeZone.zone)
            self.overdueAt = Zones.startOfDay(date.adding(days: 1), in: defaultTimeZone.zone)
        case .dateTime(let local, let tz):
            self.timeZone = tz
            self.at = Zones.instant(of: local, in: tz.zone)
            self.overdueAt = self.at
        }
    }

    public init(due: Due, timeZone: TimeZoneID, at: Date, overdueAt: Date) {
        self.due = due
        self.timeZone = timeZone
        self.at = at
        self.overdueAt = overdueAt
    }
}

/// How a recurring task's next occurrence is placed (behaviour arrives with the recurrence engine).
public enum RecurrenceAnchor: String, Sendable, CaseIterable {
    case schedule, completion
}

/// An RRULE (canonical text) and its anchor, as stored on a task.
public struct Recurrence: Sendable, Equatable {
    public var rule: String
    public var anchor: RecurrenceAnchor

    public init(rule: String, anchor: RecurrenceAnchor) {
        self.rule = rule
        self.anchor = anchor
    }

}

/// A task as stored. Named `TodoTask` so it never shadows Swift's `Task`.
public struct TodoTask: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var title: String
    public var description: String
    public var priority: Priority
    public var tags: [String]
    public var due: ResolvedDue?
    public var completedAt: Date?
    /// Set when this occurrence of a series was skipped (closed without being done).
    public var skippedAt: Date?
    public var recurrence: Recurrence?
    public var seriesID: UUID?
    public var occurrenceIndex: Int?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int
    /// Its reminders, in the order they were given.
    public var reminders: [Reminder]
    /// Where it is: its project (the Inbox's id is the owner's), section, parent and key among its
    /// siblings.
    public var placement: Placement
    /// Its direct subtasks, counted when read.
    public var subtasks: SubtaskCount
    /// The member of its (shared) project it is assigned to.
    public var assigneeID: UUID? = nil

    public init(
        id: UUID, userID: UUID, title: String, description: String = "", priority: Priority = .none,
        tags: [String] = [], due: ResolvedDue? = nil, completedAt: Date? = nil, skippedAt: Date? = nil, recurrence: Recurrence? = nil,
        seriesID: UUID? = nil, occurrenceIndex: Int? = nil, createdAt: Date, updatedAt: Date, version: Int = 1, reminders: [Reminder] = [],
        placement: Placement? = nil, subtasks: SubtaskCount = SubtaskCount(), assigneeID: UUID? = nil
    ) {
        self.assigneeID = assigneeID
        self.placement = placement ?? Placement(projectID: userID, position: .at(createdAt))
        self.subtasks = subtasks
        self.reminders = reminders
        self.id = id
        self.userID = userID
        self.title = title
        self.description = description
        self.priority = priority
        self.tags = tags
        self.due = due
        self.completedAt = completedAt
        self.skippedAt = skippedAt
        self.recurrence = recurrence
        self.seriesID = seriesID
        self.occurrenceIndex = occurrenceIndex
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public var isCompleted: Bool { completedAt != nil }
    /// Completed or skipped: no longer on the open list.
    public var isClosed: Bool { completedAt != nil || skippedAt != nil }

    /// The entity tag of this version of the task (`"3"`).
    public var etag: String { "\"\(version)\"" }

    public var projectID: UUID { placement.projectID }
}

/// Where a task is: its project, its section in that project (or none), its parent task in that
/// project (or none: top level) and its key among its siblings (`Position`).
public struct Placement: Sendable, Equatable {
    public var projectID: UUID
    public var sectionID: UUID?
    public var parentID: UUID?
    public var position: Position

    public init(projectID: UUID, sectionID: UUID? = nil, parentID: UUID? = nil, position: Position) {
        self.projectID = projectID
        self.sectionID = sectionID
        self.parentID = parentID
        self.position = position
    }
}

/// How many direct subtasks a task has, and how many of them are open.
public struct SubtaskCount: Sendable, Equatable {
    public var open: Int
    public var total: Int

    public init(open: Int = 0, total: Int = 0) {
        self.open = open
        self.total = total
    }
}

extension UUID {
    /// The canonical lowercase form (`0193…`), as stored and returned everywhere.
    /// The canonical lowercase form, written directly: Foundation's `uuidString` formats with
    /// `snprintf` on Linux (3 % of a list's CPU, two ids per task) and `lowercased()` copies it.
    public var lowercased: String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            digits.withUTF8Buffer { hex in
                String(unsafeUninitializedCapacity: 36) { out in
                    var n = 0
                    for (i, b) in bytes.enumerated() {
                        if i == 4 || i == 6 || i == 8 || i == 10 {
                            out[n] = UInt8(ascii: "-")
                            n += 1
                        }
                        out[n] = hex[Int(b >> 4)]
                        out[n + 1] = hex[Int(b & 0xf)]
                        n += 2
                    }
                    return n
                }
            }
        }
    }

    /// Parses the canonical 36-character form (either case) without Foundation's scanf-based parser,
    /// which shows up in profiles of list requests.
    public init?(canonical text: String) {
        var text = text
        let parsed: uuid_t? = text.withUTF8 { b in
            guard b.count == 36, b[8] == 0x2D, b[13] == 0x2D, b[18] == 0x2D, b[23] == 0x2D else { return nil }
            var bytes = [UInt8](repeating: 0, count: 16)
            var j = 0
            var i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    i += 1
                    continue
                }
                guard let hi = UUID.hex(b[i]), let lo = UUID.hex(b[i + 1]) else { return nil }
                bytes[j] = hi << 4 | lo
                j += 1
                i += 2
            }
            return (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12],
                bytes[13], bytes[14], bytes[15]
            )
        }
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by
    /// creation time and index well.
    public static func v7(at date: Date = Date()) -> UUID {
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var rng = SystemRandomNumberGenerator()
        var b = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for i in 0..<6 { b[i] = UInt8((ms >> (8 * (5 - UInt64(i)))) & 0xff) }
        b[6] = 0x70 | (b[6] & 0x0f)
        b[8] = 0x80 | (b[8] & 0x3f)
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
