import Foundation

/// A topic of the event log (names as the runbook's Kafka topics): `task-events`, `reminders`,
/// and their dead-letter topics (`reminders-dlq`).
public struct Topic: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public static let taskEvents: Topic = "task-events"
    public static let reminders: Topic = "reminders"
    /// The topics consumers read (each has a dead-letter topic).
    public static let consumed: [Topic] = [.taskEvents, .reminders]
    /// Partitions per topic, as the runbook's Kafka topics have.
    public static let partitions = 12

    public var description: String { rawValue }

    /// This topic's dead-letter topic (`reminders-dlq`).
    public var deadLetter: Topic { Topic(rawValue: rawValue + "-dlq") }

    /// The dead-letter topic of `topic` (`reminders-dlq`).
    public static func deadLetter(_ topic: Topic) -> Topic { topic.deadLetter }

    public static func < (a: Topic, b: Topic) -> Bool { a.rawValue < b.rawValue }

    /// The partition of a key: FNV-1a of its UTF-8 bytes, so every event of one user lands in one
    /// partition, in order.
    public static func partition(forKey key: String, count: Int = partitions) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in key.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(count))
    }
}

/// W3C trace context carried from a request to the events it causes (CloudEvents' distributed
/// tracing extension, `traceparent`), and from an event to the events its handler writes.
public enum TraceContext {
    /// The `traceparent` of the work in progress (set by the HTTP layer and the consumers).
    @TaskLocal public static var traceparent: String?

    /// A new trace (random trace and span ids; flags 00: nothing here records spans). Three
    /// draws from the system generator (one `getrandom` each) rather than one per hex digit: this
    /// runs for every request, and 48 system calls were 6 % of a get's CPU.
    public static func newRoot() -> String {
        var random = SystemRandomNumberGenerator()
        let (high, low, span) = (random.next() as UInt64, random.next() as UInt64, random.next() as UInt64)
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = Array("00-".utf8)
        out.reserveCapacity(55)
        func append(_ word: UInt64) {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((word >> UInt64(shift)) & 0xf)]) }
        }
        // All-zero ids are invalid in W3C trace context; the odds are 2⁻⁶⁴ and the check free.
        append(high)
        append(high == 0 && low == 0 ? 1 : low)
        out.append(UInt8(ascii: "-"))
        append(span == 0 ? 1 : span)
        out.append(contentsOf: "-00".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// `header` if it is a well-formed W3C `traceparent` (version 00, non-zero ids), else nil.
    public static func valid(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }),
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        return header
    }
}

/// Who is doing the work in progress: the signed-in person of a request (set by the HTTP layer),
/// carried into the events it causes as the CloudEvent attribute `actorid` — who did what, for a
/// project's activity. Events a service writes on its own (a next occurrence) have none.
public enum EventActor {
    @TaskLocal public static var id: UUID?
}

/// What the work in progress is about (`event_type`, `event_id`, `task_id`, `user_id`, …), set
/// around a consumer's handling of an event so that every log line of that work carries it (the
/// runbook's `jq 'select(.event_type == "task.completed")'`), like `TraceContext` for `trace_id`.
public enum LogContext {
    @TaskLocal public static var fields: [String: String] = [:]
}
