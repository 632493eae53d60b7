import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import TodoCore

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
