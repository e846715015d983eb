/// The colours every report draws with, so a series, a sign or a severity looks the same on
/// every page.
public enum Palette {
    /// Series colours in the order charts hand them out (Tableau 10: colour-blind-friendly and
    /// distinct in greyscale).
    public static let series = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#9c755f", "#76b7b2", "#edc948"]

    /// The `index`-th series colour, wrapping around after the last.
    public static func series(_ index: Int) -> String {
        series[((index % series.count) + series.count) % series.count]
    }

    /// Values that raise something (a logit), and bars without a colour of their own.
    public static let positive = "#4e79a7"
    /// Values that lower something.
    public static let negative = "#e15759"
    /// Bars that are not one component (a remainder, a sum of the ones not drawn).
    public static let neutral = "#a0a0a0"
    /// The bar that stands out (the chosen token among the candidates).
    public static let highlight = "#f28e2b"
    /// Cells with no value to colour (not measured, or not finite).
    public static let missing = "#d0d0d0"

    /// Severities, as the base stylesheet's `--error`, `--warning`, `--info` and `--healthy` name
    /// them: a finding's card and its marker on a chart share the colour.
    public static let error = "#c62828"
    public static let warning = "#b26a00"
    public static let info = "#1565c0"
    public static let healthy = "#2e7d32"

    /// The colour of a severity named "error", "warning" or "healthy"; anything else reads as info.
    public static func severity(_ name: String) -> String {
        switch name {
        case "error": error
        case "warning": warning
        case "healthy": healthy
        default: info
        }
    }
}
