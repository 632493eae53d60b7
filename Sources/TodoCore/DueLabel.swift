import Foundation

/// A due as people read it in a list: "Today", "Tomorrow", "Yesterday", a weekday within the
/// coming week ("Fri"), else "Mon 7 Dec" (with the year when it is not this year); a time after
/// it ("Today 09:15"). The web page's script writes the same (`dom.js`, `dueLabel`).
public enum DueLabel {
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func text(_ due: Due, today: LocalDate) -> String {
        switch due {
        case .allDay(let date): return day(date, today: today)
        case .dateTime(let local, _):
            return day(local.date, today: today) + " " + String(format: "%02d:%02d", local.hour, local.minute)
        }
    }

    public static func day(_ date: LocalDate, today: LocalDate) -> String {
        let offset = date.daysSinceEpoch - today.daysSinceEpoch
        let weekday = weekdays[((date.daysSinceEpoch % 7) + 10) % 7]
        switch offset {
        case 0: return "Today"
        case 1: return "Tomorrow"
        case -1: return "Yesterday"
        case 2...6: return weekday
        default:
            let text = "\(weekday) \(date.day) \(months[date.month - 1])"
            return date.year == today.year ? text : "\(text) \(date.year)"
        }
    }
}
