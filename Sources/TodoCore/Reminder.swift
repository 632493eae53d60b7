import Foundation

/// Where a reminder reaches a person.
public enum ReminderChannel: String, Sendable, CaseIterable, Comparable {
    case email
    case inApp = "in_app"

    public static func < (a: ReminderChannel, b: ReminderChannel) -> Bool { a.rawValue < b.rawValue }

    /// `["email", "in_app"]` → the channels, sorted and without repeats; the field's errors otherwise.
    public static func parse(_ value: JSONValue, field: String) throws -> [ReminderChannel] {
        guard case .array(let items) = value else { throw TodoError.invalid(field, "must be an array of channels (email, in_app)") }
        var channels: Set<ReminderChannel> = []
        for item in items {
            guard let name = item.stringValue, let channel = ReminderChannel(rawValue: name) else {
                throw TodoError.invalid(field, "must contain only email and in_app")
            }
            channels.insert(channel)
        }
        if channels.isEmpty { throw TodoError.invalid(field, "must name at least one channel") }
        return channels.sorted()
    }

    public static func json(_ channels: [ReminderChannel]) -> JSONValue { .array(channels.map { .string($0.rawValue) }) }
}

/// Whom a reminder reaches: the person who set it, or whoever the task is assigned to when it
/// fires (the one who set it when nobody is).
public enum ReminderRecipient: String, Sendable, CaseIterable {
    case me
    case assignee
}

/// When a reminder fires: a fixed time before the task's due (it moves with the due), or an
/// absolute instant.
public enum ReminderTrigger: Sendable, Equatable {
    case before(seconds: Int)
    case at(Date)

    /// A comparable form (`before:900`, `at:<ms>`), to tell whether a new list equals the old.
    public var hashKey: String {
        switch self {
        case .before(let s): "before:\(s)"
        case .at(let d): "at:\(Int64((d.timeIntervalSince1970 * 1000).rounded()))"
        }
    }
}

/// What happened to a reminder.
public enum ReminderState: String, Sendable {
    /// Waiting for its time (or, when relative, for the task to get a due).
    case pending
    /// Its `reminder.due` event was written; the notification-service delivers it.
    case fired
    /// The task was completed, skipped or deleted first.
    case cancelled
    /// Its time passed while the scheduler was down for longer than the catch-up window: recorded,
    /// not sent (no flood of stale reminders after an outage).
    case missed
}

/// A reminder as a client writes it: `{"before": "PT15M"}` or `{"at": "2026-12-01T08:00:00Z"}`,
/// optionally with `"channels"` (else the person's default channels).
public struct ReminderSpec: Sendable, Equatable {
    public var trigger: ReminderTrigger
    public var channels: [ReminderChannel]?
    /// `"for"`: `me` (default) or `assignee`.
    public var recipient: ReminderRecipient = .me

    public init(trigger: ReminderTrigger, channels: [ReminderChannel]? = nil, recipient: ReminderRecipient = .me) {
        self.trigger = trigger
        self.channels = channels
        self.recipient = recipient
    }

    public static let perTask = 10
    /// The longest "before": four weeks.
    public static let maxBefore = 28 * 86400

    /// Reads the `reminders` field of a task: an array of reminders (replaces the task's list).
    public static func parseList(_ value: JSONValue, field: String = "reminders") throws -> [ReminderSpec] {
        switch value {
        case .null: return []
        case .array(let items):
            if items.count > perTask { throw TodoError.invalid(field, "must have at most \(perTask) reminders") }
            var errors = FieldErrors()
            var result: [ReminderSpec] = []
            for (i, item) in items.enumerated() {
                if let spec = errors.collect({ try parse(item, field: "\(field)[\(i)]") }) { result.append(spec) }
            }
            try errors.check()
            return result
        default: throw TodoError.invalid(field, "must be an array of reminders")
        }
    }

    static func parse(_ value: JSONValue, field: String) throws -> ReminderSpec {
        guard case .object(let members) = value else {
            throw TodoError.invalid(field, #"must be an object like {"before": "PT15M"} or {"at": "2026-12-01T08:00:00Z"}"#)
        }
        var errors = FieldErrors()
        for (key, _) in members where !["before", "at", "channels", "for"].contains(key) {
            errors.add("\(field).\(key)", "is not a field of a reminder (before, at, channels, for)")
        }
        var trigger: ReminderTrigger?
        switch (value["before"], value["at"]) {
        case (let before?, nil):
            guard let text = before.stringValue, let seconds = ISODuration.seconds(text) else {
                errors.add("\(field).before", "must be an ISO 8601 duration such as PT15M, PT1H or P1D")
                break
            }
            if seconds > maxBefore { errors.add("\(field).before", "must be at most four weeks (P28D)") } else { trigger = .before(seconds: seconds) }
        case (nil, let at?):
            guard let text = at.stringValue, let instant = Timestamp.parse(text) else {
                errors.add("\(field).at", "must be an RFC 3339 time with a zone, such as 2026-12-01T08:00:00Z")
                break
            }
            trigger = .at(instant.truncatedToMillis)
        case (nil, nil): errors.add(field, "must have before or at")
        default: errors.add(field, "must have either before or at, not both")
        }
        var channels: [ReminderChannel]?
        if let c = value["channels"], c != .null { channels = errors.collect { try ReminderChannel.parse(c, field: "\(field).channels") } }
        var recipient = ReminderRecipient.me
        if let f = value["for"], f != .null {
            if let text = f.stringValue, let r = ReminderRecipient(rawValue: text) {
                recipient = r
            } else {
                errors.add("\(field).for", "must be me or assignee")
            }
        }
        try errors.check()
        return ReminderSpec(trigger: trigger!, channels: channels, recipient: recipient)
    }
}

/// A reminder of a task, as stored and as the API shows it.
public struct Reminder: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var trigger: ReminderTrigger
    public var channels: [ReminderChannel]
    /// When it fires; nil for a relative reminder of a task without a due.
    public var remindAt: Date?
    public var state: ReminderState
    public var firedAt: Date?
    public var recipient: ReminderRecipient = .me
    /// Who set it (read from the store; a next occurrence's copy keeps it). Not in events or the API.
    public var setBy: UUID?

    public init(
        id: UUID, trigger: ReminderTrigger, channels: [ReminderChannel], remindAt: Date?, state: ReminderState = .pending, firedAt: Date? = nil,
        recipient: ReminderRecipient = .me
    ) {
        self.recipient = recipient
        self.id = id
        self.trigger = trigger
        self.channels = channels
        self.remindAt = remindAt
        self.state = state
        self.firedAt = firedAt
    }

    /// The order a task's reminders are shown in: earliest first, relative ones without a due last.
    public static func ordered(_ list: [Reminder]) -> [Reminder] {
        list.sorted { ($0.remindAt ?? .distantFuture, $0.id.uuidString) < ($1.remindAt ?? .distantFuture, $1.id.uuidString) }
    }

    /// What the person asked for (trigger and channels), to tell whether a new list is the same.
    public var requestKey: String {
        trigger.hashKey + "|" + channels.map(\.rawValue).joined(separator: ",") + (recipient == .me ? "" : "|" + recipient.rawValue)
    }

    /// When a trigger fires for a task due at `dueAt` (nil: relative and no due).
    public static func remindAt(_ trigger: ReminderTrigger, dueAt: Date?) -> Date? {
        switch trigger {
        case .at(let instant): return instant
        case .before(let seconds): return dueAt.map { $0 - .seconds(seconds) }
        }
    }
}

/// ISO 8601 durations as reminders use them: weeks, days, hours, minutes, seconds
/// (`P1W`, `P2D`, `PT15M`, `P1DT2H30M`). Years and months are refused: they have no fixed length.
/// A day is 24 hours.
public enum ISODuration {
    public static func seconds(_ text: String) -> Int? {
        var bytes = Array(text.utf8)[...]
        guard bytes.first == UInt8(ascii: "P"), bytes.count > 1 else { return nil }
        bytes = bytes.dropFirst()
        var total = 0
        var inTime = false
        var number: Int?
        var sawUnit = false
        var lastRank = -1
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(b - UInt8(ascii: "0"))
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (n, o2) = m.addingReportingOverflow(digit)
                guard !o1, !o2, n <= 10_000_000 else { return nil }
                number = n
            case UInt8(ascii: "T"):
                guard !inTime, number == nil else { return nil }
                inTime = true
            default:
                let units: [(UInt8, Bool, Int, Int)] = [
                    (UInt8(ascii: "W"), false, 604_800, 0), (UInt8(ascii: "D"), false, 86400, 1), (UInt8(ascii: "H"), true, 3600, 2),
                    (UInt8(ascii: "M"), true, 60, 3), (UInt8(ascii: "S"), true, 1, 4),
                ]
                guard let unit = units.first(where: { $0.0 == b && $0.1 == inTime }), let n = number, unit.3 > lastRank else { return nil }
                total += n * unit.2
                lastRank = unit.3
                number = nil
                sawUnit = true
            }
        }
        guard sawUnit, number == nil, !(inTime && lastRank < 2) else { return nil }
        return total
    }

    /// The canonical form: `P1DT2H30M`, `PT15M`, `PT0S`.
    public static func format(_ seconds: Int) -> String {
        var s = seconds
        let days = s / 86400
        s %= 86400
        let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60)
        var text = "P"
        if days > 0 { text += "\(days)D" }
        if h > 0 || m > 0 || sec > 0 || days == 0 {
            text += "T"
            if h > 0 { text += "\(h)H" }
            if m > 0 { text += "\(m)M" }
            if sec > 0 || (h == 0 && m == 0) { text += "\(sec)S" }
        }
        return text
    }
}

extension Reminder {
    /// A time before the due (it repeats with a series' instances), not an absolute instant.
    public var isRelative: Bool {
        if case .before = trigger { return true }
        return false
    }
}
