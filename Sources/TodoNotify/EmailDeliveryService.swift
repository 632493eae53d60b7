import Foundation
import Logging
import Metrics
import ServiceLifecycle
import TodoCore
import TodoEvents
import TodoStore

/// Sends queued email deliveries (the notification-service's email channel). Claims due ones,
/// sends up to `concurrency` at once, and records each outcome: sent; a transient failure
/// (refused connection, timeout, SMTP 4xx) waits in the queue for its next attempt — never in
/// this worker, so one slow server or message holds up nothing else; a permanent one (SMTP 5xx)
/// or the last attempt goes to the dead letters and `reminders-dlq`. Woken when deliveries are
/// queued, otherwise it sleeps until the next one is due.
public struct EmailDeliveryService: Service {
    let queue: DeliveryQueue
    let sender: any EmailSender
    let policy: RetryPolicy
    let wakeup: Wakeup
    let logger: Logger
    let concurrency: Int

    static let sent = Counter(label: "reminders_sent_total", dimensions: [("channel", "email")])
    static let failed = Counter(label: "reminders_failed_total", dimensions: [("channel", "email")])
    static let latency = Metrics.Timer(label: "reminder_delivery_latency_seconds", dimensions: [("channel", "email")])

    public init(db: any SQLDatabase, sender: any EmailSender, policy: RetryPolicy = .email, logger: Logger, concurrency: Int = 16) {
        queue = DeliveryQueue(db: db)
        self.sender = sender
        self.policy = policy
        wakeup = db.signals[.deliveries]
        self.logger = logger
        self.concurrency = concurrency
        // exported at 0 from the start, not from the first send (the failure-ratio alert and
        // rate() need the series before it moves)
        _ = (Self.sent, Self.failed, Self.latency)
    }

    public func run() async throws {
        await runUntilShutdown(
            "email delivery", logger: logger, wakeup: wakeup, longestSleep: .seconds(30),
            work: { try await deliverDue() },
            nextDue: { try await queue.nextDue() })
    }

    /// What a child task of `deliverDue` reports.
    enum Step: Sendable {
        case sent(UUID, Date)
        case failed
        /// Not sent because the worker is stopping: its claim goes back.
        case abandoned(UUID)
        case recorded
        case claimed([Delivery])
        /// Graceful shutdown began.
        case stopping
        /// The grace of the sends still in flight at shutdown is over.
        case graceOver
    }

    /// How long sends in flight at graceful shutdown may go on before their connections are
    /// closed: a server that accepts connections and never answers would otherwise hold the
    /// process for its 30-second timeouts, send after send.
    static let shutdownGrace: Duration = .seconds(3)

    /// Sends what is due, `concurrency` at a time, as one pipeline until nothing more is due: the
    /// next deliveries are claimed while the last ones are still being sent, and sends are
    /// recorded — `concurrency` per transaction — by child tasks of their own. A claim or a record
    /// waits for the database's writer (on SQLite shared with the scheduler and the consumers);
    /// when the loop waited for them itself, no message was sent meanwhile, and half the
    /// machine sat idle at 1,000 reminders a second. At graceful shutdown it starts no more
    /// sends and gives the claims it has not started back at once; the sends in flight get
    /// `shutdownGrace`, then their connections are closed and their claims go back too — nothing
    /// waits for a claim to expire after a clean stop. Returns how many deliveries it claimed.
    func deliverDue() async throws -> Int {
        let batch = concurrency * 4
        var waiting = try await queue.claim(limit: batch)[...]
        var total = waiting.count
        guard total > 0 else { return 0 }
        var exhausted = waiting.count < batch
        return await withTaskGroup(of: Step.self) { group in
            var (sending, recording, claiming, stopping) = (0, 0, false, false)
            var unrecorded: [(id: UUID, at: Date)] = []
            var abandoned: [UUID] = []
            // Wakes the loop when graceful shutdown begins, even while it waits on sends.
            group.addTask {
                try? await gracefulShutdown()
                return .stopping
            }
            while true {
                while !stopping, sending < concurrency, let d = waiting.popFirst() {
                    sending += 1
                    group.addTask { await deliver(d) }
                }
                if !claiming, !exhausted, !stopping, waiting.count < concurrency {
                    claiming = true
                    group.addTask {
                        do { return .claimed(try await queue.claim(limit: batch)) } catch {
                            logger.failure("Could not claim email deliveries", error)
                            return .claimed([])
                        }
                    }
                }
                // Recorded in full batches, and whatever is left once nothing is in flight.
                if unrecorded.count >= concurrency || (sending == 0 && !unrecorded.isEmpty) {
                    let sent = unrecorded
                    unrecorded = []
                    recording += 1
                    group.addTask {
                        await record(sent)
                        return .recorded
                    }
                }
                if sending == 0, recording == 0, !claiming, waiting.isEmpty || stopping { break }
                guard let step = await group.next() else { break }
                switch step {
                case .sent(let id, let at):
                    sending -= 1
                    unrecorded.append((id, at))
                case .failed:
                    sending -= 1
                case .abandoned(let id):
                    sending -= 1
                    abandoned.append(id)
                case .recorded:
                    recording -= 1
                case .claimed(let more):
                    claiming = false
                    exhausted = more.count < batch
                    total += more.count
                    waiting.append(contentsOf: more)
                case .stopping:
                    stopping = true
                    group.addTask {
                        try? await Task.sleep(for: Self.shutdownGrace)
                        return .graceOver
                    }
                case .graceOver:
                    if sending > 0 {
                        logger.warning("Email sends still in flight at shutdown; closing their connections", metadata: ["count": "\(sending)"])
                        await sender.abortConnections()
                    }
                }
            }
            group.cancelAll()  // the shutdown watcher and the grace timer
            abandoned += waiting.map(\.id)
            if !abandoned.isEmpty {
                do { try await queue.release(abandoned) } catch {
                    logger.failure("Could not give back unsent email claims; they are sent after their claims expire", error)
                }
            }
            return total
        }
    }

    /// Marks sends as sent. These emails are out: if the mark is lost their claims expire and they
    /// are sent again, so while the database is only unavailable (a restart) the mark is tried
    /// again with backoff, for up to a minute — well inside the claim's two minutes. Not once
    /// shutdown has begun: the database is down and the process is stopping, so there is nothing
    /// to wait for (and each batch waiting its own minute would hold the process past its bound).
    func record(_ sent: [(id: UUID, at: Date)]) async {
        let started = ContinuousClock.now
        for attempt in 1... {
            do {
                try await queue.markSent(sent)
                return
            } catch {
                let stopping = Task.isShuttingDownGracefully || Task.isCancelled
                guard isTransientDatabaseFailure(error), !stopping, ContinuousClock.now - started < .seconds(60) else {
                    logger.error("Could not record sent emails; they will be sent again", metadata: ["count": "\(sent.count)", "error": "\(error)"])
                    return
                }
                await sleepUnlessShuttingDown(for: RetryPolicy.serviceLoop.delay(afterAttempt: attempt))
            }
        }
    }

    /// Sends one: `.sent` with the time the server accepted it (recorded by the caller), or
    /// `.failed` (recorded here: retry later, or dead).
    func deliver(_ delivery: Delivery) async -> Step {
        var logger = self.logger
        logger[metadataKey: "reminder_id"] = .string(delivery.reminderID.lowercased)
        logger[metadataKey: "user_id"] = .string(delivery.userID.lowercased)
        do {
            if let invitation = InvitationEmail(document: delivery.event) {
                try await sender.send(Self.message(for: invitation, deliveryID: delivery.id))
                logger.info("Invitation email sent", metadata: ["attempt": "\(delivery.attempts)"])
                return .sent(delivery.id, Date())
            }
            let reminder = try delivery.reminder.get()
            logger[metadataKey: "task_id"] = .string(reminder.taskID.lowercased)
            try await sender.send(Self.message(for: reminder, deliveryID: delivery.id))
            let at = Date()
            Self.sent.increment()
            Self.latency.recordNanoseconds(Int64(Swift.max(0, at.timeIntervalSince(reminder.remindAt)) * 1e9))
            logger.info("Reminder email sent", metadata: ["attempt": "\(delivery.attempts)"])
            return .sent(delivery.id, at)
        } catch {
            // Stopping: not this delivery's failure; its claim goes back unsent.
            if Task.isShuttingDownGracefully || Task.isCancelled { return .abandoned(delivery.id) }
            let permanent = (error as? SMTPError)?.permanent ?? (error is EventDecodingFailure)
            // Every failed attempt counts (ReminderDeliveryFailureRate fires while SMTP is down,
            // not 17 minutes later when the retries are spent).
            Self.failed.increment()
            do {
                if permanent || policy.isExhausted(after: delivery.attempts) {
                    try await queue.markDead(delivery, error: "\(error)", group: "notification-service")
                    logger.error(
                        "Reminder email failed; moved to reminders-dlq", metadata: ["error": "\(error)", "attempts": "\(delivery.attempts)"])
                } else {
                    let wait = policy.delay(afterAttempt: delivery.attempts)
                    try await queue.retry(delivery.id, at: Date() + wait, error: "\(error)")
                    logger.warning(
                        "Reminder email failed; will retry",
                        metadata: ["error": "\(error)", "attempt": "\(delivery.attempts)", "retry_in_seconds": "\(wait.components.seconds)"])
                }
            } catch {
                // The claim expires and the delivery is tried again (it was not sent).
                logger.failure("Could not record an email delivery's outcome", error)
            }
            return .failed
        }
    }

    /// The email that carries an invitation's link.
    static func message(for invitation: InvitationEmail, deliveryID: UUID) -> EmailMessage {
        let html = """
            <!doctype html><html><body><p>\(HTML.escape(invitation.subject)).</p>\
            <p><a href="\(HTML.escape(invitation.link))">Join “\(HTML.escape(invitation.projectName))”</a> as \(invitation.role.rawValue).</p>\
            <p style="color:#666">The link works once and until \(Timestamp.millis(invitation.expiresAt)). \
            If you do not know what this is about, ignore this email.</p></body></html>
            """
        return EmailMessage(
            to: invitation.email, subject: invitation.subject, text: invitation.text + "\n", html: html,
            messageID: "\(deliveryID.lowercased)@todo", date: Date())
    }

    /// The email of a `reminder.due`: the same words as the in-app notification.
    static func message(for reminder: ReminderDue, deliveryID: UUID) -> EmailMessage {
        let title = ReminderText.title(reminder)
        let body = ReminderText.body(reminder)
        let task = reminder.title
        let html = """
            <!doctype html><html><body><p><strong>\(HTML.escape(task))</strong></p><p>\(HTML.escape(body))</p>\
            <p style="color:#666">Sent by Todo because you asked to be reminded.</p></body></html>
            """
        return EmailMessage(
            to: reminder.email, subject: title, text: "\(task)\n\n\(body)\n\nSent by Todo because you asked to be reminded.\n",
            html: html, messageID: "\(deliveryID.lowercased)@todo", date: Date())
    }
}
