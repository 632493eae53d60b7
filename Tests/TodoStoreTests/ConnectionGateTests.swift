import Foundation
import Synchronization
import Testing

@testable import TodoStore

/// The PostgreSQL pool's admission (`ConnectionGate`): a bounded wait, then `PoolExhausted`
/// (the API's 503 with Retry-After) — never an unbounded queue.
@Suite struct ConnectionGateTests {
    @Test func aCallerWaitsBoundedlyAndAFreedPermitGoesToTheLongestWaiter() async throws {
        let gate = ConnectionGate(limit: 2, timeout: .milliseconds(300))
        try await gate.acquire()
        try await gate.acquire()
        #expect(gate.inUse == 2)
        // Full: the next caller gives up — not before the timeout, and not never. (The upper bound
        // only tells a bounded wait from a hang: with the whole suite running in parallel on two
        // cores, the timer's task can start seconds late. Speed is not asserted here.)
        let started = ContinuousClock.now
        await #expect(throws: PoolExhausted.self) { try await gate.acquire() }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(290) && waited < .seconds(60))
        #expect(gate.inUse == 2)
        // A permit freed while someone waits goes to that waiter.
        let order = Mutex<[String]>([])
        async let first: Void = {
            try await gate.acquire()
            order.withLock { $0.append("first") }
        }()
        try await Task.sleep(for: .milliseconds(50))
        gate.release()
        try await first
        #expect(order.withLock { $0 } == ["first"])
        #expect(gate.inUse == 2)
        gate.release()
        gate.release()
        #expect(gate.inUse == 0)
    }

    @Test func withPermitReleasesOnErrors() async throws {
        let gate = ConnectionGate(limit: 1, timeout: .milliseconds(100))
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await gate.withPermit { throw Boom() } }
        #expect(gate.inUse == 0)
        #expect(try await gate.withPermit { 42 } == 42)
    }
}
