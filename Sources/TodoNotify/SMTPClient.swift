import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import TodoCore

/// How the SMTP connection is secured (`SMTP_TLS`).
public enum SMTPSecurity: String, Sendable {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server does not offer it.
    case starttls
    /// TLS from the first byte (port 465).
    case tls
    /// No TLS (a local relay or a test sink only).
    case none
}

/// Where and how to send mail.
public struct SMTPSettings: Sendable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    public var username: String?
    public var password: String?
    /// The envelope sender and `From:` address.
    public var from: String
    /// Extra trusted roots (PEM file) for a private CA; the system's roots otherwise.
    public var caFile: String?
    /// Timeout of each step (connect, every reply).
    public var timeout: TimeAmount = .seconds(30)
    /// The name given in EHLO.
    public var heloName = "todo.localhost"

    /// The name sent for SNI and checked against the certificate (an IP address cannot be sent).
    var sniName: String? { host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host }

    public init(host: String, port: Int, security: SMTPSecurity, username: String?, password: String?, from: String, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.caFile = caFile
    }
}

/// A failed send. `permanent` failures (SMTP 5xx) are not retried; everything else is (4xx,
/// refused connections, timeouts, TLS trouble).
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var code: Int?
    public var permanent: Bool { (code ?? 0) >= 500 }
    public var description: String { code.map { "SMTP \($0): \(message)" } ?? message }

    public init(_ message: String, code: Int? = nil) {
        self.message = message
        self.code = code
    }
}

/// An email to send.
public struct EmailMessage: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var text: String
    public var html: String
    /// Stable per delivery, so a repeated send (a crash between sending and recording it) is
    /// recognisable as the same message.
    public var messageID: String
    public var date: Date

    public init(to: String, subject: String, text: String, html: String, messageID: String, date: Date) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
    }
}

/// Sends email (the notification-service's email channel).
public protocol EmailSender: Sendable {
    func send(_ message: EmailMessage) async throws
    /// Closes every connection, those in use too: the sends on them fail at once (shutdown).
    func abortConnections() async
}

extension EmailSender {
    public func abortConnections() async {}
}

/// An SMTP client on SwiftNIO (no Swift SMTP library is available): STARTTLS or implicit TLS
/// through NIOSSL, AUTH PLAIN or LOGIN, a timeout on every step, and a MIME message (UTF-8 subject
/// per RFC 2047, text and HTML alternatives, Date, Message-ID).
///
/// Connections are kept and reused (RFC 5321 §3.3: one session carries many mail transactions):
/// a message on a warm connection costs 4 round trips instead of 8–11 (connect, greeting, EHLO,
/// STARTTLS, EHLO, AUTH, …, QUIT), and 2 when the server offers PIPELINING (RFC 2920). Up to
/// `maxIdle` idle connections are kept for `idleLimit`, each for at most `messagesPerConnection`
/// messages; one that fails is closed. A kept connection
/// the server has meanwhile closed fails at MAIL FROM — before any of the message was sent — and
/// the message then goes over a new connection, so reuse never costs a message or a retry.
public struct SMTPClient: EmailSender {
    public let settings: SMTPSettings
    let tls: NIOSSLContext?
    let logger: Logger
    let pool: SessionPool

    public init(
        settings: SMTPSettings, logger: Logger, maxIdle: Int = 16, idleLimit: TimeAmount = .seconds(30), messagesPerConnection: Int = 100
    ) throws {
        self.settings = settings
        self.logger = logger
        pool = SessionPool(maxIdle: maxIdle, idleLimit: idleLimit, messagesPerConnection: messagesPerConnection)
        if settings.security == .none {
            tls = nil
        } else {
            var config = TLSConfiguration.makeClientConfiguration()
            if let caFile = settings.caFile {
                config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
            tls = try NIOSSLContext(configuration: config)
        }
    }

    public func send(_ message: EmailMessage) async throws {
        guard let session = pool.take() else { return try await sendOnNewConnection(message) }
        do {
            try await session.send(message, from: settings.from)
        } catch is Session.NotStarted {
            // The server closed it while it was idle (or refuses the sender: then the new
            // connection below reports that). Nothing of the message was sent.
            await session.close()
            return try await sendOnNewConnection(message)
        } catch {
            await session.close()
            throw error
        }
        await keep(session)
    }

    func sendOnNewConnection(_ message: EmailMessage) async throws {
        let session = try await Session.open(settings: settings, tls: tls, pool: pool)
        pool.opened.withLockedValue { $0 += 1 }
        do {
            try await session.hello(settings: settings, tls: tls)
            try await session.send(message, from: settings.from)
        } catch {
            await session.close()
            throw (error as? Session.NotStarted)?.reason ?? error
        }
        await keep(session)
    }

    /// Puts a session that just delivered a message back in the pool, or ends it politely.
    func keep(_ session: Session) async {
        if let spare = pool.put(session) { await spare.quit() }
    }

    /// Ends the kept connections politely (QUIT); for shutdown and tests.
    public func closeIdleConnections() async {
        for session in pool.drain() { await session.quit() }
    }

    /// How many new connections were opened so far (for tests and benchmarks).
    public var connectionsOpened: Int { pool.opened.withLockedValue { $0 } }

    /// Closes every connection, idle or in use, and those still connecting: the sends on them
    /// fail at once. For shutdown, when a server that stopped answering would hold each send for
    /// its timeouts.
    public func abortConnections() async {
        for channel in pool.open.withLockedValue({ Array($0.values) }) { try? await channel.close() }
    }
}

/// The idle SMTP sessions of one client, most recently used first.
final class SessionPool: Sendable {
    let maxIdle: Int
    let idleLimit: TimeAmount
    let messagesPerConnection: Int
    private let idle = NIOLockedValueBox<[(session: Session, since: NIODeadline)]>([])
    let opened = NIOLockedValueBox(0)
    /// Every channel not closed yet — connecting, in use or idle (`abortConnections`).
    let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes.
    func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        open.withLockedValue { $0[id] = channel }
        channel.closeFuture.whenComplete { [open] _ in open.withLockedValue { _ = $0.removeValue(forKey: id) } }
    }

    init(maxIdle: Int, idleLimit: TimeAmount, messagesPerConnection: Int) {
        self.maxIdle = maxIdle
        self.idleLimit = idleLimit
        self.messagesPerConnection = messagesPerConnection
    }

    /// A warm session, if one is idle and young enough (older ones are dropped: servers close
    /// idle sessions after a while, RFC 5321 §4.5.3.2 suggests 5 minutes, many use less).
    func take() -> Session? {
        let now = NIODeadline.now()
        let isStale = { (entry: (session: Session, since: NIODeadline)) in now - entry.since > self.idleLimit || !entry.session.channel.isActive }
        let (session, stale) = idle.withLockedValue { list -> (Session?, [Session]) in
            let stale = list.filter(isStale).map(\.session)
            list.removeAll(where: isStale)
            return (list.popLast()?.session, stale)
        }
        for s in stale { s.channel.close(promise: nil) }
        return session
    }

    /// Keeps a session that just delivered a message; returns it instead when it has carried
    /// enough messages or enough are kept already (the caller says QUIT).
    func put(_ session: Session) -> Session? {
        guard session.delivered < messagesPerConnection, session.channel.isActive else { return session }
        return idle.withLockedValue { list in
            guard list.count < maxIdle else { return session }
            list.append((session, .now()))
            return nil
        }
    }

    func drain() -> [Session] {
        idle.withLockedValue { list in
            defer { list.removeAll() }
            return list.map(\.session)
        }
    }
}
