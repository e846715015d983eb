import Foundation

/// Numbers as people read them in Loupe's reports: tables, tooltips, tick labels, captions.
///
/// One format everywhere, so a value reads the same in the debugger's report and on the trace
/// page:
/// - whole numbers below 10⁷ in full, and every number from 1000 up to 10⁷ rounded to a whole
///   one (steps, token counts, milliseconds: `200`, `12346`);
/// - otherwise four significant digits, in exponent notation only beyond that range or below
///   10⁻⁴ (`2.303`, `0.0001235`, `1.235e+08`). Four digits, not three: a loss of 2.3026 against
///   2.3031 is the difference between "stuck at chance" and "learning slowly";
/// - `NaN`, `∞` and `-∞` for non-finite values, which a training run can produce anywhere.
///
/// ```swift
/// let small = NumberText.readable(0.000123456)   // "0.0001235"
/// let large = NumberText.readable(12345.678)     // "12346"
/// let share = NumberText.percent(0.823)          // "82.3%"
/// ```
public enum NumberText {
    /// `value` in the report format above.
    public static func readable(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "-∞" }
        if abs(value) < 1e7, abs(value) >= 1000 || value == value.rounded() { return String(Int(value.rounded())) }
        return String(format: "%.4g", value)
    }

    /// A fraction as a percentage in the same format (`0.823` → `"82.3%"`; NaN stays `"NaN"`).
    public static func percent(_ fraction: Double) -> String {
        fraction.isFinite ? readable(fraction * 100) + "%" : readable(fraction)
    }
}
