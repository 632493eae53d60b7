import Foundation
import Testing
import TodoApp
import TodoCore
import TodoTesting

@Suite struct MetricsTests {
    /// `/metrics` is Prometheus text with the event backbone's metrics; the recurring-task-service's
    /// counter and the recurrence engine's histogram move when a next occurrence is created.
    @Test func metricsAreServedInPrometheusFormat() async throws {
        AppMetrics.bootstrap()
        try await TestApp.run(.sqlite) { api in
            func value(_ text: String, _ series: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
            }
            let before = try await api.send(.get, "/metrics")
            #expect(before.status == .ok)
            #expect(before.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let createdBefore = value(before.text, "recurring_task_created_total") ?? 0
            let token = try await api.signIn(timeZone: "UTC")
            let task = try await api.createTask(
                token, ["title": "Metric", "due": ["date_time": "2031-01-06T09:00"], "recurrence": ["rule": "FREQ=DAILY"]])
            _ = try await api.send(.post, "/api/v1/tasks/\(task["id"]!.stringValue!)/complete", token: token)
            // (The app's own sequencer and consumer run beside the router too, so the backlog's
            // exact value at any moment is a race; after settling only the next occurrence's
            // task.created can be left, until the sequencer takes it.)
            try await api.settle()
            let after = try await api.send(.get, "/metrics").text
            #expect((value(after, #"todo_outbox_backlog{state="unsequenced"}"#) ?? 99) <= 1)
            #expect((value(after, "recurring_task_created_total") ?? 0) >= createdBefore + 1)
            #expect(after.contains("# TYPE rrule_calculation_duration_seconds histogram"))
            #expect(after.contains(#"rrule_calculation_duration_seconds_count"#))
            #expect(value(after, #"todo_dead_letters{topic="task-events"}"#) != nil)
        }
    }
}
