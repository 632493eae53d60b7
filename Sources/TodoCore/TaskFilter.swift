import Foundation

/// A saved filter's query, parsed: the list filters combined with and, or and not. Instants are
/// resolved when it is parsed (the person's zone, now), so the store only translates it.
///
/// The language (README, "Filters"):
///
///     query   := or
///     or      := and (("|" | "or") and)*
///     and     := unary (("&" | "and") unary)*
///     unary   := ("!" | "not") unary | "(" query ")" | term
///     term    := today | tomorrow | overdue | no due | no date | recurring | subtask
///              | next N days | N days | #tag | p:Project | p:"Project name"
///              | urgent | high | medium | low | search:word
///
/// `&` binds tighter than `|`. `!low` is "not low priority". Words are case-insensitive.
public indirect enum TaskFilter: Sendable, Equatable {
    case all([TaskFilter])
    case any([TaskFilter])
    case not(TaskFilter)
    /// Due at or after `from` (when given) and before `until`.
    case due(from: Date?, until: Date)
    /// Open and past its due at `now`.
    case overdue(now: Date)
    case noDue
    /// Carries the tag with this key.
    case tag(String)
    /// In the person's project with this name key (`ProjectRules.nameKey`).
    case project(String)
    case priority(Priority)
    case recurring
    /// Has a parent.
    case subtask
    /// Full-text words (prefix match).
    case search([String])

    public static let maxLength = 1_000

    /// Parses `text` in the person's `zone` at `now`; a mistake is `TodoError.invalid(field, …)`
    /// naming the 1-based character position.
    public static func parse(_ text: String, zone: TimeZoneID, now: Date, field: String = "query") throws -> TaskFilter {
        guard text.count <= maxLength else { throw TodoError.invalid(field, "must be at most \(maxLength) characters") }
        var parser = FilterParser(text: text, zone: zone, now: now, field: field)
        return try parser.parseQuery()
    }
}

/// The recursive-descent parser of `TaskFilter.parse`.
struct FilterParser {
    enum Token: Equatable {
        case open, close, and, or, not
        case word(String)
        case quoted(String)
    }

    var tokens: [(token: Token, position: Int)] = []
    var index = 0
    let zone: TimeZoneID
    let now: Date
    let field: String
    let length: Int

    init(text: String, zone: TimeZoneID, now: Date, field: String) {
        (self.zone, self.now, self.field, self.length) = (zone, now, field, text.count)
        var chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let position = i + 1
            if c.isWhitespace {
                i += 1
                continue
            }
            switch c {
            case "(": tokens.append((.open, position))
            case ")": tokens.append((.close, position))
            case "&": tokens.append((.and, position))
            case "|": tokens.append((.or, position))
            case "!": tokens.append((.not, position))
            default:
                var word = ""
                while i < chars.count, !chars[i].isWhitespace, !"()&|".contains(chars[i]) {
                    if chars[i] == "\"" {
                        // A quoted run (a project name with spaces) belongs to the word it is in.
                        i += 1
                        var quoted = ""
                        while i < chars.count, chars[i] != "\"" {
                            quoted.append(chars[i])
                            i += 1
                        }
                        if i == chars.count { chars.append("\"") }  // unterminated: read to the end
                        word += "\u{1}" + quoted + "\u{1}"
                    } else {
                        word.append(chars[i])
                    }
                    i += 1
                }
                let lower = word.lowercased()
                tokens.append((lower == "and" ? .and : lower == "or" ? .or : lower == "not" ? .not : .word(word), position))
                continue
            }
            i += 1
        }
    }

    func failure(_ reason: String, at position: Int? = nil) -> TodoError {
        let p = position ?? (index < tokens.count ? tokens[index].position : length + 1)
        return TodoError.invalid(field, "at position \(p): \(reason)")
    }

    mutating func parseQuery() throws -> TaskFilter {
        guard !tokens.isEmpty else { throw TodoError.invalid(field, "must not be empty") }
        let result = try parseOr()
        if index < tokens.count {
            throw failure(tokens[index].token == .close ? "a ) without its (" : "expected & or | between two terms")
        }
        return result
    }

    mutating func parseOr() throws -> TaskFilter {
        var parts = [try parseAnd()]
        while index < tokens.count, tokens[index].token == .or {
            index += 1
            parts.append(try parseAnd())
        }
        return parts.count == 1 ? parts[0] : .any(parts)
    }

    mutating func parseAnd() throws -> TaskFilter {
        var parts = [try parseUnary()]
        while index < tokens.count, tokens[index].token == .and {
            index += 1
            parts.append(try parseUnary())
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    mutating func parseUnary() throws -> TaskFilter {
        guard index < tokens.count else { throw failure("expected a term, found the end") }
        switch tokens[index].token {
        case .not:
            index += 1
            return .not(try parseUnary())
        case .open:
            let open = tokens[index].position
            index += 1
            let inner = try parseOr()
            guard index < tokens.count, tokens[index].token == .close else { throw failure("the ( at position \(open) is not closed") }
            index += 1
            return inner
        case .word:
            return try parseTerm()
        default:
            throw failure("expected a term")
        }
    }

    /// The words of a term: one, or the fixed phrases "no due", "next N days", "N days".
    mutating func parseTerm() throws -> TaskFilter {
        guard case .word(let raw) = tokens[index].token else { throw failure("expected a term") }
        let position = tokens[index].position
        index += 1
        let word = raw.replacingOccurrences(of: "\u{1}", with: "")
        let lower = word.lowercased()
        let tz = zone.zone
        let today = Zones.local(at: now, in: tz).date
        let start: (Int) -> Date = { Zones.startOfDay(today.adding(days: $0), in: tz) }
        func nextWord() -> String? {
            guard index < tokens.count, case .word(let w) = tokens[index].token else { return nil }
            return w.lowercased()
        }
        switch lower {
        case "today": return .due(from: start(0), until: start(1))
        case "tomorrow": return .due(from: start(1), until: start(2))
        case "overdue": return .overdue(now: now)
        case "recurring": return .recurring
        case "subtask": return .subtask
        case "urgent", "high", "medium", "low": return .priority(Priority(rawValue: lower)!)
        case "no":
            guard let next = nextWord(), next == "due" || next == "date" else { throw failure("expected due or date after no", at: position) }
            index += 1
            return .noDue
        case "next":
            guard let n = nextWord().flatMap(Int.init) else { throw failure("expected a number of days after next", at: position) }
            index += 1
            return try days(n, position: position, start: start)
        default:
            if let n = Int(lower) { return try days(n, position: position, start: start) }
            if lower.hasPrefix("#") {
                do {
                    return .tag(TaskRules.tagKey(try TaskRules.tag(String(word.dropFirst()))))
                } catch { throw failure("#\(word.dropFirst()) is not a tag name", at: position) }
            }
            if lower.hasPrefix("p:") {
                let name = String(word.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw failure("expected a project name after p:", at: position) }
                return .project(ProjectRules.nameKey(name))
            }
            if lower.hasPrefix("search:") {
                let words = TaskQuery.words(String(word.dropFirst(7)))
                guard !words.isEmpty else { throw failure("expected a word after search:", at: position) }
                return .search(words)
            }
            throw failure("\(word) is not a filter term (today, overdue, no due, #tag, p:Project, high, …)", at: position)
        }
    }

    mutating func days(_ n: Int, position: Int, start: (Int) -> Date) throws -> TaskFilter {
        guard (1...366).contains(n) else { throw failure("the number of days must be from 1 to 366", at: position) }
        guard index < tokens.count, case .word(let w) = tokens[index].token, ["days", "day"].contains(w.lowercased()) else {
            throw failure("expected days after \(n)", at: position)
        }
        index += 1
        return .due(from: start(0), until: start(n))
    }
}
