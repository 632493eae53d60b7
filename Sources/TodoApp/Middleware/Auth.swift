import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import JWTKit
import NIOConcurrencyHelpers
import NIOPosix
import TodoCore
import TodoStore

/// The claims of an access token.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var iss: IssuerClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == TokenIssuer.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "wrong issuer") }
    }
}

/// Signs and verifies access tokens (HS256 JWTs with a `kid`). The first configured key signs;
/// every key verifies, so keys rotate without signing anyone out.
public struct TokenIssuer: Sendable {
    static let issuer = "todo"
    let keys: JWTKeyCollection
    let signingKid: String
    let kids: Set<String>
    public let lifetime: Duration
    /// Tokens already verified, with their subject and expiry: a request with a known token skips
    /// parsing and the HMAC (about a tenth of a get-one request's CPU time). Bounded; cleared
    /// when full.
    private let verified = NIOLockedValueBox<[String: (UUID, Date)]>([:])
    static let verifiedLimit = 10_000

    public init(keys config: [(kid: String, secret: String)], lifetime: Duration) async {
        let collection = JWTKeyCollection()
        for (kid, secret) in config {
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        }
        keys = collection
        signingKid = config[0].kid
        kids = Set(config.map(\.kid))
        self.lifetime = lifetime
    }

    public func accessToken(for userID: UUID, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: .init(value: userID.lowercased), exp: .init(value: now + lifetime), iat: .init(value: now),
            iss: .init(value: Self.issuer))
        return try await keys.sign(claims, kid: JWKIdentifier(string: signingKid))
    }

    /// The user id of a valid token. Refuses tokens without a known `kid` or with another
    /// algorithm than HS256 (`alg: none` included) before any signature is checked.
    public func verify(_ token: String, now: Date = Date()) async -> UUID? {
        if let (user, expiry) = verified.withLockedValue({ $0[token] }) {
            return expiry > now ? user : nil
        }
        guard let (user, expiry) = await verifyUncached(token) else { return nil }
        verified.withLockedValue { cache in
            if cache.count >= Self.verifiedLimit { cache.removeAll(keepingCapacity: true) }
            cache[token] = (user, expiry)
        }
        return expiry > now ? user : nil
    }

    func verifyUncached(_ token: String) async -> (UUID, Date)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Data(base64URL: String(parts[0])),
            let header = try? JSONValue.parse(headerData), header["alg"]?.stringValue == "HS256",
            let kid = header["kid"]?.stringValue, kids.contains(kid),
            let claims = try? await keys.verify(token, as: AccessClaims.self), let user = UUID(uuidString: claims.sub.value)
        else { return nil }
        return (user, claims.exp.value)
    }
}

/// Opaque secrets (refresh tokens, API tokens): random, shown once, stored as SHA-256 hashes.
public enum OpaqueToken {
    public static func make(prefix: String = "") -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return prefix + Data(bytes).base64URLEncoded
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// bcrypt, run on the thread pool so hashing never stalls the event loops.
public struct PasswordHasher: Sendable {
    let cost: UInt8
    /// A hash to verify against when the email is unknown, so both cases take as long.
    let decoy: String

    public init(cost: UInt8) {
        self.cost = cost
        decoy = Bcrypt.hash("decoy-password-for-timing", cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let target = hash ?? decoy
        let ok = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return ok && hash != nil
    }
}

/// Authenticates `Authorization: Bearer …` with an access token (JWT) or a personal API token
/// (`todo_pat_…`) and puts the principal into the context; 401 otherwise.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenIssuer
    let accounts: AccountStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw TodoError.unauthorized(code: "unauthenticated", detail: "Send Authorization: Bearer with an access or API token.")
        }
        let token = String(header.dropFirst(7).trimmingOWS())
        var context = context
        if token.hasPrefix(TokenRoutes.prefix) {
            guard let api = try await accounts.authenticateAPIToken(hash: OpaqueToken.hash(token)) else {
                throw TodoError.unauthorized(code: "invalid_token", detail: "The API token is unknown, revoked or expired.")
            }
            context.principal = Principal(userID: api.userID, scopes: Set(api.scopes))
        } else {
            guard let userID = await tokens.verify(token) else {
                throw TodoError.unauthorized(code: "invalid_token", detail: "The access token is invalid or expired.")
            }
            context.principal = Principal(userID: userID, scopes: nil)
        }
        let user = context.principal!.userID.lowercased
        context.logger[metadataKey: "user_id"] = .string(user)
        RequestNote.current?.userID = user
        var fields = LogContext.fields
        fields["user_id"] = user
        let actor = context.principal!.userID
        return try await LogContext.$fields.withValue(fields) {
            try await EventActor.$id.withValue(actor) { try await next(request, context) }
        }
    }
}

/// Token buckets for login attempts, per email and per client address, in this process.
/// A bucket holds `burst` attempts and refills completely over `window`.
public final class LoginRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    let burstPerEmail: Int
    let burstPerAddress: Int
    let window: Duration

    public init(burstPerEmail: Int, burstPerAddress: Int, window: Duration) {
        self.burstPerEmail = burstPerEmail
        self.burstPerAddress = burstPerAddress
        self.window = window
    }

    /// Takes one attempt for the email and the address, or throws 429 with the seconds to wait.
    public func attempt(email: String, address: String?, now: Date = Date()) throws {
        try buckets.withLockedValue { buckets in
            var keys = [("email:" + email, burstPerEmail)]
            if let address { keys.append(("addr:" + address, burstPerAddress)) }
            var wait = 0.0
            var refilled: [(String, Bucket)] = []
            for (key, burst) in keys {
                let rate = Double(burst) / window.inSeconds
                var b = buckets[key] ?? Bucket(tokens: Double(burst), updated: now)
                b.tokens = min(Double(burst), b.tokens + now.timeIntervalSince(b.updated) * rate)
                b.updated = now
                if b.tokens < 1 { wait = max(wait, (1 - b.tokens) / rate) }
                refilled.append((key, b))
            }
            if wait > 0 {
                for (key, b) in refilled { buckets[key] = b }
                throw TodoError.rateLimited(retryAfterSeconds: Int(wait.rounded(.up)))
            }
            for (key, var b) in refilled {
                b.tokens -= 1
                buckets[key] = b
            }
            if buckets.count > 100_000 {  // forget buckets that have refilled, so memory stays bounded
                let window = self.window
                buckets = buckets.filter { $0.value.updated + window > now }
            }
        }
    }
}
