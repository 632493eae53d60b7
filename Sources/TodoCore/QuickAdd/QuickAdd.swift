import Foundation

/// Quick add: one line of English becomes a task (`docs/QUICKADD.md` has the grammar). Every
/// recognised piece is reported as a token with its span, so nothing is guessed silently; what
/// is not recognised is the title. Pure and fast: words are matched left to right, longest
/// phrase first, with no backtracking over the whole line.
public struct QuickAddToken: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case date, time, recurrence, reminder, priority, tag, quote, project, section
    }

    /// Offsets in UTF-16 code units (JavaScript string indexes); `end` is exclusive.
    public var start: Int
    public var end: Int
    public var kind: Kind
    public var text: String

    public var json: JSONValue {
        .object([("start", .int(Int64(start))), ("end", .int(Int64(end))), ("kind", .string(kind.rawValue)), ("text", .string(text))])
    }
}

public struct QuickAddResult: Sendable, Equatable {
    public var title: String
    public var due: Due?
    public var recurrence: Recurrence?
    /// Seconds before the due.
    public var remindersBefore: [Int] = []
    public var priority: Priority?
    public var tags: [String] = []
    public var projectID: UUID?
    public var sectionID: UUID?
    public var tokens: [QuickAddToken] = []
    /// `+Name` and `/Name` that name no project or section of the person's (left in the title).
    public var unknown: [QuickAddToken] = []

    /// The task fields in the shapes `POST /api/v1/tasks` takes (absent when not given).
    public var taskJSON: JSONValue {
        var members: [(String, JSONValue)] = [("title", .string(title))]
        switch due {
        case .allDay(let d)?: members.append(("due", .object([("date", .string(d.description))])))
        case .dateTime(let t, let zone)?:
            members.append(("due", .object([("date_time", .string(String(t.description.prefix(16)))), ("time_zone", .string(zone.identifier))])))
        case nil: break
        }
        if let recurrence {
            members.append(("recurrence", .object([("rule", .string(recurrence.rule)), ("anchor", .string(recurrence.anchor.rawValue))])))
        }
        if !remindersBefore.isEmpty {
            members.append(("reminders", .array(remindersBefore.map { .object([("before", .string(ISODuration.format($0)))]) })))
        }
        if let priority { members.append(("priority", .string(priority.rawValue))) }
        if !tags.isEmpty { members.append(("tags", .array(tags.map(JSONValue.string)))) }
        if let projectID { members.append(("project_id", .string(projectID.lowercased))) }
        if let sectionID { members.append(("section_id", .string(sectionID.lowercased))) }
        return .object(members)
    }

    /// `taskJSON` with the tokens: the answer of `POST /api/v1/tasks/parse`.
    public var json: JSONValue {
        guard case .object(var members) = taskJSON else { return taskJSON }
        if let recurrence, let rule = try? RecurrenceRule(parsing: recurrence.rule), let i = members.firstIndex(where: { $0.0 == "recurrence" }) {
            members[i].1 = .object([
                ("rule", .string(recurrence.rule)), ("anchor", .string(recurrence.anchor.rawValue)),
                ("description", .string(rule.englishDescription)),
            ])
        }
        members.append(("tokens", .array(tokens.map(\.json))))
        members.append(("unknown", .array(unknown.map(\.json))))
        return .object(members)
    }
}

public enum QuickAdd {
    /// Parses `text` as written at `now` (wall-clock time in `timeZone`); `+Project` and
    /// `/Section` are looked up in `projects` (the person's).
    public static func parse(_ text: String, now: LocalDateTime, timeZone: TimeZoneID, projects: [QuickAddProject] = []) -> QuickAddResult {
        var parser = Parser(text: text, now: now, zone: timeZone)
        parser.projects = projects
        return parser.run()
    }

    public static let maxLength = 500
}

// MARK: - Words

/// A word of the input: its text (lowercased, trailing punctuation dropped, for matching) and
/// its span in UTF-16 offsets (of the matched part).
struct Word {
    var raw: Substring
    var key: String
    var start: Int
    var end: Int
    /// Inside double quotes: never matched, always title.
    var quoted: Bool
}

struct Parser {
    let text: String
    let now: LocalDateTime
    let zone: TimeZoneID
    let utf16: [UInt16]
    var words: [Word] = []
    var used: [Bool] = []
    var result = QuickAddResult(title: "")

    // what was found
    var date: LocalDate?
    var time: (hour: Int, minute: Int)?
    /// "in 2 hours": an exact local date-time.
    var exact: LocalDateTime?
    var rule: RecurrenceRule?
    var anchor = RecurrenceAnchor.schedule
    var countToken: (Int, QuickAddToken)?
    var untilToken: (LocalDate, QuickAddToken)?
    var projects: [QuickAddProject] = []
    var chosenProject: QuickAddProject?

    init(text: String, now: LocalDateTime, zone: TimeZoneID) {
        self.text = text
        self.now = now
        self.zone = zone
        utf16 = Array(text.utf16)
        words = Self.split(text)
        used = Array(repeating: false, count: words.count)
    }

    /// Whitespace, with an ASCII fast path (Character.isWhitespace was most of the parse time).
    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        u.value < 128 ? (u == " " || u == "\t" || u == "\n" || u == "\r") : u.properties.isWhitespace
    }

    static func split(_ text: String) -> [Word] {
        var words: [Word] = []
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var offset = 0
        while index < scalars.endIndex {
            let u = scalars[index]
            if isSpace(u) {
                offset += 1
                index = scalars.index(after: index)
                continue
            }
            if u == "\"", let close = scalars[scalars.index(after: index)...].firstIndex(of: "\"") {
                // a quoted run: one token, its inner words kept as they are
                let inner = Substring(scalars[scalars.index(after: index)..<close])
                let length = scalars[index...close].reduce(0) { $0 + $1.utf16.count }
                words.append(Word(raw: inner, key: "", start: offset, end: offset + length, quoted: true))
                offset += length
                index = scalars.index(after: close)
                continue
            }
            var end = index
            var length = 0
            while end < scalars.endIndex, !isSpace(scalars[end]) {
                length += scalars[end].utf16.count
                end = scalars.index(after: end)
            }
            let raw = Substring(scalars[index..<end])
            // trailing punctuation is not part of the word ("Dec 3rd," → "dec 3rd"); "!" is kept
            // ("every!", "!high")
            var key = raw.lowercased()
            var keyLength = length
            while let last = key.utf8.last,
                [UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "?"), UInt8(ascii: ")")].contains(last),
                key.utf8.count > 1
            {
                key.removeLast()
                keyLength -= 1
            }
            words.append(Word(raw: raw, key: key, start: offset, end: offset + keyLength, quoted: false))
            offset += length
            index = end
        }
        return words
    }

    mutating func run() -> QuickAddResult {
        var i = 0
        while i < words.count {
            if words[i].quoted {
                token(i, i + 1, .quote)
                i += 1
                continue
            }
            if let n = tag(i) ?? project(i) ?? priority(i) ?? reminder(i) ?? recurrence(i) ?? until(i) ?? count(i) ?? dateTime(i) {
                i += n
            } else {
                i += 1
            }
        }
        if !projects.isEmpty { sections() }
        finish()
        return result
    }

    /// Marks words `from..<to` as recognised.
    @discardableResult
    mutating func token(_ from: Int, _ to: Int, _ kind: QuickAddToken.Kind, record: Bool = true) -> QuickAddToken {
        let start = words[from].start
        let end = words[to - 1].end
        let t = QuickAddToken(start: start, end: end, kind: kind, text: String(decoding: utf16[start..<end], as: UTF16.self))
        if record {
            for k in from..<to { used[k] = true }
            result.tokens.append(t)
        }
        return t
    }

    func key(_ i: Int) -> String? { i < words.count && !words[i].quoted && !used[i] ? words[i].key : nil }
}
