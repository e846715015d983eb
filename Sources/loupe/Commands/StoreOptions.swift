import ArgumentParser
import Foundation
import LoupeCore
import LoupeStore

/// `--store PATH` and `--no-record`, shared by the commands that record runs and by `loupe runs`.
struct StoreOptions: ParsableArguments {
    @Option(help: "The run store (SQLite). Default: $LOUPE_STORE, else runs/loupe.sqlite.") var store: String?
    @Flag(help: "Do not record this run in the run store.") var noRecord = false

    var path: String { store ?? RunStore.defaultPath }

    /// The store to record into, or nil with --no-record.
    func recordingStore() throws -> RunStore? {
        noRecord ? nil : try open()
    }

    /// The store, with runs whose process died marked crashed.
    func open() throws -> RunStore {
        let store = try RunStore(path: path)
        try store.detectCrashes()
        return store
    }

    /// How this process was started, for the run's record.
    static var commandLine: String {
        CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}
