/// What compute costs, as a price per CPU core-hour, and what a prediction costs at that price.
///
/// The default, US$0.045 per core-hour, is the on-demand price of a general-purpose cloud vCPU
/// (AWS c7i.large in us-east-1: US$0.08925 an hour for 2 vCPUs, 2025); pass `--price` for yours.
public struct Pricing: Codable, Sendable, Equatable {
    public static let defaultUSDPerCoreHour = 0.045

    public var usdPerCoreHour: Double

    public init(usdPerCoreHour: Double = Self.defaultUSDPerCoreHour) { self.usdPerCoreHour = usdPerCoreHour }

    /// US dollars for a million items that take `secondsPerItem` each on `cores` cores.
    public func usdPerMillion(secondsPerItem: Double, cores: Int) -> Double {
        secondsPerItem * Double(cores) / 3600 * usdPerCoreHour * 1_000_000
    }
}
