import Foundation
import TodoCore
import TodoEvents
import TodoNotify
import TodoStore

/// Everything a role needs to know, read once from the environment and flags.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    public var dataDirectory = "./data"
    /// `postgres://…`; nil means SQLite in `dataDirectory`.
    public var databaseURL: String?
    public var poolSize = 10
    public var maxOverflow = 10
    /// How long a request waits for a free database connection before a 503 (`DB_POOL_TIMEOUT`).
    public var poolTimeout: Duration = .seconds(5)
    /// Distinct statements each PostgreSQL connection keeps prepared (`DB_PREPARED_STATEMENTS`;
    /// 0 sends every statement unnamed, for a pooler in transaction mode).
    public var preparedStatements = 500
    /// The PostgreSQL connections one process may hold.
    public var maxConnections: Int { max(1, poolSize + maxOverflow) }
    /// The embedded database's file.
    public var sqlitePath: String { dataDirectory + "/todo.sqlite" }
    /// Signing keys, `(kid, secret)`; the first signs, all verify.
    public var jwtKeys: [(kid: String, secret: String)] = []
    public var adminToken: String?
    public var bcryptCost: UInt8 = 12
    public var accessTokenLifetime: Duration = .hours(1)
    public var refreshTokenLifetime: Duration = .days(30)
    /// Login attempts: a burst per email and per client address, refilled over `loginWindow`.
    public var loginBurstPerEmail = 10
    public var loginBurstPerAddress = 50
    public var loginWindow: Duration = .minutes(15)
    /// Proxies in front of the server (an ingress: 1). The client address is then the entry that
    /// many places from the right of `X-Forwarded-For`; 0 ignores the header (it could be forged).
    public var trustedProxyHops = 0

    /// How events travel between roles (`EVENT_TRANSPORT`).
    public enum EventTransport: String, Sendable {
        /// The `events` table is the log; consumers read it (SQLite or PostgreSQL).
        case database
        /// A relay publishes to the Dapr sidecar; Dapr delivers to `/dapr/events/{topic}`.
        case dapr
    }

    public var eventTransport = EventTransport.database
    public var dapr = DaprSettings()
    /// Events older than this, once consumed by every group (or published, in Dapr mode), are
    /// deleted (`EVENT_RETENTION`, like Kafka's `retention.ms`; 7 days by default).
    public var eventRetention: Duration = .days(7)
    /// Retry policy per consumed topic (`CONSUMER_RETRY_TASK_EVENTS="attempts=5 base=200ms cap=30s"`).
    public var retryPolicies: [Topic: RetryPolicy] = [:]

    public func retryPolicy(for topic: Topic) -> RetryPolicy { retryPolicies[topic] ?? .consumer }

    /// The email channel (`SMTP_HOST` and friends); nil turns it off.
    public var smtp: SMTPSettings?
    /// The address people open Todo at, for links in emails (`PUBLIC_URL`; default
    /// `http://localhost:<PORT>`).
    public var publicURL: String?
    public var linkBase: String { publicURL ?? "http://localhost:\(port)" }
    /// Hosts (names or addresses) webhooks may reach although they are private or over plain
    /// http (`WEBHOOK_ALLOWED_HOSTS`, comma-separated): for a receiver inside the cluster, or tests.
    public var webhookAllowedHosts: Set<String> = []
    /// Reminders missed (the scheduler was down) by at most this long still fire; older ones are
    /// recorded as missed (`REMINDER_CATCH_UP`, default 30m).
    public var reminderCatchUp: Duration = .minutes(30)
    /// How long a process stays up, not ready, after SIGTERM before it stops accepting requests
    /// (`SHUTDOWN_DELAY`, default 0; on Kubernetes a few seconds, for endpoints to update).
    public var shutdownDelay: Duration = .zero
    /// Email retries (`EMAIL_RETRY="attempts=10 base=1s cap=10m"`).
    public var emailRetry = RetryPolicy.email

    public init() {}

    /// Reads the documented environment variables (`NAME_FILE` for every secret).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var c = AppConfiguration()
        let secrets = Secrets(env: env)
        if let port = env["PORT"] {
            guard let p = Int(port), (1...65535).contains(p) else { throw ConfigurationError("PORT must be a port number") }
            c.port = p
        }
        if let host = env["HOST"] { c.host = host }
        if let dir = env["TODO_DATA_DIR"] { c.dataDirectory = dir }
        c.databaseURL = try secrets.value("DATABASE_URL")
        c.poolSize = try Self.int(env, "DB_POOL_SIZE", default: 10, range: 1...1000)
        c.maxOverflow = try Self.int(env, "DB_MAX_OVERFLOW", default: 10, range: 0...1000)
        c.poolTimeout = .seconds(try Self.int(env, "DB_POOL_TIMEOUT", default: 5, range: 1...300))
        c.preparedStatements = try Self.int(env, "DB_PREPARED_STATEMENTS", default: 500, range: 0...10000)
        if let keys = try secrets.value("JWT_SECRET") { c.jwtKeys = try Self.parseJWTKeys(keys) }
        c.adminToken = try secrets.value("ADMIN_TOKEN")
        c.bcryptCost = UInt8(try Self.int(env, "BCRYPT_COST", default: 12, range: 4...16))
        c.loginBurstPerEmail = try Self.int(env, "LOGIN_LIMIT_PER_EMAIL", default: 10, range: 1...100_000)
        c.loginBurstPerAddress = try Self.int(env, "LOGIN_LIMIT_PER_ADDRESS", default: 50, range: 1...1_000_000)
        c.trustedProxyHops = try Self.int(env, "TRUSTED_PROXY_HOPS", default: 0, range: 0...10)
        if let transport = env["EVENT_TRANSPORT"] {
            guard let t = EventTransport(rawValue: transport) else { throw ConfigurationError("EVENT_TRANSPORT must be database or dapr") }
            c.eventTransport = t
        }
        c.dapr.httpPort = try Self.int(env, "DAPR_HTTP_PORT", default: 3500, range: 1...65535)
        if let name = env["PUBSUB_NAME"] {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                throw ConfigurationError("PUBSUB_NAME must be a Dapr component name (letters, digits, - _ .)")
            }
            c.dapr.pubsubName = name
        }
        c.dapr.apiToken = try secrets.value("DAPR_API_TOKEN")
        c.dapr.appAPIToken = try secrets.value("APP_API_TOKEN")
        if let text = env["EVENT_RETENTION"] {
            guard let d = Duration(setting: text), d >= .minutes(1) else {
                throw ConfigurationError("EVENT_RETENTION must be a duration of at least a minute, like 7d, 36h or 90m")
            }
            c.eventRetention = d
        }
        if let host = env["SMTP_HOST"], !host.isEmpty {
            let security: SMTPSecurity
            if let t = env["SMTP_TLS"] {
                guard let parsed = SMTPSecurity(rawValue: t) else { throw ConfigurationError("SMTP_TLS must be starttls, tls or none") }
                security = parsed
            } else {
                security = env["SMTP_PORT"] == "465" ? .tls : .starttls
            }
            let port = try Self.int(env, "SMTP_PORT", default: security == .tls ? 465 : 587, range: 1...65535)
            guard let from = env["SMTP_FROM"], from.contains("@"), !from.contains(where: { $0 == "<" || $0 == ">" || $0.isNewline }) else {
                throw ConfigurationError("SMTP_FROM must be the sender's address (reminders@example.com) when SMTP_HOST is set")
            }
            let username = try secrets.value("SMTP_USERNAME")
            let password = try secrets.value("SMTP_PASSWORD")
            if (username == nil) != (password == nil) { throw ConfigurationError("SMTP_USERNAME and SMTP_PASSWORD go together") }
            c.smtp = SMTPSettings(
                host: host, port: port, security: security, username: username, password: password, from: from, caFile: env["SMTP_CA_FILE"])
        }
        if let url = env["PUBLIC_URL"], !url.isEmpty {
            guard url.hasPrefix("https://") || url.hasPrefix("http://"), URL(string: url)?.host != nil else {
                throw ConfigurationError("PUBLIC_URL must be the address people open Todo at, like https://todo.example")
            }
            c.publicURL = String(url.reversed().drop { $0 == "/" }.reversed())
        }
        if let hosts = env["WEBHOOK_ALLOWED_HOSTS"] {
            c.webhookAllowedHosts = Set(
                hosts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        if let text = env["SHUTDOWN_DELAY"] {
            guard let d = Duration(setting: text), d <= .minutes(5) else {
                throw ConfigurationError("SHUTDOWN_DELAY must be a duration like 5s, at most 5m")
            }
            c.shutdownDelay = d
        }
        if let text = env["REMINDER_CATCH_UP"] {
            guard let d = Duration(setting: text) else { throw ConfigurationError("REMINDER_CATCH_UP must be a duration like 30m or 2h") }
            c.reminderCatchUp = d
        }
        if let spec = env["EMAIL_RETRY"] {
            guard let p = Self.retryPolicy(spec, defaults: .email) else {
                throw ConfigurationError("EMAIL_RETRY must look like \"attempts=10 base=1s cap=10m\" (attempts 1–100, base ≤ cap)")
            }
            c.emailRetry = p
        }
        for topic in Topic.consumed {
            let name = "CONSUMER_RETRY_" + topic.rawValue.uppercased().replacingOccurrences(of: "-", with: "_")
            guard let spec = env[name] else { continue }
            guard let policy = Self.retryPolicy(spec) else {
                throw ConfigurationError("\(name) must look like \"attempts=5 base=200ms cap=30s\" (attempts 1–100, base ≤ cap)")
            }
            c.retryPolicies[topic] = policy
        }
        return c
    }

    /// `attempts=5 base=200ms cap=30s` (any subset, in any order; the rest keep `defaults`).
    static func retryPolicy(_ spec: String, defaults: RetryPolicy = .consumer) -> RetryPolicy? {
        var policy = defaults
        for part in spec.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { return nil }
            switch kv[0] {
            case "attempts":
                guard let n = Int(kv[1]), (1...100).contains(n) else { return nil }
                policy.maxAttempts = n
            case "base", "cap":
                guard let d = Duration(setting: kv[1]), d > .zero, d <= .days(1) else { return nil }
                if kv[0] == "base" { policy.base = d } else { policy.cap = d }
            default: return nil
            }
        }
        return policy.base <= policy.cap ? policy : nil
    }

    static func int(_ env: [String: String], _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = env[name] else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw ConfigurationError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// `kid1:secret1,kid2:secret2` (commas or newlines between keys); a single value without a
    /// colon is one key with id `default`. Secrets shorter than 32 bytes are refused.
    public static func parseJWTKeys(_ text: String) throws -> [(kid: String, secret: String)] {
        let entries = text.split(whereSeparator: { $0 == "," || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        var keys: [(kid: String, secret: String)] = []
        for entry in entries {
            let kid: String
            let secret: String
            if entries.count == 1, !entry.contains(":") {
                (kid, secret) = ("default", entry)
            } else {
                guard let colon = entry.firstIndex(of: ":") else {
                    throw ConfigurationError("JWT_SECRET: with several keys, each must be kid:secret")
                }
                (kid, secret) = (String(entry[..<colon]), String(entry[entry.index(after: colon)...]))
            }
            guard !kid.isEmpty, kid.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ConfigurationError("JWT_SECRET: a key id may hold only letters, digits and - _ .")
            }
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError("JWT_SECRET: the secret of key \(kid) is shorter than 32 bytes")
            }
            if keys.contains(where: { $0.kid == kid }) { throw ConfigurationError("JWT_SECRET: key id \(kid) appears twice") }
            keys.append((kid, secret))
        }
        guard !keys.isEmpty else { throw ConfigurationError("JWT_SECRET is empty") }
        return keys
    }
}

/// A secret from `NAME`, or from the file named by `NAME_FILE` (a mounted Kubernetes secret).
public struct Secrets: Sendable {
    let env: [String: String]

    public init(env: [String: String]) { self.env = env }

    public func value(_ name: String) throws -> String? {
        if let v = env[name], !v.isEmpty { return v }
        guard let path = env[name + "_FILE"], !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(name)_FILE names \(path), which cannot be read")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
