import Foundation

extension CloudEventCodec {
    /// The members of one JSON object being decoded, with its path for the errors
    /// (`data.task_data.reminders[0].state: not a reminder state`).
    struct Reader {
        let members: [(String, JSONValue)]
        let path: String

        init(members: [(String, JSONValue)], path: String) {
            self.members = members
            self.path = path
        }

        init(_ value: JSONValue, path: String) throws {
            guard case .object(let members) = value else {
                throw EventDecodingFailure(path.isEmpty ? "(document)" : path, "expected an object, got \(value.typeName)")
            }
            self.init(members: members, path: path)
        }

        func failure(_ key: String, _ reason: String) -> EventDecodingFailure {
            EventDecodingFailure(path.isEmpty ? key : path + "." + key, reason)
        }

        func value(_ key: String) throws -> JSONValue {
            guard let value = members.last(where: { $0.0 == key })?.1 else {
                throw EventDecodingFailure(path.isEmpty ? "(document)" : path, "without \(key)")
            }
            return value
        }

        /// nil when absent or null.
        func optional(_ key: String) -> JSONValue? {
            guard let value = members.last(where: { $0.0 == key })?.1, value != .null else { return nil }
            return value
        }

        func string(_ key: String) throws -> String {
            let value = try value(key)
            guard case .string(let s) = value else { throw failure(key, "expected a string, got \(value.typeName)") }
            return s
        }

        func optionalString(_ key: String) throws -> String? {
            guard optional(key) != nil else { return nil }
            return try string(key)
        }

        func int(_ key: String) throws -> Int {
            let value = try value(key)
            guard case .int(let n) = value, let int = Int(exactly: n) else { throw failure(key, "expected an integer, got \(value.typeName)") }
            return int
        }

        func optionalInt(_ key: String) throws -> Int? {
            guard optional(key) != nil else { return nil }
            return try int(key)
        }

        func uuid(_ key: String) throws -> UUID {
            guard let id = UUID(canonical: try string(key)) else { throw failure(key, "expected a UUID") }
            return id
        }

        func optionalUUID(_ key: String) throws -> UUID? {
            guard optional(key) != nil else { return nil }
            return try uuid(key)
        }

        /// An RFC 3339 time, to the millisecond (the precision every time on the wire has).
        func date(_ key: String) throws -> Date {
            guard let date = Timestamp.parse(try string(key)) else { throw failure(key, "expected an RFC 3339 time") }
            return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
        }

        /// An IANA time zone this system knows.
        func timeZone(_ key: String) throws -> TimeZoneID {
            guard let zone = TimeZoneID(try string(key)) else { throw failure(key, "expected an IANA time zone") }
            return zone
        }

        func optionalDate(_ key: String) throws -> Date? {
            guard optional(key) != nil else { return nil }
            return try date(key)
        }

        func object(_ key: String) throws -> Reader { try Reader(try value(key), path: path.isEmpty ? key : path + "." + key) }

        func optionalObject(_ key: String) throws -> Reader? {
            guard optional(key) != nil else { return nil }
            return try object(key)
        }

        func array(_ key: String) throws -> [JSONValue] {
            let value = try value(key)
            guard case .array(let items) = value else { throw failure(key, "expected an array, got \(value.typeName)") }
            return items
        }

        func strings(_ key: String) throws -> [String] {
            try array(key).enumerated().map { i, item in
                guard case .string(let s) = item else { throw failure("\(key)[\(i)]", "expected a string, got \(item.typeName)") }
                return s
            }
        }

        func objects(_ key: String) throws -> [Reader] {
            try array(key).enumerated().map { i, item in try Reader(item, path: (path.isEmpty ? "" : path + ".") + "\(key)[\(i)]") }
        }

        /// Channels this version knows (others are skipped: a newer producer may add some).
        func channels(_ key: String) throws -> [ReminderChannel] {
            try strings(key).compactMap(ReminderChannel.init(rawValue:))
        }
    }
}
