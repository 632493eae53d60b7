import Foundation
import Logging
import Synchronization
import Testing
import TodoApp
import TodoCore

/// The JSON log lines the runbook's `jq` filters read (the filters themselves run over real
/// process output in `scripts/e2e-cli.sh`).
@Suite struct LogOutputTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ s: String) { lines.withLock { $0.append(s) } }
        var objects: [[String: Any]] {
            lines.withLock { $0 }.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
    }

    func logger(_ label: String, _ out: Lines) -> Logger {
        Logger(label: label) { label in JSONLogHandler(label: label, metadataProvider: LogOutput.metadataProvider, write: out.append) }
    }

    @Test func oneObjectPerLineWithTheRunbooksFields() async throws {
        let out = Lines()
        var log = logger("backend", out)
        log.logLevel = .debug
        log.info("Login succeeded", metadata: ["user_id": "0193-u"])
        log.warning("Login failed", metadata: ["client_address": "10.0.0.7"])
        log.error("Reminder email failed; moved to reminders-dlq", metadata: ["attempts": "10"])
        log.debug("Request")
        log.critical("Stopped")
        #expect(out.lines.withLock { $0 }.allSatisfy { $0.hasSuffix("}\n") && $0.filter { $0 == "\n" }.count == 1 })
        let lines = out.objects
        #expect(lines.map { $0["level"] as? String } == ["INFO", "WARN", "ERROR", "DEBUG", "ERROR"])
        #expect(lines[0]["service"] as? String == "backend")
        #expect(lines[0]["message"] as? String == "Login succeeded")
        #expect(lines[0]["user_id"] as? String == "0193-u")
        #expect(lines[1]["client_address"] as? String == "10.0.0.7")
        let stamp = try #require(lines[0]["timestamp"] as? String)
        #expect(Timestamp.parse(stamp) != nil && stamp.hasSuffix("Z"))
    }

    @Test func theWorkInProgressNamesItselfInEveryLine() async throws {
        let out = Lines()
        var log = logger("serve", out)
        log[metadataKey: "service"] = "recurring-task-service"
        let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        TraceContext.$traceparent.withValue(trace) {
            LogContext.$fields.withValue(["event_type": "task.completed", "task_id": "0193-t"]) {
                log.info("Next occurrence created", metadata: ["next_task_id": "0193-n"])
            }
        }
        log.info("Outside")
        let lines = out.objects
        #expect(lines[0]["service"] as? String == "recurring-task-service")
        #expect(lines[0]["event_type"] as? String == "task.completed")
        #expect(lines[0]["task_id"] as? String == "0193-t")
        #expect(lines[0]["next_task_id"] as? String == "0193-n")
        #expect(lines[0]["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(lines[0]["span_id"] as? String == "00f067aa0ba902b7")
        #expect(lines[1]["event_type"] == nil && lines[1]["trace_id"] == nil)
    }

    @Test func anythingIsEscapedAndReservedNamesAreKept() async throws {
        let out = Lines()
        let log = logger("backend", out)
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{07} emoji 🦷 separator \u{2028}"
        log.info("Odd input", metadata: ["error": .string(nasty), "message": "shadow", "list": ["a", "b"], "map": ["k": "v"]])
        let line = try #require(out.objects.first)
        #expect(line["error"] as? String == nasty)
        #expect(line["message"] as? String == "Odd input")
        #expect(line["meta.message"] as? String == "shadow")
        #expect(line["list"] as? [String] == ["a", "b"])
        #expect((line["map"] as? [String: String]) == ["k": "v"])
    }

    @Test func formatAndLevelComeFromTheEnvironment() throws {
        #expect(try LogFormat.from([:], isTerminal: true) == .text)
        #expect(try LogFormat.from([:], isTerminal: false) == .json)
        #expect(try LogFormat.from(["LOG_FORMAT": "JSON"], isTerminal: true) == .json)
        #expect(throws: (any Error).self) { try LogFormat.from(["LOG_FORMAT": "xml"], isTerminal: true) }
        #expect(try LogOutput.level(["LOG_LEVEL": "warn"]) == .warning)
        #expect(try LogOutput.level([:]) == .info)
        #expect(throws: (any Error).self) { try LogOutput.level(["LOG_LEVEL": "loud"]) }
    }
}
