import Foundation

/// An IP address as webhook delivery sees it after resolving an endpoint's host, and whether it
/// is one a webhook may reach: SSRF defence refuses private, loopback, link-local (the cloud
/// metadata address 169.254.169.254 among them), shared, multicast, documentation and reserved
/// ranges, and IPv6 forms that embed such an IPv4 address.
public enum NetworkAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Parses `10.0.0.1` or `fe80::1` (no zone index, no brackets).
    public init?(_ text: String) {
        if let v4 = Self.parseV4(text) {
            self = .v4(v4)
        } else if let v6 = Self.parseV6(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): return "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff)"
        case .v6(let b):
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }.joined(separator: ":")
        }
    }

    /// Why a webhook may not be delivered here, or nil when it may (a public unicast address).
    public var refusal: String? {
        switch self {
        case .v4(let a):
            for (network, bits, name) in Self.v4Blocked where bits == 0 || a >> (32 - bits) == network >> (32 - bits) { return name }
            return nil
        case .v6(let b):
            if b.allSatisfy({ $0 == 0 }) { return "the unspecified address" }
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "loopback" }
            // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address.
            let embedded = UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15])
            if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)) {
                return NetworkAddress.v4(embedded).refusal
            }
            if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b { return NetworkAddress.v4(embedded).refusal }
            if b[0] & 0xfe == 0xfc { return "a unique local address (fc00::/7)" }
            if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "link-local (fe80::/10)" }
            if b[0] == 0xff { return "multicast" }
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return "documentation (2001:db8::/32)" }
            return nil
        }
    }

    static let v4Blocked: [(UInt32, Int, String)] = [
        (0x0000_0000, 8, "\"this network\" (0.0.0.0/8)"), (0x0a00_0000, 8, "private (10.0.0.0/8)"),
        (0x6440_0000, 10, "shared address space (100.64.0.0/10)"), (0x7f00_0000, 8, "loopback (127.0.0.0/8)"),
        (0xa9fe_0000, 16, "link-local, where cloud metadata services answer (169.254.0.0/16)"), (0xac10_0000, 12, "private (172.16.0.0/12)"),
        (0xc000_0000, 24, "IETF protocol assignments (192.0.0.0/24)"), (0xc000_0200, 24, "documentation (192.0.2.0/24)"),
        (0xc0a8_0000, 16, "private (192.168.0.0/16)"), (0xc612_0000, 15, "benchmarking (198.18.0.0/15)"),
        (0xc633_6400, 24, "documentation (198.51.100.0/24)"), (0xcb00_7100, 24, "documentation (203.0.113.0/24)"),
        (0xe000_0000, 4, "multicast (224.0.0.0/4)"), (0xf000_0000, 4, "reserved (240.0.0.0/4)"),
    ]

    static func parseV4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber), let n = UInt32(part), n <= 255,
                part.count == 1 || part.first != "0"
            else { return nil }
            value = value << 8 | n
        }
        return value
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        var text = text
        // A trailing dotted IPv4 part (::ffff:1.2.3.4) is two groups written another way.
        if let lastColon = text.lastIndex(of: ":"), text[lastColon...].contains(".") {
            guard let v4 = parseV4(String(text[text.index(after: lastColon)...])) else { return nil }
            text = text[...lastColon] + String(v4 >> 16, radix: 16) + ":" + String(v4 & 0xffff, radix: 16)
        }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        let halves = text.components(separatedBy: "::")
        var words: [UInt16]
        switch halves.count {
        case 1:
            guard let all = groups(halves[0]), all.count == 8 else { return nil }
            words = all
        case 2:
            guard let head = groups(halves[0]), let rest = groups(halves[1]), head.count + rest.count < 8 else { return nil }
            words = head + [UInt16](repeating: 0, count: 8 - head.count - rest.count) + rest
        default: return nil
        }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}
