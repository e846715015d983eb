import Foundation

/// A continuous colour map from 0 to 1, for heatmap cells, colour bars and shaded table cells.
///
/// ```swift
/// let fill = ColorRamp.viridis.color(at: 0.25)       // "#3b528b"
/// let ink = ColorRamp.blues.textColor(at: 0.9)        // "#fff": dark blue needs white text
/// ```
public struct ColorRamp: Sendable, Equatable {
    /// Red, green and blue of each stop, 0 to 255, evenly spaced from 0 to 1.
    let stops: [[Double]]

    /// Viridis, dark purple to yellow: perceptually uniform, readable in greyscale and to
    /// colour-blind readers. Stops sampled from matplotlib's table.
    public static let viridis = ColorRamp(stops: [
        [68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140],
        [40, 174, 128], [94, 201, 98], [173, 220, 48], [253, 231, 37],
    ])

    /// Near-white to dark blue (ColorBrewer "Blues"): the light end stays readable under dark
    /// text, for shading table cells and tokens.
    public static let blues = ColorRamp(stops: [[247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]])

    /// The colour at `t` as `#rrggbb`; `t` is clamped to 0...1 and NaN takes the 0 end.
    public func color(at t: Double) -> String {
        let rgb = mix(t)
        return String(format: "#%02x%02x%02x", Int(rgb[0].rounded()), Int(rgb[1].rounded()), Int(rgb[2].rounded()))
    }

    /// Text colour that stays readable on ``color(at:)`` of `t`: white on dark colours, near-black
    /// on light ones (by the colour's luma).
    public func textColor(at t: Double) -> String {
        let rgb = mix(t)
        let luma = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255
        return luma < 0.6 ? "#fff" : "#222"
    }

    /// Linear interpolation between the two stops around `t`.
    private func mix(_ t: Double) -> [Double] {
        let position = SVG.clamp(t, 0, 1) * Double(stops.count - 1)
        let i = Swift.min(Int(position), stops.count - 2), f = position - Double(i)
        return (0..<3).map { stops[i][$0] + (stops[i + 1][$0] - stops[i][$0]) * f }
    }
}
