import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import TodoCore
import TodoEvents
import TodoStore

#if canImport(Glibc)
    import Glibc
#endif

/// Where a webhook may go: https (http only to an allowed host), and a host that resolves only
/// to public addresses (unless allowed) — checked when the endpoint is saved and again before
/// every delivery (DNS may have changed).
public struct WebhookTarget: Sendable {
    public let allowedHosts: Set<String>

    public init(allowedHosts: Set<String>) { self.allowedHosts = allowedHosts }

    /// Why `url` may not be a webhook endpoint, or nil. `mustResolve`: a host that does not
    /// resolve is refused too (when delivering; an endpoint may be saved before its receiver exists).
    /// The name is resolved on NIO's thread pool for blocking I/O: `getaddrinfo` blocks its thread
    /// for as long as DNS takes (seconds when a resolver does not answer, with a cluster's search
    /// domains tried in turn), and the cooperative pool has one thread per core.
    public func refusal(_ url: String, mustResolve: Bool = true) async -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased(), !host.isEmpty
        else { return "must be an absolute https URL" }
        if parsed.user != nil || parsed.password != nil { return "must not carry a user or password" }
        let allowed = allowedHosts.contains(host)
        guard scheme == "https" || (scheme == "http" && allowed) else { return "must be https (http only to a host the operator allows)" }
        if allowed { return nil }
        let addresses = (try? await NIOThreadPool.singleton.runIfActive { Self.resolve(host) }) ?? []
        if addresses.isEmpty { return mustResolve ? "has a host that does not resolve" : nil }
        for address in addresses { if let why = address.refusal { return "resolves to \(address), \(why): not reachable from here" } }
        return nil
    }

    /// The host's addresses (an address written as the host is itself).
    static func resolve(_ host: String) -> [NetworkAddress] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let literal = NetworkAddress(bare) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [NetworkAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if info.pointee.ai_family == AF_INET, let raw = info.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    var a = $0.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count))
                }
            } else if info.pointee.ai_family == AF_INET6, let raw = info.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    var a = $0.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count))
                }
            }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let address = NetworkAddress(text) { addresses.append(address) }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}

/// Sends queued webhook deliveries: claims due ones (the earliest undelivered per endpoint and
/// task), POSTs each signed (`WebhookSignature`), without following redirects, within
/// `WebhookPolicy.timeout`, keeping at most `WebhookPolicy.responsePrefix` bytes of the answer, and
/// records the outcome — retried on the `WebhookPolicy.backoff` schedule, given up after it.
public struct WebhookDeliveryService: Service {
    let store: WebhookStore
    let target: WebhookTarget
    let wakeup: Wakeup
    let logger: Logger
    let concurrency: Int

    static let delivered = Counter(label: "webhook_deliveries_total", dimensions: [("outcome", "delivered")])
    static let retried = Counter(label: "webhook_deliveries_total", dimensions: [("outcome", "retried")])
    static let failed = Counter(label: "webhook_deliveries_total", dimensions: [("outcome", "failed")])
    static let latency = Metrics.Timer(label: "webhook_delivery_latency_seconds")

    public init(db: any SQLDatabase, allowedHosts: Set<String>, logger: Logger, concurrency: Int = 16) {
        store = WebhookStore(db: db)
        target = WebhookTarget(allowedHosts: allowedHosts)
        wakeup = db.signals[.webhooks]
        self.logger = logger
        self.concurrency = concurrency
        _ = (Self.delivered, Self.retried, Self.failed, Self.latency)
    }

    public func run() async throws {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        await runUntilShutdown(
            "webhook delivery", logger: logger, wakeup: wakeup, longestSleep: .seconds(30),
            work: { try await deliverDue(http) }, nextDue: { nil })
        try? await http.shutdown()
    }

    /// Sends every due delivery, `concurrency` at a time; returns how many it claimed.
    func deliverDue(_ http: HTTPClient) async throws -> Int {
        var total = 0
        while !Task.isShuttingDownGracefully {
            let claimed = try await store.claim(limit: concurrency)
            if claimed.isEmpty { break }
            total += claimed.count
            await withTaskGroup(of: Void.self) { group in
                for item in claimed { group.addTask { await deliver(item, http: http) } }
            }
        }
        return total
    }

    func deliver(_ item: WebhookStore.Claimed, http: HTTPClient) async {
        let started = ContinuousClock.now
        let outcome: WebhookStore.Outcome
        if let refusal = await target.refusal(item.url) {
            outcome = .init(status: nil, error: "url \(refusal)", responsePrefix: nil, durationMs: 0)
        } else {
            outcome = await post(item, http: http, started: started)
        }
        let delivered = (200..<300).contains(outcome.status ?? 0)
        let attempt = item.delivery.attempts
        let retryAt: Date? =
            delivered || attempt > WebhookPolicy.backoff.count ? nil : Date() + WebhookPolicy.backoff[attempt - 1]
        do {
            try await store.record(item, outcome: outcome, retryAt: retryAt)
        } catch {
            logger.error("Recording a webhook delivery failed", metadata: ["delivery_id": .string(item.delivery.id.lowercased), "error": "\(error)"])
            return
        }
        var metadata: Logger.Metadata = [
            "delivery_id": .string(item.delivery.id.lowercased), "webhook_id": .string(item.delivery.webhookID.lowercased),
            "event_id": .string(item.delivery.eventID.lowercased), "attempt": "\(attempt)",
        ]
        if let status = outcome.status { metadata["status"] = "\(status)" }
        if delivered {
            Self.delivered.increment()
            Self.latency.recordInterval(since: item.delivery.createdAt)
            logger.info("Webhook delivered", metadata: metadata)
        } else {
            metadata["error"] = .string(outcome.error ?? "HTTP \(outcome.status ?? 0)")
            if retryAt == nil {
                Self.failed.increment()
                logger.warning("Webhook delivery given up", metadata: metadata)
            } else {
                Self.retried.increment()
                logger.info("Webhook delivery failed; retrying", metadata: metadata)
            }
        }
    }

    func post(_ item: WebhookStore.Claimed, http: HTTPClient, started: ContinuousClock.Instant) async -> WebhookStore.Outcome {
        let body = Array(item.delivery.payload.utf8)
        var request = HTTPClientRequest(url: item.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "Todo-Webhooks/1")
        for (name, value) in WebhookSignature.headers(
            secrets: item.secrets, id: item.delivery.eventID.lowercased, timestamp: Int(Date().timeIntervalSince1970), body: body)
        {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        func elapsed() -> Int { Int((ContinuousClock.now - started).nanoseconds / 1_000_000) }
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(WebhookPolicy.timeout.components.seconds)))
            var prefix = [UInt8]()
            for try await chunk in response.body {
                prefix += chunk.readableBytesView.prefix(WebhookPolicy.responsePrefix - prefix.count)
                if prefix.count >= WebhookPolicy.responsePrefix { break }
            }
            return .init(
                status: Int(response.status.code), error: (200..<300).contains(Int(response.status.code)) ? nil : "HTTP \(response.status.code)",
                responsePrefix: String(decoding: prefix, as: UTF8.self), durationMs: elapsed())
        } catch {
            return .init(status: nil, error: "\(error)".prefix(300).description, responsePrefix: nil, durationMs: elapsed())
        }
    }
}

extension Metrics.Timer {
    func recordInterval(since start: Date) { recordNanoseconds(Int64(max(0, Date().timeIntervalSince(start)) * 1_000_000_000)) }
}
