import Foundation
import Logging
import Testing
import TodoCore
import TodoEvents
import TodoNotify
import TodoStore
import TodoTesting

/// A reminder's email end to end, against a real SMTP server: SMTP down → retries → the dead
/// letters and `reminders-dlq` → SMTP up → retry → delivered exactly once; a replay of
/// `reminders` sends nothing again.
@Suite(.serialized) struct EmailDeliveryTests {
    var quiet: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SinkError("timed out waiting for \(what)")
    }

    @Test(arguments: TestDatabase.available)
    func downRetriesDeadLetterRetryDeliversOnce(_ kind: TestDatabase) async throws {
        let sink = try SMTPSink(mode: .starttls)
        sink.stop()  // SMTP is down
        try await kind.with { db in
            let user = try await makeUser(db, timeZone: "Asia/Tokyo")
            let due = ResolvedDue(.dateTime(LocalDateTime("2026-12-01T09:30")!, timeZone: "Asia/Tokyo"), defaultTimeZone: "Asia/Tokyo")
            _ = try await TaskStore(db: db).create(
                userID: user.id,
                draft: TaskDraft(
                    title: "Pay rent", due: due, reminders: [ReminderSpec(trigger: .at(Date().addingTimeInterval(-1)), channels: [.email])]))
            #expect(try await ReminderStore(db: db).fireDue(catchUp: .seconds(600)).fired == 1)
            while try await EventLog(db: db).sequence() > 0 {}
            let consumer = Consumer(
                group: ReminderHandler.group, topic: Topic.reminders, handler: ReminderHandler(emailEnabled: true, logger: quiet), db: db,
                logger: quiet)
            #expect(try await consumer.drain() == 1)

            var settings = SMTPSettings(
                host: "localhost", port: sink.port, security: .starttls, username: "todo", password: "secret-password",
                from: "reminders@todo.test", caFile: sink.caFile)
            settings.timeout = .seconds(5)
            let service = EmailDeliveryService(
                db: db, sender: try SMTPClient(settings: settings, logger: quiet),
                policy: RetryPolicy(maxAttempts: 3, base: .milliseconds(50), cap: .milliseconds(100), jitter: .half),
                logger: quiet)
            let running = Task { try await service.run() }
            defer { running.cancel() }
            // As in every PostgreSQL process: wake-ups arrive through LISTEN/NOTIFY.
            let listening = Task { if let pg = db as? PostgresDatabase { try await PostgresSignalListener(db: pg, logger: quiet).run() } }
            defer { listening.cancel() }

            let dlq = DeadLetterStore(db: db)
            try await waitFor("the dead letter") { try await dlq.count(dlq: "reminders-dlq") == 1 }
            let letter = try #require(try await dlq.list(dlq: "reminders-dlq").first)
            #expect(letter.attempts == 3)
            #expect(letter.group == "notification-service")
            #expect(letter.error.contains("cannot connect"))
            #expect(letter.event["type"] == "reminder.due")
            let dlqRecords = try await EventLogReader(db: db).tail(topic: "reminders-dlq", limit: 10)
            #expect(dlqRecords.count == 1)

            try sink.start()  // SMTP is back
            #expect(try await dlq.retry(dlq: "reminders-dlq", maxCount: 100) == 1)
            try await waitFor("the email") { try sink.messages().count == 1 }
            let message = try sink.messages()[0]
            #expect(header("X-Envelope-To", in: message) == user.email)
            #expect(decodeWords(header("Subject", in: message) ?? "") == "Reminder: Pay rent")
            #expect(message.contains(Data("Pay rent\n\nDue Tuesday, 1 December 2026 at 09:30 (Asia/Tokyo).".utf8).base64EncodedString().prefix(40)))
            #expect(try await dlq.count(dlq: "reminders-dlq") == 0)

            // Replay the whole topic: nothing is queued or sent again.
            try await EventLog(db: db).reset(group: ReminderHandler.group, topic: Topic.reminders, to: .earliest)
            #expect(try await consumer.drain() == 1)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try sink.messages().count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anInvitationsLinkGoesByEmailAndIsForgottenOnceSent(_ kind: TestDatabase) async throws {
        let sink = try SMTPSink(mode: .starttls)
        try await kind.with { db in
            let holder = try await makeUser(db)
            let project = try await ProjectStore(db: db).create(userID: holder.id, draft: ProjectDraft(name: "Sprint 12"))
            let link = "https://todo.test/invite/todo_inv_secret-part"
            _ = try await MemberStore(db: db).invite(
                projectID: project.id, userID: holder.id, email: "new.person@example.com", role: .editor, tokenHash: "h", link: link)
            var settings = SMTPSettings(
                host: "localhost", port: sink.port, security: .starttls, username: "todo", password: "secret-password",
                from: "reminders@todo.test", caFile: sink.caFile)
            settings.timeout = .seconds(5)
            let service = EmailDeliveryService(db: db, sender: try SMTPClient(settings: settings, logger: quiet), policy: .email, logger: quiet)
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await waitFor("the invitation email") { try sink.messages().count == 1 }
            let message = try sink.messages()[0]
            #expect(header("X-Envelope-To", in: message) == "new.person@example.com")
            #expect(decodeWords(header("Subject", in: message) ?? "") == "Test invited you to “Sprint 12” on Todo")
            // The text part, base64 in lines: decoded, it carries the link.
            let parts = message.components(separatedBy: "Content-Transfer-Encoding: base64")
            let text = parts.count > 1 ? parts[1].components(separatedBy: "--")[0].split(whereSeparator: \.isNewline).joined() : ""
            let decoded = Data(base64Encoded: String(text)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(decoded.contains("Join: \(link)") && decoded.contains("as editor"), "\(decoded)")
            // Once sent, the link is nowhere in the database.
            try await waitFor("the sent mark") {
                try await db.read { conn in try await conn.first("SELECT state FROM deliveries")?.string("state") } == "sent"
            }
            let stored = try await db.read { conn in try await conn.first("SELECT event FROM deliveries")?.string("event") }
            #expect(stored == InvitationEmail.redacted)
        }
    }
}
