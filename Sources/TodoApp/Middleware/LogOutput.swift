import Foundation
import Logging
import TodoCore
import TodoStore

/// How log lines are written (`LOG_FORMAT`): `json` — one object per line, what the runbook's
/// `jq` filters and a log pipeline read — or `text` for a person at a terminal. Unset: `text` when
/// standard error is a terminal, `json` otherwise (a container, a file, a pipe).
public enum LogFormat: String, Sendable {
    case json, text

    public static func from(_ environment: [String: String], isTerminal: Bool) throws -> LogFormat {
        guard let raw = environment["LOG_FORMAT"], !raw.isEmpty else { return isTerminal ? .text : .json }
        guard let format = LogFormat(rawValue: raw.lowercased()) else {
            throw ConfigurationError("LOG_FORMAT must be json or text, not \(raw)")
        }
        return format
    }
}

public enum LogOutput {
    /// `LOG_LEVEL` (`debug`, `info`, `warn`, `error`, …; default `info`).
    public static func level(_ environment: [String: String]) throws -> Logger.Level {
        guard let raw = environment["LOG_LEVEL"]?.lowercased(), !raw.isEmpty else { return .info }
        guard let level = Logger.Level(rawValue: raw == "warn" ? "warning" : raw) else {
            throw ConfigurationError("LOG_LEVEL must be one of trace, debug, info, notice, warn, error, critical, not \(raw)")
        }
        return level
    }

    /// Adds what the task in progress is about to every line: `trace_id`/`span_id` of its W3C
    /// trace context and the `LogContext` fields (`event_type`, `task_id`, `user_id`, …).
    public static let metadataProvider = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        for (key, value) in LogContext.fields { metadata[key] = .string(value) }
        if let trace = TraceContext.traceparent {
            let parts = trace.split(separator: "-")
            if parts.count == 4 {
                metadata["trace_id"] = .string(String(parts[1]))
                metadata["span_id"] = .string(String(parts[2]))
            }
        }
        return metadata
    }

    /// Bootstraps swift-log once for the process (the executable calls this first).
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap(
            { label, provider in
                var handler: any LogHandler =
                    switch format {
                    case .json: JSONLogHandler(label: label, metadataProvider: provider)
                    case .text: StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    }
                handler.logLevel = level
                return handler
            }, metadataProvider: metadataProvider)
    }
}

/// One JSON object per line on standard error: `timestamp` (RFC 3339, UTC, milliseconds),
/// `level` (`DEBUG`, `INFO`, `WARN`, `ERROR`), `service`, `message` (a constant sentence), then
/// every metadata key at the top level (`user_id`, `task_id`, `event_type`, `request_id`,
/// `trace_id`, …) and `source` (the module). `service` is the metadata's `service` when set
/// (each worker of `todo serve` names itself), otherwise the logger's label (the role).
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let write: @Sendable (String) -> Void

    public init(
        label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The runbook's four levels.
    static func name(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error, .critical: "ERROR"
        }
    }

    static let reserved: Set<String> = ["timestamp", "level", "service", "message", "source"]

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        var service = label
        if case .string(let s)? = all.removeValue(forKey: "service") { service = s }
        var members: [(String, JSONValue)] = [
            ("timestamp", .string(Timestamp.millis(Date()))), ("level", .string(Self.name(event.level))), ("service", .string(service)),
            ("message", .string(event.message.description)),
        ]
        for key in all.keys.sorted() { members.append((Self.reserved.contains(key) ? "meta." + key : key, Self.json(all[key]!))) }
        members.append(("source", .string(event.source)))
        var line = JSONValue.object(members).serializedBytes()
        line.append(UInt8(ascii: "\n"))
        write(String(decoding: line, as: UTF8.self))
    }

    /// A metadata value as JSON (dictionary keys sorted, so a line's text is stable).
    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let d): .object(d.keys.sorted().map { ($0, json(d[$0]!)) })
        }
    }

    /// Whole lines, one `write` each, so lines of concurrent tasks never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        var line = line
        line.withUTF8 { bytes in
            var rest = UnsafeRawBufferPointer(bytes)
            while !rest.isEmpty {
                let n = Foundation.write(STDERR_FILENO, rest.baseAddress, rest.count)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            }
        }
    }
}
