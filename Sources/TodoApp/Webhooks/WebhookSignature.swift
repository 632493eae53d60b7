import Crypto
import Foundation

/// Standard Webhooks signing (standardwebhooks.com): a secret is `whsec_` and base64 of random
/// bytes; a delivery carries `webhook-id` (the event id: receivers deduplicate by it),
/// `webhook-timestamp` (Unix seconds) and `webhook-signature`: space-separated `v1,<base64 of
/// HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")>`, one per secret in force (the old and
/// the new while a rotation overlaps).
public enum WebhookSignature {
    public static let prefix = "whsec_"

    /// A new secret: 32 random bytes.
    public static func newSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        return prefix + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
    }

    /// The secret's key bytes, or nil when it is not `whsec_` and base64.
    static func key(_ secret: String) -> SymmetricKey? {
        guard secret.hasPrefix(prefix), let bytes = Data(base64Encoded: String(secret.dropFirst(prefix.count))), !bytes.isEmpty else {
            return nil
        }
        return SymmetricKey(data: bytes)
    }

    /// `v1,<signature>` of one message under one secret.
    public static func sign(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String? {
        guard let key = key(secret) else { return nil }
        var message = Array("\(id).\(timestamp).".utf8)
        message += body
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
    }

    /// The three headers of a delivery signed with every secret given.
    public static func headers(secrets: [String], id: String, timestamp: Int, body: [UInt8]) -> [(String, String)] {
        [
            ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", secrets.compactMap { sign(secret: $0, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")),
        ]
    }
}
