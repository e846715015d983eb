extension RunConfig {
    /// The run file for this configuration, every setting written out, so that reading it back
    /// gives an equal `RunConfig` and writing that again gives the same text (the debugger writes
    /// repaired run files with it). Sections and keys keep the order of docs/RUNFILES.md; each value
    /// is one line of TOML (see ``RunFileValue/tomlText``), whatever characters its strings hold.
    public var tomlText: String {
        sections.map { section in
            "[\(section.name)]\n" + section.entries.map { line($0) + "\n" }.joined()
        }.joined(separator: "\n")
    }

    /// `key = value`; an array of tables (the model's layers) one table per line.
    private func line(_ entry: RunFileEntry) -> String {
        if case let .array(items) = entry.value, !items.isEmpty, items.allSatisfy(\.isTable) {
            return "\(entry.key) = [\n" + items.map { "  \($0.tomlText),\n" }.joined() + "]"
        }
        return "\(entry.key) = \(entry.value.tomlText)"
    }
}

private extension RunFileValue {
    var isTable: Bool {
        if case .table = self { true } else { false }
    }
}
