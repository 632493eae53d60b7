import Foundation
import Logging
import ServiceLifecycle
import TodoCore

/// Sleeps for `duration`, returning early when graceful shutdown begins, so a service's loop sees
/// the shutdown at once instead of after its longest sleep (a pod would otherwise hang on
/// SIGTERM until it is killed).
public func sleepUnlessShuttingDown(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
