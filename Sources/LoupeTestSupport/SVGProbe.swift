import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads inline SVG back as text, enough to check coordinates and structure without a browser.
public enum SVGProbe {
    /// The values of every attribute named `name`.
    public static func attributes(_ name: String, in svg: String) -> [String] {
        let pattern = try! Regex("\\s\(name)=\"([^\"]*)\"")
        return svg.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) }
    }

    /// Every attribute that holds pixel coordinates.
    public static func coordinateAttributes(_ html: String) -> [String] {
        ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "d", "viewBox", "transform", "fill-opacity"]
            .flatMap { attributes($0, in: html) }
    }

    /// Whether `value` is numbers separated by path commands, commas, spaces or `rotate( )`, all finite.
    public static func isFiniteNumberList(_ value: String) -> Bool {
        let lowered = value.lowercased()
        if lowered.contains("nan") || lowered.contains("inf") { return false }
        let tokens = value.split { " ,()MLrotate".contains($0) }
        return tokens.allSatisfy { Double($0)?.isFinite == true }
    }

    /// Whether `svg` parses as XML (one root element, tags balanced, attributes quoted, entities known).
    public static func isWellFormed(_ svg: String) -> Bool {
        XMLParser(data: Data(svg.utf8)).parse()
    }

    /// The plot area's rectangle (`class="plot"`).
    public static func plotArea(_ svg: String) -> (left: Double, top: Double, right: Double, bottom: Double)? {
        let pattern = try! Regex(#"class="plot" x="([-0-9.]+)" y="([-0-9.]+)" width="([-0-9.]+)" height="([-0-9.]+)""#)
        guard let match = svg.firstMatch(of: pattern) else { return nil }
        let v = (1...4).compactMap { match.output[$0].substring.flatMap { Double($0) } }
        guard v.count == 4 else { return nil }
        return (v[0], v[1], v[0] + v[2], v[1] + v[3])
    }

    /// A path's subpaths as point lists ("M1,2 L3,4M5,6 L7,8" → [[(1,2),(3,4)],[(5,6),(7,8)]]).
    public static func pathPoints(_ d: String) -> [[(Double, Double)]] {
        d.split(separator: "M").map { subpath in
            subpath.split(separator: "L").compactMap { pair in
                let xy = pair.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                return xy.count == 2 ? (xy[0], xy[1]) : nil
            }
        }
    }

    /// The text of the first `<g class="…">` group (groups of cells and bars hold no nested group).
    public static func group(_ name: String, in svg: String) -> String {
        guard let start = svg.range(of: "<g class=\"\(name)\""),
              let end = svg.range(of: "</g>", range: start.upperBound..<svg.endIndex) else { return "" }
        return String(svg[start.upperBound..<end.lowerBound])
    }

    /// The fill of every heatmap cell, row by row.
    public static func cellFills(_ svg: String) -> [String] { attributes("fill", in: group("cells", in: svg)) }

    /// Within 0.2 px: coordinates are printed with one decimal, and the plot's right and bottom
    /// edges are sums of two rounded numbers.
    public static func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 0.2 }

    public static func near(_ a: (Double, Double), _ b: (Double, Double)) -> Bool { near(a.0, b.0) && near(a.1, b.1) }
}
