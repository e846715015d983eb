import Foundation

/// A URL's query as an HTML form sends it: `name=value` pairs joined by `&`, `+` for a space and
/// `%XX` escapes (Hummingbird's own map keeps the `+`, and keeps only one value of a repeated
/// name, which the runs page's checkboxes send).
struct QueryParameters {
    private(set) var pairs: [(name: String, value: String)] = []

    init(_ query: String?) {
        for part in (query ?? "").split(separator: "&") where !part.isEmpty {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            pairs.append((Self.decode(halves[0]), halves.count > 1 ? Self.decode(halves[1]) : ""))
        }
    }

    /// The first non-empty value of `name`, trimmed; nil when there is none.
    func value(_ name: String) -> String? {
        values(name).first
    }

    /// Every non-empty value of `name`, trimmed, in order.
    func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map { $0.value.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `+` as a space, then `%XX` escapes; text with a broken escape stays as it came.
    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
