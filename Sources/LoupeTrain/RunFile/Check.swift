/// The one way range checks report a value out of range (``RunConfig/validate()``).
enum Check {
    static func that(_ condition: Bool, _ key: String, _ value: some RunFileValueConvertible, _ allowed: String) throws {
        guard condition else { throw RunConfigError.invalidValue(key: key, value: value.runFileValue.tomlText, allowed: allowed) }
    }

    static func atLeast(_ value: Int, _ minimum: Int, _ key: String) throws {
        try that(value >= minimum, key, value, "an integer ≥ \(minimum)")
    }

    /// A count whose arithmetic must not overflow (a batch size, a number of epochs): bounded
    /// far above any real run, far below where `Int` arithmetic on it could overflow.
    static func count(_ value: Int, _ range: ClosedRange<Int>, _ key: String) throws {
        try that(range.contains(value), key, value, "an integer in [\(range.lowerBound), \(range.upperBound)]")
    }

    static func within(_ value: Double, _ range: ClosedRange<Double>, _ key: String) throws {
        try that(range.contains(value), key, value, "a number in [\(range.lowerBound), \(range.upperBound)]")
    }

    /// A dropout rate: keeping nothing (1) would divide by zero.
    static func rate(_ value: Double, _ key: String) throws {
        try that(value >= 0 && value < 1, key, value, "a number in [0, 1)")
    }

    /// A file or directory. No file system allows NUL in a path (and C strings would cut it).
    static func path(_ value: String, _ key: String, shown: String) throws {
        try that(!value.isEmpty && !value.contains("\0"), key, shown, "a path (not empty, without NUL characters)")
    }
}
