import Foundation

/// Quick add's last step: the due, the recurrence and the title from what the matchers found.
extension Parser {
    // MARK: assembling

    mutating func finish() {
        // COUNT and UNTIL belong to a recurrence; without one they are words of the title
        if var r = rule {
            if let (n, t) = countToken {
                r.count = n
                result.tokens.append(t)
            }
            if let (d, t) = untilToken {
                r.until = .date(d)
                result.tokens.append(t)
            }
            rule = r
        } else {
            for t in [countToken?.1, untilToken?.1].compactMap({ $0 }) {
                for k in words.indices where words[k].start >= t.start && words[k].end <= t.end { used[k] = false }
            }
        }
        result.tokens.sort { $0.start < $1.start }

        // the due: an exact time; a date with or without a time; a time alone (today if still ahead)
        var due: Due?
        if let exact {
            due = .dateTime(exact, timeZone: zone)
        } else if let date, let time {
            due = .dateTime(LocalDateTime(date: date, hour: time.hour, minute: time.minute)!, timeZone: zone)
        } else if let date {
            due = .allDay(date)
        } else if let time {
            let candidate = LocalDateTime(date: today, hour: time.hour, minute: time.minute)!
            due = .dateTime(
                candidate > now ? candidate : LocalDateTime(date: today.adding(days: 1), hour: time.hour, minute: time.minute)!,
                timeZone: zone)
        }
        if let rule {
            due = Series.firstInstance(of: rule, from: due ?? .allDay(today), now: now, zone: zone.zone)
            result.recurrence = Recurrence(rule: rule.description, anchor: anchor)
        }
        result.due = due

        // the title: what is left, quotes dropped, spaces collapsed
        var parts: [String] = []
        for (k, w) in words.enumerated() where !used[k] || w.quoted {
            if !w.raw.isEmpty { parts.append(String(w.raw)) }
        }
        result.title = Self.collapsingSpaces(parts.joined(separator: " "))
    }

    static func collapsingSpaces(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in text.unicodeScalars {
            if isSpace(u) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(u)
            }
        }
        return String(out)
    }
}
