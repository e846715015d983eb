import Foundation
import GRDB
import LoupeStore

/// The run store's readers on a database they did not write: what `loupe runs`, the dashboard
/// and TensorBoard export do with a store that was edited by hand, written by another program or
/// damaged. SQLite checks its own file format; what is fuzzed here is Loupe's reading of rows whose
/// values are not what its schema says (NULL where a value must be, text where a number must be),
/// which used to stop the process inside GRDB.
///
/// The first byte picks the mode: 0 — the rest is the database file itself; otherwise the rest is
/// a list of 4-byte edits (table, column, kind of value, value) applied to a small store with one
/// run of every kind of row, whose schema has its NOT NULL constraints removed so that any value
/// can be put anywhere.
enum StoreHarness {
    /// Where the databases go: memory (/dev/shm) where there is one, as SQLite's fsyncs to a disk
    /// would slow each run down to a fraction of a second.
    static let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory

    static func run(_ bytes: [UInt8]) throws {
        let path = folder.appendingPathComponent("loupe-fuzz-store-\(getpid()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        if bytes.first == 0 {
            try Data(bytes.dropFirst()).write(to: URL(fileURLWithPath: path))
        } else {
            let base = try Self.base.get()
            try base.data.write(to: URL(fileURLWithPath: path))
            try edit(path, Array(bytes.dropFirst()), columns: base.columns)
        }
        try readEverything(path)
    }

    /// Every reader of the store, on every run in it.
    static func readEverything(_ path: String) throws {
        let store = try RunStore(path: path, busyTimeout: 1)
        let runs = try store.runs()
        _ = try store.paramsOfAllRuns()
        _ = try store.summariesOfAllRuns()
        _ = try store.scalarKeysOfAllRuns()
        _ = try store.recordCounts(kind: "finding")
        for info in runs.prefix(8) {
            _ = try store.run(info.id)
            _ = try store.resolve(info.id)
            _ = try? store.resolve(info.name)
            _ = try store.params(info.id)
            for key in try store.scalarKeys(info.id).prefix(8) { _ = try store.scalars(info.id, key: key) }
            _ = try store.summaries(info.id)
            _ = try store.records(info.id)
            _ = try store.artifacts(info.id)
            _ = try store.children(info.id)
            _ = try store.progress(info.id)
        }
        _ = try store.detectCrashes()
    }

    /// Applies `edits` to the database at `path`; `columns` are the tables and columns they can
    /// reach (the store's own, read from its schema).
    static func edit(_ path: String, _ edits: [UInt8], columns: [(table: String, columns: [String])]) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false   // a run's rows may point at no run
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { db in
            for i in stride(from: 0, to: edits.count - 3, by: 4) {
                let target = columns[Int(edits[i]) % columns.count]
                let column = target.columns[Int(edits[i + 1]) % target.columns.count]
                let values: [DatabaseValueConvertible?] = [nil, "text", Int64(edits[i + 3]) - 128, Double(edits[i + 3]) / 7,
                                                           Int64.max, -Double.infinity, Data([edits[i + 3]]), String(repeating: "é", count: Int(edits[i + 3]))]
                let value = values[Int(edits[i + 2]) % values.count]
                // An edit a key or a remaining constraint forbids (an INTEGER PRIMARY KEY takes
                // only integers) leaves the rows as they were.
                try? db.execute(sql: "UPDATE OR IGNORE \"\(target.table)\" SET \"\(column)\" = ?", arguments: [value])
            }
        }
    }

    /// A small store: one run of every kind of row (params of each type, scalars, summaries,
    /// records, artifacts, tags, a child run), with its schema's NOT NULL constraints removed.
    static let base: Result<(data: Data, columns: [(table: String, columns: [String])]), Error> = Result {
        let path = folder.appendingPathComponent("loupe-fuzz-store-base-\(getpid()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        do {
            let store = try RunStore(path: path)
            let info = store.newRun(name: "fuzz", kind: .train, command: "loupe train fuzz.toml", runFile: "[run]\nname = \"fuzz\"", seed: 1, threads: 2)
            let recorder = try RunRecorder(store: store, info: info, params: ["lr": .double(0.01), "epochs": .int(3), "shuffle": .bool(true), "optimizer": .string("adam")])
            for step in 1...3 {
                recorder.scalar("train/loss", step: step, value: Double(4 - step))
                recorder.scalar("validation/accuracy", step: step, value: Double(step) / 4)
            }
            try recorder.record(["title": "x"], kind: "finding")
            let file = URL(fileURLWithPath: path + ".artifact")
            try Data("weights".utf8).write(to: file)
            defer { unlink(file.path) }
            try recorder.artifact(role: "checkpoint", url: file)
            try recorder.finish(.completed)
            let child = store.newRun(name: "fuzz-fix", kind: .debug, command: "loupe debug --fix", parentID: info.id)
            try RunRecorder(store: store, info: child, params: [:]).finish(.failed, error: "diverged")
            try store.tag(info.id, add: ["best"])
        }
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(sql: "UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '') WHERE type = 'table'")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        try queue.close()
        let reopened = try DatabaseQueue(path: path)
        let columns = try reopened.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map { table in
                (table, try db.columns(in: table).map(\.name))
            }
        }
        try reopened.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try reopened.close()
        return (try Data(contentsOf: URL(fileURLWithPath: path)), columns)
    }
}
