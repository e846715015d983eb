/// Whether a metric is better low (losses, errors) or high (accuracy, F1): what "best" means in
/// `loupe runs list --sort` and the tables.
public enum MetricGoal: Sendable, Equatable {
    case minimize, maximize

    /// By the key's last component: losses, errors, perplexities and times are minimized, other
    /// metrics (accuracy, F1, AUC, R², throughput) maximized.
    public init(key: String) {
        let name = key.split(separator: "/").last.map(String.init)?.lowercased() ?? key.lowercased()
        let lower = ["loss", "error", "perplexity", "mse", "mae", "rmse", "ms", "seconds", "nll", "kld"]
        self = lower.contains { name.contains($0) } ? .minimize : .maximize
    }

    /// Whether `a` is better than `b` (NaN is never better).
    public func prefers(_ a: Double, over b: Double) -> Bool {
        guard !a.isNaN else { return false }
        guard !b.isNaN else { return true }
        return self == .minimize ? a < b : a > b
    }
}
