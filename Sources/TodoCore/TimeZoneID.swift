import Foundation

/// An IANA time zone this system knows (`Europe/Berlin`, `UTC`), validated once where it enters —
/// a request, an account, a quick-add call — and carried with its `TimeZone` from there, so no
/// code past the edge looks a zone up again or force-unwraps one.
public struct TimeZoneID: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let identifier: String
    public let zone: TimeZone

    /// nil for anything that is not a known IANA identifier (abbreviations such as `CET` and
    /// offsets such as `GMT+1` are refused: they do not follow daylight saving).
    public init?(_ identifier: String) {
        guard let zone = Zones.zone(identifier) else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    /// A zone written in the code itself (`"Europe/Berlin"`); it must be a known one.
    public init(stringLiteral value: String) {
        guard let id = TimeZoneID(value) else { preconditionFailure("not an IANA time zone: \(value)") }
        self = id
    }

    public static let utc: TimeZoneID = "UTC"

    /// A zone read back from the database, where it was validated when written. One this build no
    /// longer knows (a zone dropped from tzdata) reads as UTC rather than making the row unreadable.
    public static func stored(_ identifier: String) -> TimeZoneID { TimeZoneID(identifier) ?? .utc }

    public var description: String { identifier }

    public static func == (a: TimeZoneID, b: TimeZoneID) -> Bool { a.identifier == b.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}
