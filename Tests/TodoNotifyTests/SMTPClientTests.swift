import Foundation
import Logging
import Testing
import TodoCore
import TodoNotify

/// The SMTP client against a real server (aiosmtpd, `scripts/smtp-sink.py`) with real TLS.
@Suite(.serialized) struct SMTPClientTests {
    var quiet: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    func client(_ sink: SMTPSink, _ security: SMTPSecurity, password: String = "secret-password", user: String? = "todo") throws -> SMTPClient {
        var settings = SMTPSettings(
            host: "localhost", port: sink.port, security: security, username: user, password: user == nil ? nil : password,
            from: "reminders@todo.test", caFile: sink.caFile)
        settings.timeout = .seconds(5)
        return try SMTPClient(settings: settings, logger: quiet)
    }

    /// Sends `count` copies of `message`, each with its own Message-ID `<prefix>-<i>@todo`.
    func send(_ count: Int, as prefix: String, with client: SMTPClient) async throws {
        for i in 0..<count {
            var m = message
            m.messageID = "\(prefix)-\(i)@todo"
            try await client.send(m)
        }
    }

    let message = EmailMessage(
        to: "ana@example.com", subject: "Reminder: Zahnarzt bei Dr. Müller 🦷", text: "Due Tuesday at 09:00 (Europe/Berlin).\n.\nA dot line.",
        html: "<p>Due <b>Tuesday</b></p>", messageID: "0193-test@todo", date: Date(timeIntervalSince1970: 1_796_000_000))

    @Test func startTLSWithAuthDeliversAWellFormedMessage() async throws {
        let sink = try SMTPSink(mode: .starttls)
        try await client(sink, .starttls).send(message)
        let received = try sink.messages()
        #expect(received.count == 1)
        let m = try #require(received.first)
        #expect(header("X-Envelope-To", in: m) == "ana@example.com")
        #expect(header("X-Envelope-From", in: m) == "reminders@todo.test")
        #expect(header("X-Received-TLS", in: m) == "True")
        #expect(header("X-Authenticated", in: m) == "True")
        #expect(decodeWords(header("Subject", in: m) ?? "") == "Reminder: Zahnarzt bei Dr. Müller 🦷")
        #expect(header("Message-ID", in: m) == "<0193-test@todo>")
        #expect(header("Date", in: m) == "Mon, 30 Nov 2026 00:53:20 +0000")
        #expect(header("Content-Type", in: m)?.hasPrefix("multipart/alternative; boundary=") == true)
        // Both alternatives, base64: the text (with its dot line intact) and the HTML.
        let parts = m.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst().map {
            String(
                decoding: Data(base64Encoded: $0.components(separatedBy: "\r\n--")[0].replacingOccurrences(of: "\r\n", with: "")) ?? Data(),
                as: UTF8.self)
        }
        #expect(parts == [message.text, message.html])
        // The server did not offer PIPELINING, so each command waited for its reply.
        #expect(header("X-Pipelined", in: m) == "False")
    }

    /// With PIPELINING offered (RFC 2920), MAIL, RCPT and DATA go together (the server finds RCPT
    /// and DATA already waiting when it reads MAIL), over TLS with AUTH, on one kept connection.
    @Test func pipelinesTheTransactionWhenTheServerOffersIt() async throws {
        let sink = try SMTPSink(mode: .starttls, pipelining: true)
        let client = try client(sink, .starttls)
        try await send(3, as: "pipe", with: client)
        let received = try sink.messages()
        #expect(received.map { header("X-Pipelined", in: $0) } == ["True", "True", "True"])
        #expect(received.map { header("X-Envelope-To", in: $0) } == Array(repeating: "ana@example.com", count: 3))
        #expect(received.map { header("X-Received-TLS", in: $0) } == ["True", "True", "True"])
        #expect(client.connectionsOpened == 1)
        await client.closeIdleConnections()
    }

    /// Every reply of a pipelined group is checked: a refused recipient fails the message as a
    /// permanent 550 (not DATA's 503 that follows it), nothing is delivered for it, and the next
    /// message goes through cleanly — no reply of the failed group is mistaken for one of its.
    @Test func aRefusedRecipientInAPipelinedGroupFailsOnlyThatMessage() async throws {
        let sink = try SMTPSink(mode: .starttls, pipelining: true)
        let client = try client(sink, .starttls)
        try await client.send(message)
        var refused = message
        refused.to = "reject-bob@example.com"
        await #expect { try await client.send(refused) } throws: { e in
            (e as? SMTPError).map { $0.code == 550 && $0.permanent } ?? false
        }
        try await client.send(message)
        #expect(try sink.messages().map { header("X-Envelope-To", in: $0) } == ["ana@example.com", "ana@example.com"])
        // The failed session was closed, not reused with replies still unread.
        #expect(client.connectionsOpened == 2)
        await client.closeIdleConnections()
    }

    @Test func implicitTLSOnPort465Style() async throws {
        let sink = try SMTPSink(mode: .implicitTLS)
        try await client(sink, .tls).send(message)
        #expect(try sink.messages().count == 1)
    }

    @Test func failuresAreClassifiedForRetries() async throws {
        let sink = try SMTPSink(mode: .starttls)
        // Wrong password: 535, permanent.
        await #expect { try await client(sink, .starttls, password: "wrong").send(message) } throws: { e in
            (e as? SMTPError).map { $0.code == 535 && $0.permanent } ?? false
        }
        // A temporary refusal of the message: transient.
        try sink.reply("451 4.3.0 try again later")
        await #expect { try await client(sink, .starttls).send(message) } throws: { e in
            (e as? SMTPError).map { $0.code == 451 && !$0.permanent } ?? false
        }
        // A permanent one: straight to the dead letters.
        try sink.reply("550 5.1.1 no such user")
        await #expect { try await client(sink, .starttls).send(message) } throws: { e in
            (e as? SMTPError).map { $0.code == 550 && $0.permanent } ?? false
        }
        // Down: connection refused, transient.
        sink.stop()
        await #expect { try await client(sink, .starttls).send(message) } throws: { e in
            (e as? SMTPError).map { $0.code == nil && !$0.permanent } ?? false
        }
        #expect(try sink.messages().isEmpty)
    }

    /// One connection carries many messages; a kept connection the server dropped (here: the
    /// server restarted) is noticed at MAIL FROM and the message goes over a new one — never lost,
    /// never sent twice. With and without PIPELINING (pipelined, MAIL's missing reply is the sign).
    @Test(arguments: [false, true]) func connectionsAreReusedAndADroppedOneIsReplaced(pipelining: Bool) async throws {
        let sink = try SMTPSink(mode: .starttls, pipelining: pipelining)
        let client = try client(sink, .starttls)
        try await send(5, as: "reuse", with: client)
        #expect(client.connectionsOpened == 1)
        #expect(Set(try sink.messages().map { header("X-Client-Port", in: $0) }).count == 1)
        sink.stop()
        try sink.start()
        try await client.send(message)
        #expect(client.connectionsOpened == 2)
        let received = try sink.messages()
        #expect(received.count == 6)
        #expect(received.map { header("Message-ID", in: $0) ?? "" } == (0..<5).map { "<reuse-\($0)@todo>" } + ["<0193-test@todo>"])
        #expect(Set(received.map { header("X-Pipelined", in: $0) }) == ["\(pipelining ? "True" : "False")"])
        await client.closeIdleConnections()
    }

    @Test func startTLSIsRequiredWhenAsked() async throws {
        let sink = try SMTPSink(mode: .plain, auth: nil)
        await #expect(throws: SMTPError.self) { try await client(sink, .starttls, user: nil).send(message) }
        try await client(sink, .none, user: nil).send(message)
        #expect(try sink.messages().count == 1)
        #expect(header("X-Received-TLS", in: try sink.messages()[0]) == "False")
    }
}
