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

    func drain() -> [Session] { idle.withLockedValue { list in defer { list.removeAll() }; return list.map(\.session) } }
}

/// One SMTP session over one connection: the greeting and EHLO/STARTTLS/AUTH once, then any
/// number of mail transactions (MAIL, RCPT, DATA), then QUIT. Used by one task at a time (a
/// pooled session belongs to whoever took it), which is what makes its mutable state safe.
final class Session: @unchecked Sendable {
    let channel: any Channel
    let timeout: TimeAmount
    private var lines: AsyncThrowingStream<String, any Error>.AsyncIterator
    private(set) var delivered = 0
    /// The server offered PIPELINING in its (last) EHLO reply.
    private(set) var pipelining = false

    init(channel: any Channel, replies: AsyncThrowingStream<String, any Error>, timeout: TimeAmount) {
        self.channel = channel
        self.lines = replies.makeAsyncIterator()
        self.timeout = timeout
    }

    static func open(settings: SMTPSettings, tls: NIOSSLContext?, pool: SessionPool) async throws -> Session {
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(settings.timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                pool.track(channel)  // from before the connect completes: a hanging connect can be aborted
                return channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls, let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: settings.sniName))
                    }
                    try channel.pipeline.syncOperations.addHandler(LineHandler(continuation: continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: settings.host, port: settings.port).get()
        } catch {
            throw SMTPError("cannot connect to \(settings.host):\(settings.port): \(error)")
        }
        return Session(channel: channel, replies: stream, timeout: settings.timeout)
    }

    func close() async {
        try? await channel.close()
    }

    /// QUIT, then close (a failure to say goodbye changes nothing).
    func quit() async {
        _ = try? await command("QUIT", expect: 221)
        await close()
    }

    /// Greeting, EHLO, STARTTLS and EHLO again, AUTH.
    func hello(settings: SMTPSettings, tls: NIOSSLContext?) async throws {
        try await expect(220, "greeting")
        var extensions = try await command("EHLO \(settings.heloName)", expect: 250)
        if settings.security == .starttls {
            guard extensions.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                throw SMTPError("the server does not offer STARTTLS (set SMTP_TLS=tls for port 465, or none for a local relay)", code: 530)
            }
            _ = try await command("STARTTLS", expect: 220)
            // The TLS handler is made and added on the channel's event loop (it is not Sendable).
            let (channel, context, name) = (self.channel, tls!, settings.sniName)
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: name), position: .first)
            }.get()
            extensions = try await command("EHLO \(settings.heloName)", expect: 250)
        }
        pipelining = extensions.contains { $0.uppercased() == "PIPELINING" }
        if let username = settings.username, let password = settings.password {
            let auth = extensions.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased() ?? ""
            if auth.contains("PLAIN") || !auth.contains("LOGIN") {
                let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
                _ = try await command("AUTH PLAIN \(token)", expect: 235, log: "AUTH PLAIN ***")
            } else {
                _ = try await command("AUTH LOGIN", expect: 334)
                _ = try await command(Data(username.utf8).base64EncodedString(), expect: 334, log: "***")
                _ = try await command(Data(password.utf8).base64EncodedString(), expect: 235, log: "***")
            }
        }
    }

    /// A mail transaction: MAIL, RCPT, DATA, the message. When the server offers PIPELINING (RFC
    /// 2920) the three commands go in one write and their replies are read together — 2 round
    /// trips a message instead of 4 — and every reply is checked, as the RFC requires (a refused
    /// recipient fails the message even if a non-conforming server then accepts DATA: the session
    /// is closed before any of the message is sent). Throws `NotStarted` when MAIL FROM failed —
    /// on a kept session, the sign that the server no longer has it.
    func send(_ message: EmailMessage, from: String) async throws {
        let mail = try Self.commandLine("MAIL FROM:<\(from)>")
        let rcpt = try Self.commandLine("RCPT TO:<\(message.to)>")
        if pipelining {
            do {
                try await write(mail + "\r\n" + rcpt + "\r\nDATA\r\n")
                try await expect(250, mail)
            } catch { throw NotStarted(reason: error) }
            // A refused recipient is the error to report, whatever DATA's reply says after it.
            var refused: SMTPError?
            do { try await expect(250, or: 251, rcpt) } catch let e as SMTPError where e.code != nil { refused = e }
            do { try await expect(354, "DATA") } catch { throw refused ?? error }
            if let refused { throw refused }
        } else {
            do { try await command(mail, expect: 250) } catch { throw NotStarted(reason: error) }
            try await command(rcpt, expect: 250, or: 251)
            try await command("DATA", expect: 354)
        }
        try await write(MIME.render(message, from: from) + ".\r\n")
        try await expect(250, "end of data")
        delivered += 1
    }

    /// MAIL FROM failed: nothing of the message was sent.
    struct NotStarted: Error {
        var reason: any Error
    }

    /// A command as sent; one with a line break (from an address, say) would smuggle a second.
    static func commandLine(_ text: String) throws -> String {
        if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) { throw SMTPError("refusing a command with a line break") }
        return text
    }

    func write(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Sends a command and reads its reply; the reply's lines after the code (EHLO's extensions).
    @discardableResult
    func command(_ text: String, expect code: Int, or other: Int? = nil, log: String? = nil) async throws -> [String] {
        try await write(try Self.commandLine(text) + "\r\n")
        return try await expect(code, or: other, log ?? text)
    }

    /// Reads one (possibly multi-line) reply and checks its code.
    @discardableResult
    func expect(_ code: Int, or other: Int? = nil, _ step: String) async throws -> [String] {
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { timer.cancel() }
        var texts: [String] = []
        while true {
            guard let line = try await lines.next() else {
                throw SMTPError("connection closed or timed out waiting for the reply to \(step)")
            }
            guard line.count >= 3, let got = Int(line.prefix(3)) else { throw SMTPError("not an SMTP reply to \(step): \(line.prefix(200))") }
            texts.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                guard got == code || got == other else {
                    throw SMTPError("\(step) refused: \(texts.joined(separator: " ").prefix(300))", code: got)
                }
                return texts
            }
        }
    }
}

/// Splits what arrives into CRLF-terminated lines for the session.
final class LineHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncThrowingStream<String, any Error>.Continuation
    private let pending = NIOLockedValueBox(ByteBuffer())

    init(continuation: AsyncThrowingStream<String, any Error>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        pending.withLockedValue { buffer in
            buffer.writeBuffer(&incoming)
            while let index = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = index - buffer.readerIndex
                var line = buffer.readString(length: length) ?? ""
                buffer.moveReaderIndex(forwardBy: 1)
                if line.hasSuffix("\r") { line.removeLast() }
                continuation.yield(line)
            }
            if buffer.readableBytes > 64 * 1024 { continuation.finish(throwing: SMTPError("an SMTP reply line is too long")) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: SMTPError("\(error)"))
        context.close(promise: nil)
    }
}

/// The message as sent: headers, and text and HTML alternatives, base64 (so no line is too long
/// and no line starts with a dot).
enum MIME {
    static func render(_ m: EmailMessage, from: String) -> String {
        let boundary = "todo-" + UUID().uuidString.lowercased()
        var lines = [
            "Date: \(Timestamp.rfc5322(m.date))", "From: Todo <\(from)>", "To: <\(m.to)>", "Subject: \(encodedWord(m.subject))",
            "Message-ID: <\(m.messageID)>", "MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "",
            "--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
        ]
        lines += base64Lines(m.text)
        lines += ["--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        lines += base64Lines(m.html)
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }

    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        var result: [String] = []
        var i = encoded.startIndex
        while i < encoded.endIndex {
            let j = encoded.index(i, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            result.append(String(encoded[i..<j]))
            i = j
        }
        return result
    }

    /// RFC 2047: ASCII stays as it is; anything else becomes `=?UTF-8?B?…?=` words.
    static func encodedWord(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 && $0.value != 127 }
        if safe && text.count <= 900 { return text }
        var words: [String] = []
        var chunk = ""
        for ch in text {
            // 45 bytes of UTF-8 make a 60-character base64 word; never split a character.
            if chunk.utf8.count + String(ch).utf8.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=")
                chunk = ""
            }
            chunk.append(ch)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }
}
