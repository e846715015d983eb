/// What went wrong with a run store, naming the database and what to do.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is not a SQLite database, or is damaged.
    case unreadable(path: String, reason: String)
    /// The database was written by a newer Loupe (it has migrations this binary does not know).
    case newerSchema(path: String, unknown: [String])
    /// Another process holds the database longer than the busy timeout.
    case locked(path: String)
    /// No run has this id, id prefix or name.
    case unknownRun(String)
    /// Several runs' ids start with this prefix.
    case ambiguousRun(String, matches: [String])
    /// A value the store cannot keep (a key that is empty, a tag with spaces, ...).
    case invalid(field: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            "run store \(path) cannot be read: \(reason) (move it aside or pass --store to use another)"
        case let .newerSchema(path, unknown):
            "run store \(path) was written by a newer Loupe (unknown schema versions: \(unknown.joined(separator: ", "))); upgrade loupe or use another --store"
        case let .locked(path):
            "run store \(path) is locked by another process for too long; try again"
        case let .unknownRun(id):
            "no run with the id, id prefix or name '\(id)' (see `loupe runs list`)"
        case let .ambiguousRun(prefix, matches):
            "'\(prefix)' matches several runs (\(matches.prefix(5).joined(separator: ", "))\(matches.count > 5 ? ", …" : "")); give more of the id"
        case let .invalid(field, reason):
            "invalid \(field): \(reason)"
        }
    }
}
