import Foundation

/// Loupe's one JSON policy, used by every file and `--json` output it writes (metrics, summaries,
/// run configs, debugger reports and telemetry, traces, profiles).
///
/// - Keys are sorted, so the same values give the same bytes and diffs stay small; `/` is not
///   escaped (paths and metric keys such as `validation/accuracy` read as written).
/// - JSON has no NaN or infinity. A non-finite number is written as one of the strings `"NaN"`,
///   `"Infinity"` or `"-Infinity"`: a diverged run says *how* it diverged (null would lose that),
///   and the strings are what JavaScript's `Number(s)` and Python's `float(s)` read back. Reading
///   Loupe's JSON with ``decoder()`` turns them back into numbers.
///
/// ```swift
/// let data = try LoupeJSON.encoder().encode(["loss": Double.nan])   // {"loss":"NaN"}
/// let loss = try LoupeJSON.decoder().decode([String: Double].self, from: data)["loss"]  // nan
/// let line = try LoupeJSON.data(["epoch": 3, "loss": Double.infinity])  // {"epoch":3,"loss":"Infinity"}
/// ```
public enum LoupeJSON {
    /// How NaN, +∞ and −∞ are written.
    public static let nan = "NaN", infinity = "Infinity", negativeInfinity = "-Infinity"

    /// An encoder following the policy; `pretty` indents for files people read.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: infinity, negativeInfinity: negativeInfinity, nan: nan)
        return encoder
    }

    /// A decoder that reads what ``encoder(pretty:)`` writes, non-finite numbers included.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: infinity, negativeInfinity: negativeInfinity, nan: nan)
        return decoder
    }

    /// `object` (dictionaries, arrays, strings, numbers, booleans, `NSNull`) as JSON under the
    /// policy, for values built on the fly rather than `Codable` types.
    public static func data(_ object: Any, pretty: Bool = false) throws -> Data {
        try JSONSerialization.data(withJSONObject: sanitized(object),
                                   options: pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes])
    }

    /// `value` with every non-finite `Double` or `Float` replaced by its policy string (Foundation's
    /// serializer refuses them).
    public static func sanitized(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : string(d)
        case let f as Float: return f.isFinite ? f : string(Double(f))
        case let dict as [String: Any]: return dict.mapValues(sanitized)
        case let array as [Any]: return array.map(sanitized)
        default: return value
        }
    }

    private static func string(_ d: Double) -> String {
        d.isNaN ? nan : (d > 0 ? infinity : negativeInfinity)
    }
}
