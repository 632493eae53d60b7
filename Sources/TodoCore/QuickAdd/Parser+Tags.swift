import Foundation

/// Quick add's matchers for tags, priorities and reminders.
extension Parser {
    // MARK: tags and priority

    mutating func tag(_ i: Int) -> Int? {
        guard let k = key(i), k.hasPrefix("#"), k.count > 1, let name = try? TaskRules.tag(String(words[i].raw.prefix(k.count))) else { return nil }
        if !result.tags.contains(where: { TaskRules.tagKey($0) == TaskRules.tagKey(name) }) { result.tags.append(name) }
        token(i, i + 1, .tag)
        return 1
    }

    mutating func priority(_ i: Int) -> Int? {
        guard let k = key(i), let p = Self.priorities[k] else { return nil }
        result.priority = p
        token(i, i + 1, .priority)
        return 1
    }

    static let priorities: [String: Priority] = [
        "!urgent": .urgent, "!high": .high, "!medium": .medium, "!low": .low, "!1": .urgent, "!2": .high, "!3": .medium, "!4": .low,
        "p1": .urgent, "p2": .high, "p3": .medium, "p4": .low,
    ]

    // MARK: reminders

    /// "remind me 15 minutes before", "remind me 1 hour before", "remind me 2 days before".
    mutating func reminder(_ i: Int) -> Int? {
        guard key(i) == "remind", key(i + 1) == "me", let (seconds, n) = amount(i + 2), key(i + 2 + n) == "before" else { return nil }
        result.remindersBefore.append(seconds)
        token(i, i + 3 + n, .reminder)
        return 3 + n
    }

    /// "15 minutes", "an hour", "1 day": seconds and words used.
    func amount(_ i: Int) -> (Int, Int)? {
        guard let k = key(i), let n = Self.number(k), let unit = key(i + 1).flatMap(Self.unitSeconds) else { return nil }
        return (n * unit, 2)
    }

    static let numberWords = [
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    ]

    static func number(_ k: String) -> Int? {
        if let n = Int(k), n >= 0, n <= 100_000 { return n }
        return numberWords[k]
    }

    static func unitSeconds(_ k: String) -> Int? {
        switch k {
        case "minute", "minutes", "min", "mins": 60
        case "hour", "hours", "hr", "hrs": 3600
        case "day", "days": 86400
        case "week", "weeks": 604_800
        default: nil
        }
    }
}
