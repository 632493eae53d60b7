import Foundation
import Testing
import TodoApp
import TodoCore
import TodoEvents

@Suite struct ConfigurationTests {
    @Test func jwtSecretHoldsSeveralKeys() throws {
        let keys = try AppConfiguration.parseJWTKeys("2026-11:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,2026-05:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        #expect(keys.map(\.kid) == ["2026-11", "2026-05"])
        #expect(try AppConfiguration.parseJWTKeys("cccccccccccccccccccccccccccccccccc").map(\.kid) == ["default"])
        #expect(throws: (any Error).self) { try AppConfiguration.parseJWTKeys("short") }
        #expect(throws: (any Error).self) {
            try AppConfiguration.parseJWTKeys("a:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,a:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        }
    }

    @Test func secretsComeFromFiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID())").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("k9:dddddddddddddddddddddddddddddddddddd\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try AppConfiguration.fromEnvironment(["JWT_SECRET_FILE": path, "DB_POOL_SIZE": "30", "DB_MAX_OVERFLOW": "20"])
        #expect(config.jwtKeys.map(\.kid) == ["k9"])
        #expect(config.poolSize == 30)
        #expect(config.maxOverflow == 20)
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["DB_POOL_SIZE": "lots"]) }
    }

    @Test func eventTransportDaprAndRetryAndRetention() throws {
        let config = try AppConfiguration.fromEnvironment([
            "EVENT_TRANSPORT": "dapr", "DAPR_HTTP_PORT": "3501", "PUBSUB_NAME": "kafka-pubsub", "EVENT_RETENTION": "30d",
            "CONSUMER_RETRY_TASK_EVENTS": "attempts=8 base=500ms cap=2m",
        ])
        #expect(config.eventTransport == .dapr)
        #expect(config.dapr.httpPort == 3501 && config.dapr.pubsubName == "kafka-pubsub")
        #expect(config.eventRetention == .seconds(30 * 86400))
        let policy = config.retryPolicy(for: "task-events")
        #expect(policy.maxAttempts == 8 && policy.base == .milliseconds(500) && policy.cap == .seconds(120))
        #expect(config.retryPolicy(for: "reminders").maxAttempts == RetryPolicy().maxAttempts)
        let defaults = try AppConfiguration.fromEnvironment([:])
        #expect(defaults.eventTransport == .database && defaults.dapr.pubsubName == "pubsub-kafka" && defaults.dapr.httpPort == 3500)
        for bad in [
            ["EVENT_TRANSPORT": "kafka"], ["EVENT_RETENTION": "7 days"], ["EVENT_RETENTION": "10s"], ["PUBSUB_NAME": "a/b"],
            ["CONSUMER_RETRY_TASK_EVENTS": "attempts=0"], ["CONSUMER_RETRY_TASK_EVENTS": "base=1m cap=1s"],
            ["CONSUMER_RETRY_TASK_EVENTS": "tries=3"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { try AppConfiguration.fromEnvironment(bad) }
        }
    }
}
