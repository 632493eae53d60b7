import Foundation
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
    /// Signing keys, `(kid, secret)`; the first signs, all verify.
    public var jwtKeys: [(kid: String, secret: String)] = []
    public var adminToken: String?
    public var bcryptCost: UInt8 = 12
    public var accessTokenLifetime: TimeInterval = 3600
    public var refreshTokenLifetime: TimeInterval = 30 * 24 * 3600
    /// Login attempts: a burst per email and per client address, refilled over `loginWindow`.
    public var loginBurstPerEmail = 10
    public var loginBurstPerAddress = 50
    public var loginWindow: TimeInterval = 15 * 60
    /// Proxies in front of the server (an ingress: 1). The client address is then the entry that
    /// many places from the right of `X-Forwarded-For`; 0 ignores the header (it could be forged).
    public var trustedProxyHops = 0

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
        if let keys = try secrets.value("JWT_SECRET") { c.jwtKeys = try Self.parseJWTKeys(keys) }
        c.adminToken = try secrets.value("ADMIN_TOKEN")
        c.bcryptCost = UInt8(try Self.int(env, "BCRYPT_COST", default: 12, range: 4...16))
        c.loginBurstPerEmail = try Self.int(env, "LOGIN_LIMIT_PER_EMAIL", default: 10, range: 1...100_000)
        c.loginBurstPerAddress = try Self.int(env, "LOGIN_LIMIT_PER_ADDRESS", default: 50, range: 1...1_000_000)
        c.trustedProxyHops = try Self.int(env, "TRUSTED_PROXY_HOPS", default: 0, range: 0...10)
        return c
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
