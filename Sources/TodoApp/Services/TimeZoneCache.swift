import Foundation
import Synchronization
import TodoCore

/// People's time zones, which every dated request needs (Today's day boundaries, an all-day due,
/// a date in a filter): read once per `lifetime` per process instead of one round trip to the
/// database per request. A change through `PATCH /api/v1/me` takes effect at once in the process
/// that made it and within `lifetime` in the others.
final class TimeZoneCache: Sendable {
    let lifetime: Duration
    let capacity: Int
    private let entries = Mutex<[UUID: (zone: TimeZoneID, until: ContinuousClock.Instant)]>([:])

    init(lifetime: Duration = .seconds(30), capacity: Int = 50_000) {
        (self.lifetime, self.capacity) = (lifetime, capacity)
    }

    /// The person's zone: remembered, or `load`ed and remembered.
    func zone(of userID: UUID, load: () async throws -> TimeZoneID) async rethrows -> TimeZoneID {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[userID] }), hit.until > now { return hit.zone }
        let zone = try await load()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[userID] = (zone, now + lifetime)
        }
        return zone
    }

    func forget(_ userID: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: userID) }
    }
}
