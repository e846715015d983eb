import Foundation

/// Small images in a grid, each drawn pixel by pixel with a caption under it: the examples a
/// model got most confidently wrong, with their true and predicted labels.
///
/// Each image is grey (one channel) or colour (three), values stretched from the image's own
/// minimum (black) to its maximum (white), since inputs are often normalized to any range.
///
/// ```swift
/// let grid = ImageGrid(title: "Most confidently wrong",
///                      images: [.init(channels: 1, height: 2, width: 2, pixels: [0, 1, 1, 0], caption: "3 → 8 (0.97)")])
/// let svg = grid.svg
/// ```
public struct ImageGrid: Sendable {
    /// One image, pixels in channel-major order ([channels, height, width] flattened).
    public struct Image: Sendable {
        public var channels: Int, height: Int, width: Int
        public var pixels: [Float]
        public var caption: String

        public init(channels: Int, height: Int, width: Int, pixels: [Float], caption: String) {
            (self.channels, self.height, self.width, self.pixels, self.caption) = (channels, height, width, pixels, caption)
        }
    }

    public var title: String
    public var images: [Image]
    /// The side of one image's square, pixels.
    public var cell: Double
    public var columns: Int

    public init(title: String, images: [Image], cell: Double = 72, columns: Int = 8) {
        (self.title, self.images, self.cell, self.columns) = (title, images, cell, max(1, columns))
    }

    /// The grid as one `<svg>` element.
    public var svg: String {
        guard !images.isEmpty else { return SVG.placeholder(title: title, width: 480, height: 120, message: "no examples") }
        let gap = 12.0, captionHeight = 16.0, top = 26.0
        let columns = min(self.columns, images.count), rows = (images.count + columns - 1) / columns
        let width = Double(columns) * (cell + gap) + gap
        let height = top + Double(rows) * (cell + captionHeight + gap) + gap
        var svg = SVG.open(width: width, height: height, label: title) + SVG.title(title)
        for (n, image) in images.enumerated() {
            let x0 = gap + Double(n % columns) * (cell + gap), y0 = top + Double(n / columns) * (cell + captionHeight + gap)
            svg += "<g class=\"image\"><title>\(XMLText.escape(image.caption))</title>" + pixels(image, x: x0, y: y0)
                + SVG.text(SVG.truncated(image.caption, 18), x: x0 + cell / 2, y: y0 + cell + 12, anchor: .middle, size: 10) + "</g>"
        }
        return svg + "</svg>"
    }

    private func pixels(_ image: Image, x x0: Double, y y0: Double) -> String {
        let plane = image.height * image.width
        guard image.channels >= 1, plane > 0, image.pixels.count >= image.channels * plane else {
            return SVG.rect(x: x0, y: y0, width: cell, height: cell, fill: Palette.missing)
        }
        let finite = image.pixels.filter(\.isFinite).map(Double.init)
        let low = finite.min() ?? 0, high = finite.max() ?? 1, span = high > low ? high - low : 1
        let side = cell / Double(max(image.height, image.width))
        var svg = ""
        for row in 0..<image.height {
            for column in 0..<image.width {
                let channel: (Int) -> Int = { c in
                    let v = image.pixels[min(c, image.channels - 1) * plane + row * image.width + column]
                    let t = (Double(v) - low) / span
                    return t.isFinite ? Int((SVG.clamp(t, 0, 1) * 255).rounded()) : 0
                }
                let (r, g, b) = image.channels >= 3 ? (channel(0), channel(1), channel(2)) : (channel(0), channel(0), channel(0))
                svg += "<rect x=\"\(SVG.px(x0 + Double(column) * side))\" y=\"\(SVG.px(y0 + Double(row) * side))\" "
                    + "width=\"\(SVG.px(side + 0.5))\" height=\"\(SVG.px(side + 0.5))\" fill=\"\(String(format: "#%02x%02x%02x", r, g, b))\"/>"
            }
        }
        return svg
    }
}
