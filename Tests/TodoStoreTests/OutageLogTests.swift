import Logging
import Synchronization
import Testing

@testable import TodoStore

/// An outage reads as one WARN and one INFO per process, however the restart interleaves
/// failures and successes (`OutageLog`).
@Suite struct OutageLogTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }

    struct Capture: LogHandler {
        let out: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            out.lines.withLock { $0.append("\(event.level) \(event.message)") }
        }
    }

    struct Refused: Error {}

    @Test func aRestartsInterleavedSuccessesDoNotEndTheOutage() async throws {
        let out = Lines()
        let log = OutageLog(logger: Logger(label: "test") { _ in Capture(out: out) }, settle: .milliseconds(300))
        let failure = DatabaseUnavailable(cause: Refused())
        // A fast shutdown: sessions end one by one, transactions on the others still succeed.
        log.failed(failure)
        log.succeeded()
        #expect(!log.isFailing)
        log.failed(failure)
        #expect(log.isFailing)
        log.succeeded()
        log.failed(failure)
        #expect(out.lines.withLock { $0 }.count == 1)
        // Back: the first success after the settle time ends it, once.
        try await Task.sleep(for: .milliseconds(350))
        log.succeeded()
        log.succeeded()
        // The next outage is a new one.
        log.failed(failure)
        let lines = out.lines.withLock { $0 }
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("warning Database unavailable"))
        #expect(lines[1] == "info Database available again")
        #expect(lines[2].hasPrefix("warning Database unavailable"))
    }
}
