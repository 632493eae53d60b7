/// The units metrics, logs and settings want from a `Duration`.
extension Duration {
    /// Whole nanoseconds (what swift-metrics' `Timer.recordNanoseconds` takes).
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }

    /// Seconds as a `Double` (a `TimeInterval`).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
