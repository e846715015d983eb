/// A table while its document is read: keys in the order they first appear, and what TOML's
/// redefinition rules need to know about each table.
final class TOMLTableNode {
    enum Child {
        case table(TOMLTableNode)
        /// `[[name]]`: an array of tables, never empty; headers go into its last table.
        case tables(TOMLTableArray)
        /// A finished value. Inline tables and arrays are values too: nothing can extend them.
        case value(TOMLValue)
    }

    private(set) var keys: [String] = []
    private var children: [String: Child] = [:]

    /// Defined by a `[header]` or `[[header]]`, or by dotted keys in an earlier section: no other
    /// header may define it again, no dotted key may add to it. A table only named on the way to
    /// another (`a` in `[a.b]`) is not defined yet.
    var isDefined = false

    init(isDefined: Bool = false) { self.isDefined = isDefined }

    subscript(key: String) -> Child? {
        get { children[key] }
        set {
            if children[key] == nil { keys.append(key) }
            children[key] = newValue
        }
    }

    /// The finished table. Nesting is bounded by ``TOML/maximumDepth``, so the recursion is too.
    var value: TOMLValue {
        .table(keys.compactMap { key in
            switch children[key] {
            case let .table(table)?: TOMLEntry(key, table.value)
            case let .tables(list)?: TOMLEntry(key, .array(list.tables.map(\.value)))
            case let .value(value)?: TOMLEntry(key, value)
            case nil: nil
            }
        })
    }
}

/// An array of tables, appended to by each `[[name]]`.
final class TOMLTableArray {
    private(set) var tables: [TOMLTableNode]
    var last: TOMLTableNode

    init(_ first: TOMLTableNode) {
        tables = [first]
        last = first
    }

    func append(_ table: TOMLTableNode) {
        tables.append(table)
        last = table
    }
}
