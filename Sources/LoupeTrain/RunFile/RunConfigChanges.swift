extension RunConfig {
    /// One setting in which two configurations differ.
    public struct Change: Equatable, Sendable, CustomStringConvertible {
        /// The run file's key: `train.lr`, `model.layers[1].units`.
        public let key: String
        /// The values as TOML; nil where the key is not set.
        public let old: String?, new: String?

        public var description: String { "\(key): \(old ?? "(not set)") → \(new ?? "(not set)")" }
    }

    /// The settings in which this configuration differs from `old`, key by key, in run-file order
    /// (what `loupe train --resume` lists when the run file changed since the checkpoint).
    public func changes(from old: RunConfig) -> [Change] {
        let before = Dictionary(Self.flattened(old.entries), uniquingKeysWith: { a, _ in a })
        let after = Self.flattened(entries)
        let afterKeys = Set(after.map(\.key))
        var changes = after.compactMap { key, value in before[key] == value ? nil : Change(key: key, old: before[key], new: value) }
        changes += Self.flattened(old.entries).filter { !afterKeys.contains($0.key) }.map { Change(key: $0.key, old: $0.value, new: nil) }
        return changes
    }

    /// Every leaf setting as (key path, TOML text). Arrays of tables (layers) are entered, so a
    /// change names the layer; arrays of plain values (`data.split`) are one value.
    static func flattened(_ entries: [RunFileEntry], prefix: String = "") -> [(key: String, value: String)] {
        entries.flatMap { entry -> [(key: String, value: String)] in
            let key = prefix + entry.key
            switch entry.value {
            case let .table(inner):
                return flattened(inner, prefix: key + ".")
            case let .array(items) where items.contains(where: { if case .table = $0 { true } else { false } }):
                return items.enumerated().flatMap { i, item -> [(key: String, value: String)] in
                    if case let .table(inner) = item { return flattened(inner, prefix: "\(key)[\(i)].") }
                    return [("\(key)[\(i)]", item.tomlText)]
                }
            default:
                return [(key, entry.value.tomlText)]
            }
        }
    }
}
